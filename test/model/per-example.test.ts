/**
 * Per-example gradients for DP-SGD (Model.perExampleGradNorms / clippedGradSum): checked against
 * a brute-force loop of lossAndGrad calls on single rows (with λ = 0, so only the loss gradient).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LogisticRegression } from '../../src/model/logistic.js';
import { Mlp } from '../../src/model/mlp.js';
import { hasPerExampleGradients, type LabeledData, type Model, type PerExampleModel } from '../../src/model/types.js';
import { allRows, norm, randomVector, relativeError, syntheticData, uniformSource } from './helpers.js';

interface Case {
  name: string;
  /** The model under test (λ > 0: its per-example gradients must leave the penalty out). */
  model: PerExampleModel;
  /** The same architecture with λ = 0: the brute-force reference. */
  plain: Model;
  params: Float64Array;
  data: LabeledData;
}

function cases(): Case[] {
  const data = syntheticData(40, 5, 3, 1.5);
  const out: Case[] = [];
  const lr = new LogisticRegression(5, 0.3);
  out.push({ name: 'logistic', model: lr, plain: new LogisticRegression(5, 0), params: randomVector(6, uniformSource(1), 1.5), data });
  for (const [hiddenUnits, activation] of [
    [[7], 'relu'],
    [[6, 4], 'tanh'],
    [[8, 5], 'relu'],
  ] as const) {
    const m = new Mlp({ featureCount: 5, hiddenUnits, activation, l2: 0.2 });
    const plain = new Mlp({ featureCount: 5, hiddenUnits, activation, l2: 0 });
    const params = m.init(uniformSource(2));
    // Non-zero biases so that every parameter block matters.
    for (const layer of m.layers) for (let o = 0; o < layer.outputSize; o++) params[layer.biasOffset + o] = 0.3 * Math.sin(o + 1);
    out.push({ name: `mlp ${JSON.stringify(hiddenUnits)} ${activation}`, model: m, plain, params, data });
  }
  return out;
}

/** g_i by brute force: lossAndGrad of the λ = 0 model on row i alone. */
function bruteGradient(c: Case, row: number): Float64Array {
  const g = new Float64Array(c.plain.paramCount);
  c.plain.lossAndGrad(c.params, c.data, Uint32Array.of(row), 1, g);
  return g;
}

