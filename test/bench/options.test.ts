/**
 * The bench settings added for published protocols (FLamby): reference levels, scaleBinary,
 * fixed split, fixed threshold, site-mean summaries, uniform-fan-in init. Defaults unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BENCH_DEFAULTS, resolveBenchConfig } from '../../src/bench/config.js';
import { datasetFromScenario } from '../../src/data/load.js';
import { prepareSeed } from '../../src/data/prepare/prepare.js';
import { fitPreprocessing, siteStats, transform, type SiteFeatures } from '../../src/data/prepare/preprocess.js';
import { SPLIT_TEST, SPLIT_TRAIN } from '../../src/data/prepare/types.js';
import { siteMeanMetrics, uniformFanInInit } from '../../src/bench/run-seed.js';
import { InputError, UsageError } from '../../src/errors.js';
import { evaluateBinary } from '../../src/metrics/evaluate.js';
import { parseBenchConfig, parseScenario } from '../../src/scenario/parse.js';
import { Xoshiro128, streamState } from '../../src/random/rng.js';
import { meanSd, prepOpts, scenarioYaml } from '../data/prepare/helpers.js';

/** One binary and one categorical column, 8 training and 2 test rows. */
function site(id: string, bin: number[], cat: string[], levels: string[]): SiteFeatures {
  const n = bin.length;
  return {
    id,
    n,
    columns: [
      { name: 'b', featureType: 'binary', values: Float64Array.from(bin), valid: null },
      { name: 'c', featureType: 'categorical', codes: Int32Array.from(cat, (c) => levels.indexOf(c)), levels },
    ],
    splitOfRow: Int8Array.from({ length: n }, (_, i) => (i < n - 2 ? SPLIT_TRAIN : SPLIT_TEST)),
    y: Float64Array.from({ length: n }, (_, i) => i % 2),
    trueRisk: null,
    patientIds: Array.from({ length: n }, (_, i) => `${id}-${i}`),
  };
}

