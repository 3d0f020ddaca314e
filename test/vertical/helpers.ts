/** Shared fixtures for the vertical tests: small vertically partitioned data sets with a known logistic truth. */
import { Xoshiro128, streamState } from '../../src/random/rng.js';
import type { VerticalExperimentConfig, VerticalTrainingData } from '../../src/vertical/experiment.js';

/**
 * n patients, parties with the given column counts (the first holds the labels), standard-normal
 * features, labels from a logistic model with intercept `intercept` (−2.5 gives about 10 %
 * positives: the imbalance label leakage feeds on) and weights of size `signal` on every column.
 * The last testFraction of rows is the test split.
 */
export function verticalFixture(opts: { n: number; cols: number[]; seed?: number; intercept?: number; signal?: number; testFraction?: number }): VerticalTrainingData {
  const { n, cols } = opts;
  const rng = new Xoshiro128(streamState(opts.seed ?? 1, 'vertical-fixture'));
  const intercept = opts.intercept ?? -2.5;
  const signal = opts.signal ?? 1;
  const total = cols.reduce((a, b) => a + b, 0);
  const values = cols.map((c) => new Float64Array(n * c));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = intercept;
    cols.forEach((c, p) => {
      for (let j = 0; j < c; j++) {
        const v = rng.normal();
        values[p][i * c + j] = v;
        z += (signal * v * (j % 2 === 0 ? 1 : -0.5)) / Math.sqrt(total / 4);
      }
    });
    labels[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const nTest = Math.round(n * (opts.testFraction ?? 0.3));
  return {
    parties: cols.map((c, p) => ({
      partyId: p === 0 ? 'hospital' : `party${p}`,
      featureNames: Array.from({ length: c }, (_, j) => `p${p}_f${j}`),
      rows: n,
      cols: c,
      values: values[p],
    })),
    labelPartyId: 'hospital',
    labels,
    trainIndices: Uint32Array.from({ length: n - nTest }, (_, i) => i),
    testIndices: Uint32Array.from({ length: nTest }, (_, i) => n - nTest + i),
  };
}

export function baseConfig(overrides: Partial<VerticalExperimentConfig> = {}): VerticalExperimentConfig {
  return {
    seed: 7,
    epochs: 3,
    batchSize: 32,
    learningRate: 0.1,
    bottomHiddenUnits: 0,
    verticalLr: { encryption: 'masked', keyBits: 512 },
    leakageDefence: { noiseMultiplier: 0 },
    ...overrides,
  };
}
