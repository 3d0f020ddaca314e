/**
 * The four-rows-at-a-time logistic kernels (model/logistic-kernels.ts) against the one-row loops
 * they replaced (kept here verbatim as the reference), BIT FOR BIT: results per seed must not
 * change with the speed-up, and an unclipped DP-SGD row must contribute the bits of plain SGD.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LogisticRegression, dot, probabilityOf } from '../../src/model/logistic.js';
import { randomVector, syntheticData, uniformSource } from './helpers.js';
import { referenceClipped, referenceLossAndGrad } from './reference-logistic.js';

const sameBits = (a: Float64Array, b: Float64Array) => assert.deepEqual(Array.from(a, (v) => Object.is(v, -0) ? '-0' : v), Array.from(b, (v) => Object.is(v, -0) ? '-0' : v));

/** A random case: n rows of width d, a batch of `count` row indices (repeats allowed), random weights. */
const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 40 }),
  d: fc.integer({ min: 1, max: 19 }),
  count: fc.integer({ min: 0, max: 23 }),
  seed: fc.integer({ min: 0, max: 10_000 }),
  weightScale: fc.constantFrom(0.1, 1, 30),
  clipNorm: fc.constantFrom(0.05, 0.5, 1, 4, Number.POSITIVE_INFINITY),
});

function build(c: { n: number; d: number; count: number; seed: number; weightScale: number }) {
  const data = syntheticData(c.n, c.d, c.seed);
  const random = uniformSource(c.seed, 'kernels');
  const params = randomVector(c.d + 1, random, c.weightScale);
  const rows = Uint32Array.from({ length: c.count }, () => Math.floor(random() * c.n));
  return { data, params, rows };
}

describe('logistic kernels, four rows at a time', () => {
  test('lossAndGrad equals the one-row loop bit for bit (batch sizes not a multiple of 4, repeated rows)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { data, params, rows } = build(c);
        const model = new LogisticRegression(c.d, 1e-3);
        const got = new Float64Array(c.d + 1);
        const want = new Float64Array(c.d + 1);
        assert.ok(Object.is(model.lossAndGrad(params, data, rows, c.count, got), referenceLossAndGrad(model, params, data, rows, c.count, want)));
        sameBits(got, want);
      }),
      { numRuns: 200 },
    );
  });

  test('clippedGradSum equals the one-row loop bit for bit, clipped count included', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(1, 1 / 7, 0.03125), (c, scale) => {
        const { data, params, rows } = build(c);
        const model = new LogisticRegression(c.d, 1e-3);
        const got = new Float64Array(c.d + 1);
        const want = new Float64Array(c.d + 1);
        const a = model.clippedGradSum(params, data, rows, c.count, c.clipNorm, got, scale);
        const b = referenceClipped(params, data, rows, c.count, c.clipNorm, want, scale);
        assert.equal(a.clippedCount, b.clippedCount);
        assert.ok(Object.is(a.lossSum, b.lossSum));
        sameBits(got, want);
      }),
      { numRuns: 200 },
    );
  });

  test('about half the rows clipped at the median norm; with no clipping the sum is lossAndGrad\'s data term', () => {
    const data = syntheticData(37, 9, 3);
    const model = new LogisticRegression(9, 0);
    const params = randomVector(10, uniformSource(3), 0.5);
    const rows = Uint32Array.from({ length: 37 }, (_, i) => i);
    const sum = new Float64Array(10);
    const grad = new Float64Array(10);
    // The clip norm at the median per-example norm: about half the rows are clipped.
    const norms = [...model.perExampleGradNorms(params, data, rows, 37, new Float64Array(37))].sort((a, b) => a - b);
    const clipped = model.clippedGradSum(params, data, rows, 37, norms[18], sum, 1 / 37);
    assert.ok(clipped.clippedCount > 0 && clipped.clippedCount < 37, `clipped ${clipped.clippedCount} of 37`);
    model.clippedGradSum(params, data, rows, 37, Number.POSITIVE_INFINITY, sum, 1 / 37);
    model.lossAndGrad(params, data, rows, 37, grad);
    sameBits(sum, grad);
  });

  test('predict equals σ of the one-row logit, clamped, bit for bit', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { data, params } = build(c);
        const model = new LogisticRegression(c.d, 0);
        const got = model.predict(params, data);
        const want = Float64Array.from({ length: c.n }, (_, i) => probabilityOf(dot(params, data.x, i * c.d, c.d, 0, params[c.d])));
        sameBits(got, want);
        for (const p of got) assert.ok(p > 0 && p < 1);
      }),
      { numRuns: 100 },
    );
  });
});
