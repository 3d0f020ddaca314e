/**
 * npm run perf:train-loop — the SGD inner loop at consortium scale (issue 19, target 1): samples/s
 * of logistic regression and MLP [32] at d = 70 on a large site (default 200,000 rows, a design
 * matrix of 112 MB: far beyond the caches, so memory access patterns show), one core.
 * Side by side in ONE run, in alternation (A, B, A, B, …) so that every variant sees the same
 * machine load, and reported as ratios (the machine is shared; absolute figures are noisy):
 *   - logistic, the loop (one running sum per dot product, model/logistic.ts dot)
 *   - logistic with four accumulators per dot product (measured, not used: see LogisticFourLanes)
 *   - logistic, the loop now with block-shuffled minibatches (model/train.ts blockShuffleInto)
 *   - mlp [32], reshuffled vs block-shuffled minibatches
 *   - DP-SGD logistic (Poisson sampling, unchanged semantics) for reference
 * Usage: node dist/perf/train-loop.js [--rows N] [--features D] [--runs K] [--json]
 */
import { Xoshiro128, streamState } from '../src/random/rng.js';
import { LogisticRegression, assertMatrixWidth } from '../src/model/logistic.js';
import { Mlp } from '../src/model/mlp.js';
import { Sgd } from '../src/model/optimizer.js';
import { permuteRows, trainLocal } from '../src/model/train.js';
import type { LabeledData, LocalTrainingOptions, Model } from '../src/model/types.js';
import { trainDpSgd } from '../src/privacy/dp-sgd.js';
import { sampleRateForBatchSize } from '../src/privacy/poisson-sampling.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const rows = arg('rows', 200_000);
const features = arg('features', 70);
const runs = arg('runs', 5);
const BATCH = 32;
const progress = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The logistic loop with four accumulators per dot product: measured here, NOT used by the
 * model (its result depends on the column order of the design matrix; model/logistic.ts dot).
 */
class LogisticFourLanes extends LogisticRegression {
  override lossAndGrad(params: Float64Array, data: LabeledData, rowsOf: Uint32Array, count: number, gradOut: Float64Array): number {
    const d = this.featureCount;
    assertMatrixWidth(data, d);
    const x = data.x;
    const y = data.y;
    const bias = params[d];
    gradOut.fill(0);
    let lossSum = 0;
    let biasGrad = 0;
    for (let k = 0; k < count; k++) {
      const r = rowsOf[k];
      const off = r * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        s0 += params[j] * x[off + j];
        s1 += params[j + 1] * x[off + j + 1];
        s2 += params[j + 2] * x[off + j + 2];
        s3 += params[j + 3] * x[off + j + 3];
      }
      for (; j < d; j++) s0 += params[j] * x[off + j];
      const z = bias + (s0 + s1 + (s2 + s3));
      const yr = y[r];
      const e = Math.exp(-Math.abs(z));
      const inv = 1 / (1 + e);
      lossSum += (z > 0 ? z : 0) - yr * z + Math.log1p(e);
      const residual = (z >= 0 ? inv : e * inv) - yr;
      for (let j = 0; j < d; j++) gradOut[j] += residual * x[off + j];
      biasGrad += residual;
    }
    const scale = count > 0 ? 1 / count : 0;
    let wSq = 0;
    for (let j = 0; j < d; j++) {
      const w = params[j];
      wSq += w * w;
      gradOut[j] = gradOut[j] * scale + this.l2 * w;
    }
    gradOut[d] = biasGrad * scale;
    return lossSum * scale + 0.5 * this.l2 * wSq;
  }
}

function syntheticDataset(n: number, d: number): LabeledData {
  const rng = new Xoshiro128(streamState(7, 'perf-train-loop'));
  const weights = Array.from({ length: d }, () => rng.normal() / Math.sqrt(d));
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = -1;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      x[i * d + j] = v;
      z += weights[j] * v;
    }
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { n, d, x, y };
}

interface Variant {
  label: string;
  run: () => number; // samples
}