describe('bench options for published protocols', () => {
  test('defaults are unchanged: F1 threshold on validation, pooled summary, zeros, binary columns unscaled', () => {
    const c = resolveBenchConfig({});
    assert.deepEqual(c.evaluation, { threshold: null, summary: 'pooled' });
    assert.equal(c.model.init, 'zeros');
    assert.equal(c.preprocessing.scaleBinary, false);
    assert.equal(c.preprocessing.centralStatistics, 'same');
    assert.deepEqual(c.split, BENCH_DEFAULTS.split);
  });

  test('config file: split fixed, a threshold, site-mean; uniform-fan-in refuses the MLP', () => {
    const s = parseBenchConfig('bench:\n  split: fixed\n  evaluation: { threshold: 0.5, summary: site-mean }\n  model: { init: uniform-fan-in }\n', 'b.yaml');
    const c = resolveBenchConfig(s);
    assert.equal(c.split, 'fixed');
    assert.deepEqual(c.evaluation, { threshold: 0.5, summary: 'site-mean' });
    assert.throws(() => resolveBenchConfig(s, { model: 'mlp' }), UsageError);
    assert.throws(() => parseBenchConfig('bench:\n  split: fixd\n', 'b.yaml'), InputError);
    assert.throws(() => parseBenchConfig('bench:\n  evaluation: { threshold: 1.5 }\n', 'b.yaml'), InputError);
  });

  test('a reference level gets no one-hot column; scaleBinary z-scores 0/1 and one-hot columns per site', () => {
    const levels = ['lo', 'mid', 'hi'];
    const a = site('a', [1, 0, 0, 1, 1, 1, 0, 1, 0, 1], ['lo', 'mid', 'hi', 'hi', 'mid', 'mid', 'lo', 'hi', 'mid', 'lo'], levels);
    const b = site('b', [0, 0, 0, 1, 0, 0, 0, 1, 1, 1], ['hi', 'hi', 'mid', 'hi', 'lo', 'hi', 'hi', 'mid', 'lo', 'lo'], levels);
    const sources = [
      { name: 'b', featureType: 'binary' as const },
      { name: 'c', featureType: 'categorical' as const, referenceLevel: 'lo' },
    ];
    const plain = fitPreprocessing([siteStats(a), siteStats(b)], sources, { normalization: 'per-site', missingIndicators: false });
    assert.deepEqual(plain.features.map((f) => f.name), ['b', 'c=mid', 'c=hi']);
    assert.deepEqual(Array.from(transform(a, plain).train.data.x.slice(0, 3)), [1, 0, 0]); // unscaled by default
    const scaled = fitPreprocessing([siteStats(a), siteStats(b)], sources, { normalization: 'per-site', missingIndicators: false, scaleBinary: true });
    for (const s of [a, b]) {
      const { train, test } = transform(s, scaled);
      for (let j = 0; j < 3; j++) {
        const col = Array.from({ length: train.data.n }, (_, i) => train.data.x[i * 3 + j]);
        const { mean, sd } = meanSd(col);
        assert.ok(Math.abs(mean) < 1e-12 && Math.abs(sd - 1) < 1e-12, `${s.id} column ${j}: ${mean}, ${sd}`);
      }
      // Test rows use the same site's training statistics: recompute the first test value by hand.
      const trainBin = Array.from(s.columns[0].featureType === 'binary' ? (s.columns[0] as { values: Float64Array }).values.slice(0, 8) : []);
      const { mean, sd } = meanSd(trainBin);
      const raw = (s.columns[0] as { values: Float64Array }).values[8];
      assert.ok(Math.abs(test.data.x[0] - (raw - mean) / sd) < 1e-12);
    }
  });

  test('split fixed on data without a split column is a located InputError', () => {
    const scenario = parseScenario(scenarioYaml([{ id: 'a', patients: 200 }]), 's.yaml');
    const dataset = datasetFromScenario(scenario, 's.yaml');
    assert.throws(() => prepareSeed(dataset, prepOpts({ split: 'fixed' })), (e: unknown) => e instanceof InputError && /a `split` column for `split: fixed`/.test(e.message));
  });

  test('uniform-fan-in: every value in (−1/√d, 1/√d), deterministic per stream, uniform in spread', () => {
    const draw = () => {
      const rng = new Xoshiro128(streamState(42, 'test'));
      return uniformFanInInit(14, 13, () => rng.uniform());
    };
    const p = draw();
    const bound = 1 / Math.sqrt(13);
    assert.ok(p.every((v) => Math.abs(v) < bound));
    assert.deepEqual(p, draw());
    const rng = new Xoshiro128(streamState(1, 'many'));
    const many = uniformFanInInit(20_001, 4, () => rng.uniform());
    const { mean, sd } = meanSd(Array.from(many));
    // U(−½, ½): mean 0, SD 1/√12; 20,001 draws put the sample values within ~0.01.
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(sd - 1 / Math.sqrt(12)) < 0.01, `${mean} ${sd}`);
  });

  test('site-mean metrics: the unweighted mean of per-site values; null when a site is undefined', () => {
    const big = evaluateBinary([0, 1, 1, 0, 1, 1, 0, 0, 1, 1], [0.1, 0.9, 0.8, 0.6, 0.7, 0.2, 0.3, 0.4, 0.9, 0.6], 0.5);
    const small = evaluateBinary([1, 0], [0.4, 0.3], 0.5);
    const m = siteMeanMetrics({ big, small });
    assert.equal(m.accuracy, ((big.accuracy as number) + (small.accuracy as number)) / 2);
    assert.equal(m.accuracy, (0.8 + 0.5) / 2);
    const oneClass = evaluateBinary([1, 1], [0.7, 0.2], 0.5);
    assert.equal(siteMeanMetrics({ big, oneClass }).auc, null);
  });
});