describe('per-example gradients (DP-SGD support)', () => {
  test('the typed-array models have them', () => {
    for (const c of cases()) assert.ok(hasPerExampleGradients(c.model), c.name);
  });

  test('perExampleGradNorms equals the norms of brute-force single-row gradients', () => {
    for (const c of cases()) {
      const rows = allRows(c.data.n);
      const norms = c.model.perExampleGradNorms(c.params, c.data, rows, c.data.n, new Float64Array(c.data.n));
      for (let i = 0; i < c.data.n; i++) {
        const expected = norm(bruteGradient(c, i));
        assert.ok(Math.abs(norms[i] - expected) <= 1e-12 * Math.max(expected, 1e-300), `${c.name} row ${i}: ${norms[i]} vs ${expected}`);
      }
    }
  });

  test('clippedGradSum equals Σ_i min(1, C/‖g_i‖)·g_i by brute force (any rows, repeats, C, scale)', () => {
    const all = cases();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: all.length - 1 }),
        fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 0, maxLength: 60 }),
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        (which, rowList, clipNorm, scale) => {
          const c = all[which];
          const rows = Uint32Array.from(rowList);
          const sum = new Float64Array(c.model.paramCount).fill(99); // must be overwritten
          const r = c.model.clippedGradSum(c.params, c.data, rows, rows.length, clipNorm, sum, scale);
          const expected = new Float64Array(c.model.paramCount);
          let clipped = 0;
          let lossSum = 0;
          for (const row of rowList) {
            const g = bruteGradient(c, row);
            lossSum += c.plain.lossAndGrad(c.params, c.data, Uint32Array.of(row), 1, new Float64Array(c.plain.paramCount));
            const n = norm(g);
            const f = n > clipNorm ? clipNorm / n : 1;
            if (n > clipNorm) clipped++;
            for (let j = 0; j < g.length; j++) expected[j] += scale * f * g[j];
          }
          assert.equal(r.clippedCount, clipped, c.name);
          assert.ok(Math.abs(r.lossSum - lossSum) <= 1e-12 * Math.max(1, lossSum), `${c.name}: loss ${r.lossSum} vs ${lossSum}`);
          if (rowList.length === 0) assert.ok(sum.every((v) => v === 0), 'an empty batch sums to zero');
          else assert.ok(relativeError(sum, expected) <= 1e-12, `${c.name}: relative error ${relativeError(sum, expected)}`);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });

  test('every per-example contribution has norm <= C (each row alone through clippedGradSum)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 5, noNaN: true }), (clipNorm) => {
        for (const c of cases()) {
          const sum = new Float64Array(c.model.paramCount);
          for (let i = 0; i < c.data.n; i++) {
            c.model.clippedGradSum(c.params, c.data, Uint32Array.of(i), 1, clipNorm, sum);
            assert.ok(norm(sum) <= clipNorm * (1 + 1e-12), `${c.name} row ${i}: ${norm(sum)} > ${clipNorm}`);
          }
          // A tiny C clips every row: the sum of k rows then has norm <= k·C.
          const rows = allRows(c.data.n);
          const r = c.model.clippedGradSum(c.params, c.data, rows, c.data.n, 1e-9, sum);
          assert.equal(r.clippedCount, c.data.n);
          assert.ok(norm(sum) <= c.data.n * 1e-9 * (1 + 1e-12));
        }
      }),
      { numRuns: 20, seed: 5 },
    );
  });

  test('C = ∞ and scale = 1/count: clippedGradSum + addPenaltyGradient is lossAndGrad, bit for bit', () => {
    for (const c of cases()) {
      const rows = Uint32Array.of(3, 17, 3, 0, 39, 22, 8);
      const viaDp = new Float64Array(c.model.paramCount);
      const r = c.model.clippedGradSum(c.params, c.data, rows, rows.length, Number.POSITIVE_INFINITY, viaDp, 1 / rows.length);
      const penalty = c.model.addPenaltyGradient(c.params, viaDp);
      const direct = new Float64Array(c.model.paramCount);
      const loss = c.model.lossAndGrad(c.params, c.data, rows, rows.length, direct);
      assert.equal(r.clippedCount, 0);
      assert.deepStrictEqual(viaDp, direct, c.name);
      assert.ok(Math.abs(r.lossSum / rows.length + penalty - loss) <= 1e-14 * Math.abs(loss), c.name);
    }
  });

  test('addPenaltyGradient adds λ·w on weights only and returns (λ/2)·‖w‖²', () => {
    for (const c of cases()) {
      const g = new Float64Array(c.model.paramCount);
      const penalty = c.model.addPenaltyGradient(c.params, g);
      // Reference: lossAndGrad(λ) − lossAndGrad(0) on the same batch is exactly the penalty's part.
      const rows = allRows(10);
      const withL2 = new Float64Array(c.model.paramCount);
      const without = new Float64Array(c.model.paramCount);
      const lossWith = c.model.lossAndGrad(c.params, c.data, rows, 10, withL2);
      const lossWithout = c.plain.lossAndGrad(c.params, c.data, rows, 10, without);
      for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[j] - (withL2[j] - without[j])) <= 1e-12, `${c.name} param ${j}`);
      assert.ok(Math.abs(penalty - (lossWith - lossWithout)) <= 1e-12);
      assert.ok(penalty > 0);
    }
  });

  test('logistic closed form: ‖g_i‖ = |p_i − y_i|·√(‖x_i‖² + 1), hand-computed', () => {
    const m = new LogisticRegression(2, 0);
    const data = { n: 1, d: 2, x: Float64Array.of(3, 4), y: Float64Array.of(1) };
    const params = Float64Array.of(0, 0, 0); // p = 0.5
    const norms = m.perExampleGradNorms(params, data, Uint32Array.of(0), 1, new Float64Array(1));
    assert.equal(norms[0], 0.5 * Math.sqrt(26));
  });

  test('validation: clipNorm must be > 0; normsOut must fit', () => {
    for (const c of cases()) {
      assert.throws(() => c.model.clippedGradSum(c.params, c.data, allRows(2), 2, 0, new Float64Array(c.model.paramCount)), /clipNorm/);
      assert.throws(() => c.model.perExampleGradNorms(c.params, c.data, allRows(3), 3, new Float64Array(2)), /normsOut/);
    }
  });
});
