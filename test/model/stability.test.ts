/** Property tests: whatever the parameters and inputs, losses, gradients and predictions stay finite. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LogisticRegression } from '../../src/model/logistic.js';
import { Mlp } from '../../src/model/mlp.js';
import type { Model } from '../../src/model/types.js';

const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });

function finiteEverywhere(model: Model, d: number): fc.IPropertyWithHooks<[number[], number[], boolean[]]> {
  return fc.property(
    fc.array(value, { minLength: model.paramCount, maxLength: model.paramCount }),
    fc.array(value, { minLength: 3 * d, maxLength: 3 * d }),
    fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    (params, xs, labels) => {
      const data = { n: 3, d, x: Float64Array.from(xs), y: Float64Array.from(labels, Number) };
      const grad = new Float64Array(model.paramCount);
      const p = Float64Array.from(params);
      const loss = model.lossAndGrad(p, data, Uint32Array.of(0, 1, 2), 3, grad);
      assert.ok(Number.isFinite(loss) && loss >= 0, `loss ${loss}`);
      assert.ok(grad.every(Number.isFinite), 'finite gradient');
      assert.ok(model.predict(p, data).every((v) => v > 0 && v < 1), 'predictions in (0, 1)');
    },
  );
}

test('logistic regression: finite loss ≥ 0, finite gradient, predictions in (0, 1) for any inputs', () => {
  fc.assert(finiteEverywhere(new LogisticRegression(3, 1e-3), 3), { numRuns: 300 });
});

test('MLP (ReLU and tanh): the same', () => {
  fc.assert(finiteEverywhere(new Mlp({ featureCount: 2, hiddenUnits: [3], l2: 1e-3 }), 2), { numRuns: 200 });
  fc.assert(finiteEverywhere(new Mlp({ featureCount: 2, hiddenUnits: [3, 2], activation: 'tanh', l2: 0 }), 2), { numRuns: 200 });
});