function variant(label: string, model: Model, data: LabeledData, epochs: number, sampling?: LocalTrainingOptions['sampling'], dp = false): Variant {
  const rng = new Xoshiro128(streamState(1, 'perf-train-loop', label));
  const random = () => rng.uniform();
  return {
    label,
    run: () => {
      const params = model.init(random);
      if (dp) {
        return trainDpSgd(model, params, data, {
          sampleRate: sampleRateForBatchSize(BATCH, data.n),
          noiseMultiplier: 1,
          clipNorm: 1,
          epochs,
          optimizer: new Sgd(0.05),
          random,
          noise: { secure: false, fillGaussian: (out, sd) => { for (let j = 0; j < out.length; j++) out[j] = sd * rng.normal(); } },
        }).examplesSeen;
      }
      return trainLocal(model, params, data, { batchSize: BATCH, epochs, optimizer: new Sgd(0.05), random, ...(sampling ? { sampling } : {}) }).examplesSeen;
    },
  };
}

/** Runs the variants in alternation `runs` times; median samples/s of each. */
function alternate(variants: Variant[]): Map<string, number[]> {
  const rates = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  for (const v of variants) v.run(); // warm-up
  for (let k = 0; k < runs; k++) {
    for (const v of variants) {
      const t0 = performance.now();
      const samples = v.run();
      rates.get(v.label)!.push(samples / ((performance.now() - t0) / 1000));
    }
  }
  return rates;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

const { loadavg } = await import('node:os');
progress(`train loop: n = ${fmt(rows)}, d = ${features}, batch ${BATCH}, ${runs} alternated runs; load average ${loadavg()[0].toFixed(2)}`);
const raw = syntheticDataset(rows, features);
// Block shuffling needs rows stored in random order (model/train.ts blockShuffleInto).
const rng = new Xoshiro128(streamState(3, 'perf-train-loop', 'permute'));
const data = permuteRows(raw, () => rng.uniform()).data;
const lr = new LogisticRegression(features, 1e-4);
const mlp = new Mlp({ featureCount: features, hiddenUnits: [32], l2: 1e-4 });
const rates = alternate([
  variant('logistic 4 lanes (unused)', new LogisticFourLanes(features, 1e-4), data, 2),
  variant('logistic', lr, data, 2),
  variant('logistic block-shuffle', lr, data, 2, { kind: 'block-shuffle' }),
  variant('logistic block-shuffle x8', lr, data, 2, { kind: 'block-shuffle', batchesPerBlock: 8 }),
  variant('logistic dp-sgd', lr, data, 1, undefined, true),
  variant('mlp [32]', mlp, data, 1),
  variant('mlp [32] block-shuffle', mlp, data, 1, { kind: 'block-shuffle' }),
]);
const m = new Map([...rates].map(([k, v]) => [k, median(v)]));
// Ratios per alternated pair, then the median: both sides of a pair saw the same load.
const pairRatio = (a: string, b: string) => median(rates.get(a)!.map((v, k) => v / rates.get(b)![k]));
const out = {
  rows,
  features,
  batchSize: BATCH,
  runs,
  loadAverage: loadavg()[0],
  samplesPerSecond: Object.fromEntries(m),
  ratios: {
    fourLanesOverLogistic: pairRatio('logistic 4 lanes (unused)', 'logistic'),
    logisticBlockOverReshuffle: pairRatio('logistic block-shuffle', 'logistic'),
    logisticBlock8OverReshuffle: pairRatio('logistic block-shuffle x8', 'logistic'),
    mlpBlockOverReshuffle: pairRatio('mlp [32] block-shuffle', 'mlp [32]'),
    dpSgdOverLogistic: pairRatio('logistic dp-sgd', 'logistic'),
  },
  targets: { logisticSamplesPerSecond: 4_000_000, mlpSamplesPerSecond: 1_000_000 },
};
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  const lines = [...m].map(([k, v]) => `${k.padEnd(28)} ${fmt(v).padStart(12)} samples/s`);
  lines.push('', ...Object.entries(out.ratios).map(([k, v]) => `${k.padEnd(30)} ${v.toFixed(2)}x`));
  lines.push(`load average ${out.loadAverage.toFixed(2)} (2 cores, shared machine: compare ratios, not absolute figures)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
