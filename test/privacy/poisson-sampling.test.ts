/** Poisson sampling by geometric gaps: the same distribution as n independent Bernoulli(q) trials. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { poissonSample, poissonStepsPerEpoch, sampleRateForBatchSize } from '../../src/privacy/poisson-sampling.js';
import { streamState, Xoshiro128 } from '../../src/random/rng.js';

function uniforms(seed: number): () => number {
  const rng = new Xoshiro128(streamState(seed, 'poisson-test'));
  return () => rng.uniform();
}

describe('poissonSample', () => {
  test('ascending, distinct, in range', () => {
    const out = new Uint32Array(1000);
    const random = uniforms(1);
    for (let t = 0; t < 200; t++) {
      const count = poissonSample(1000, 0.05, random, out);
      for (let k = 0; k < count; k++) {
        assert.ok(out[k] < 1000);
        if (k > 0) assert.ok(out[k] > out[k - 1]);
      }
    }
  });

  test('each index is included with probability q, independently (marginals, pairs, batch-size law)', () => {
    const n = 60;
    const q = 0.12;
    const trials = 40_000;
    const out = new Uint32Array(n);
    const random = uniforms(2);
    const included = new Float64Array(n);
    const adjacentBoth = new Float64Array(n - 1);
    const sizes: number[] = [];
    const mask = new Uint8Array(n);
    for (let t = 0; t < trials; t++) {
      const count = poissonSample(n, q, random, out);
      sizes.push(count);
      mask.fill(0);
      for (let k = 0; k < count; k++) mask[out[k]] = 1;
      for (let i = 0; i < n; i++) {
        included[i] += mask[i];
        if (i + 1 < n) adjacentBoth[i] += mask[i] & mask[i + 1];
      }
    }
    // Marginals: each count ~ Binomial(trials, q); 5 sd bounds, and a chi-square over all indices.
    const sd = Math.sqrt(trials * q * (1 - q));
    let chi2 = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(included[i] - trials * q) <= 5 * sd, `index ${i}: ${included[i]} vs ${trials * q}`);
      chi2 += (included[i] - trials * q) ** 2 / (trials * q * (1 - q));
    }
    // χ²(60): mean 60, sd √120 ≈ 11; 60 + 5·11 = 115.
    assert.ok(chi2 < 115, `chi-square ${chi2}`);
    // Pairs: both of i, i+1 included with probability q² (independence, incl. the first and last index).
    const pairSd = Math.sqrt(trials * q * q * (1 - q * q));
    for (let i = 0; i < n - 1; i++) assert.ok(Math.abs(adjacentBoth[i] - trials * q * q) <= 5 * pairSd, `pair ${i}`);
    // Batch size ~ Binomial(n, q): mean n·q, variance n·q·(1 − q).
    const mean = sizes.reduce((a, b) => a + b, 0) / trials;
    const variance = sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials - 1);
    const v = n * q * (1 - q);
    assert.ok(Math.abs(mean - n * q) <= 5 * Math.sqrt(v / trials), `mean batch ${mean}`);
    assert.ok(Math.abs(variance - v) <= 5 * v * Math.sqrt(2 / trials) * 1.2, `batch variance ${variance} vs ${v}`);
    // P(empty) = (1 − q)^n.
    const empty = sizes.filter((s) => s === 0).length / trials;
    assert.ok(Math.abs(empty - (1 - q) ** n) <= 5 * Math.sqrt(((1 - q) ** n) / trials) + 1e-4, `empty fraction ${empty}`);
  });

  test('uses about q·n + 1 uniforms per sample, not n', () => {
    let calls = 0;
    const base = uniforms(3);
    const counting = () => {
      calls++;
      return base();
    };
    const out = new Uint32Array(100_000);
    let total = 0;
    for (let t = 0; t < 100; t++) total += poissonSample(100_000, 0.001, counting, out);
    assert.equal(calls, total + 100); // one draw per selected index plus the one that runs past n
  });

  test('q = 1 takes every index without drawing; a tiny q often takes none', () => {
    const out = new Uint32Array(5);
    assert.equal(poissonSample(5, 1, () => assert.fail('no draw at q = 1'), out), 5);
    assert.deepEqual([...out], [0, 1, 2, 3, 4]);
    const random = uniforms(4);
    let empties = 0;
    for (let t = 0; t < 100; t++) if (poissonSample(5, 1e-6, random, out) === 0) empties++;
    assert.ok(empties >= 99);
    // A uniform of exactly 0 (allowed by the [0, 1) contract) selects the next index.
    assert.equal(poissonSample(5, 0.5, (() => { let k = 0; return () => (k++ === 0 ? 0 : 0.999999); })(), out), 1);
    assert.equal(out[0], 0);
  });

  test('rejects q outside (0, 1] and a short output buffer', () => {
    for (const q of [0, -0.1, 1.5, Number.NaN]) assert.throws(() => poissonSample(3, q, Math.random, new Uint32Array(3)), /sample rate q must be in \(0, 1\]/);
    assert.throws(() => poissonSample(3, 0.5, Math.random, new Uint32Array(2)), /need n = 3/);
  });
});

describe('Opacus step conventions', () => {
  test('q = 1/⌈n/B⌉ (DPDataLoader) and ⌊1/q⌋ steps per epoch (UniformWithReplacementSampler)', () => {
    assert.equal(sampleRateForBatchSize(32, 20_000), 1 / 625);
    assert.equal(poissonStepsPerEpoch(1 / 625), 625);
    assert.equal(sampleRateForBatchSize(10, 95), 0.1);
    assert.equal(poissonStepsPerEpoch(0.1), 10);
    assert.equal(poissonStepsPerEpoch(0.3), 3);
    assert.equal(poissonStepsPerEpoch(1), 1);
    assert.equal(sampleRateForBatchSize(500, 20), 1);
    for (let k = 1; k <= 5000; k++) assert.equal(poissonStepsPerEpoch(1 / k), k, `1/${k}`);
  });
});
