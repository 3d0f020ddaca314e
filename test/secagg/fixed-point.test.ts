/** Fixed-point encoding: Flower's arithmetic against closed forms; stochastic rounding unbiased; bounds. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SecAggConfigError } from '../../src/secagg/errors.js';
import { FLOWER_FIXED_POINT_DEFAULTS, decodeSum, encodeUpdate, quantizationErrorBound, validateFixedPointConfig, weightWord } from '../../src/secagg/fixed-point.js';
import { rngOf } from './harness.js';

const cfg = FLOWER_FIXED_POINT_DEFAULTS;

describe('fixed-point encoding', () => {
  test("Flower's mapping: −c → 0, 0 → T/2, c → T at full weight; the weight word is round(w/maxWeight·T)", () => {
    const e = encodeUpdate(Float64Array.of(-8, 0, 8, 100, -100), 1000, cfg, rngOf(1));
    assert.deepEqual([...e.words], [2 ** 22, 0, 2 ** 21, 2 ** 22, 2 ** 22, 0]);
    assert.equal(e.clippedCount, 2);
    assert.equal(weightWord(250, cfg), 2 ** 20);
  });

  test('stochastic rounding is unbiased: the mean of many encodings of one value decodes to it', () => {
    const x = 0.123456789; // not on the grid: step 2·8/2^22 ≈ 3.8e-6
    const rng = rngOf(2);
    const trials = 20000;
    let acc = 0;
    for (let t = 0; t < trials; t++) acc += encodeUpdate(Float64Array.of(x), 1000, cfg, rng).words[1];
    const decoded = (acc / trials) * ((2 * 8) / 2 ** 22) - 8;
    const step = (2 * 8) / 2 ** 22;
    // One draw is Bernoulli on the two grid points: sd ≤ step/2, so the mean's sd ≤ step/(2√trials).
    assert.ok(Math.abs(decoded - x) < (5 * step) / (2 * Math.sqrt(trials)), `${decoded} vs ${x}`);
  });

  test('the decoded sum of n encodings is within n quanta of the weighted sum', () => {
    const rng = rngOf(3);
    const n = 7;
    const xs = Array.from({ length: n }, () => Float64Array.from({ length: 100 }, () => 2 * rng.normal()));
    const ws = Array.from({ length: n }, (_, u) => 100 + 100 * u);
    const sum = new Uint32Array(101);
    for (let u = 0; u < n; u++) {
      const w = encodeUpdate(xs[u], ws[u], cfg, rng).words;
      for (let i = 0; i < 101; i++) sum[i] = (sum[i] + w[i]) >>> 0;
    }
    const dec = decodeSum(sum, n, cfg);
    // Weights travel as round(w/maxWeight·T): 100 → 419430/2^22·1000 = 99.9999..., not 100.
    const carried = ws.map((w) => (Math.round((w / 1000) * 2 ** 22) / 2 ** 22) * 1000);
    assert.ok(carried.some((c, u) => c !== ws[u]));
    const total = carried.reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(dec.weightTotal - total) < 1e-9);
    const b = quantizationErrorBound(cfg, n, dec.weightTotal);
    for (let i = 0; i < 100; i++) {
      let ref = 0;
      for (let u = 0; u < n; u++) ref += carried[u] * xs[u][i];
      assert.ok(Math.abs(dec.mean[i] - ref / total) < b.meanAbsErrorBound);
      assert.ok(Math.abs(dec.weightedSum[i] - ref) < b.weightedSumAbsErrorBound);
    }
  });

  test('settings checks (exit 2)', () => {
    assert.throws(() => validateFixedPointConfig({ ...cfg, modulusRange: 2 ** 22 }, 2), /more than quantizationRange/);
    assert.throws(() => validateFixedPointConfig({ ...cfg, clippingRange: 0 }, 2), SecAggConfigError);
    assert.throws(() => validateFixedPointConfig(cfg, 1024), /2\^33/);
    validateFixedPointConfig(cfg, 1023);
    assert.throws(() => encodeUpdate(Float64Array.of(NaN), 1, cfg, rngOf(1)), /non-finite/);
    assert.throws(() => weightWord(0, cfg), SecAggConfigError);
  });
});
