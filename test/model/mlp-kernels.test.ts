/**
 * The register-blocked MLP loops (model/dense-kernels.ts) against the MLP before issue 19
 * (test/model/reference-mlp.ts, verbatim), BIT FOR BIT: loss, gradient, clipped per-example
 * gradient sum and predictions, for odd batch sizes, odd widths (the blocks' remainders), one and
 * two hidden layers, ReLU and tanh.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Mlp } from '../../src/model/mlp.js';
import { ReferenceMlp } from './reference-mlp.js';
import { syntheticData, uniformSource } from './helpers.js';

const bits = (v: Float64Array) => Array.from(v, (x) => (Object.is(x, -0) ? '-0' : x));

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 30 }),
  d: fc.integer({ min: 1, max: 13 }),
  hidden: fc.oneof(fc.tuple(fc.integer({ min: 1, max: 11 })), fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }))),
  activation: fc.constantFrom('relu' as const, 'tanh' as const),
  count: fc.integer({ min: 0, max: 21 }),
  seed: fc.integer({ min: 0, max: 10_000 }),
  clipNorm: fc.constantFrom(0.01, 0.3, 2, Number.POSITIVE_INFINITY),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case) {
  const options = { featureCount: c.d, hiddenUnits: c.hidden, activation: c.activation, l2: 1e-3 };
  const model = new Mlp(options);
  const reference = new ReferenceMlp(options);
  const params = model.init(uniformSource(c.seed, 'mlp-kernels'));
  const data = syntheticData(c.n, c.d, c.seed);
  const random = uniformSource(c.seed, 'rows');
  const rows = Uint32Array.from({ length: c.count }, () => Math.floor(random() * c.n));
  return { model, reference, params, data, rows };
}

describe('MLP dense kernels', () => {
  test('lossAndGrad and predict equal the pre-issue-19 loops bit for bit', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { model, reference, params, data, rows } = build(c);
        const got = new Float64Array(model.paramCount);
        const want = new Float64Array(model.paramCount);
        assert.ok(Object.is(model.lossAndGrad(params, data, rows, c.count, got), reference.lossAndGrad(params, data, rows, c.count, want)));
        assert.deepEqual(bits(got), bits(want));
        assert.deepEqual(bits(model.predict(params, data)), bits(reference.predict(params, data)));
      }),
      { numRuns: 150 },
    );
  });

  test('clippedGradSum (DP-SGD) equals the pre-issue-19 loops bit for bit, clipped count included', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { model, reference, params, data, rows } = build(c);
        const got = new Float64Array(model.paramCount);
        const want = new Float64Array(model.paramCount);
        const scale = 1 / Math.max(1, c.count);
        const a = model.clippedGradSum(params, data, rows, c.count, c.clipNorm, got, scale);
        const b = reference.clippedGradSum(params, data, rows, c.count, c.clipNorm, want, scale);
        assert.equal(a.clippedCount, b.clippedCount);
        assert.ok(Object.is(a.lossSum, b.lossSum));
        assert.deepEqual(bits(got), bits(want));
      }),
      { numRuns: 150 },
    );
  });

  test('a batch of 32 rows at d = 70, hidden [32] (the bench shape) matches too', () => {
    const options = { featureCount: 70, hiddenUnits: [32], l2: 1e-4 };
    const model = new Mlp(options);
    const reference = new ReferenceMlp(options);
    const params = model.init(uniformSource(5));
    const data = syntheticData(200, 70, 5);
    const rows = Uint32Array.from({ length: 32 }, (_, k) => (k * 37) % 200);
    const got = new Float64Array(model.paramCount);
    const want = new Float64Array(model.paramCount);
    model.lossAndGrad(params, data, rows, 32, got);
    reference.lossAndGrad(params, data, rows, 32, want);
    assert.deepEqual(bits(got), bits(want));
  });
});
