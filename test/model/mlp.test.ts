import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createModel } from '../../src/model/create-model.js';
import { LogisticRegression } from '../../src/model/logistic.js';
import { Mlp } from '../../src/model/mlp.js';
import { Adam } from '../../src/model/optimizer.js';
import { trainLocal } from '../../src/model/train.js';
import { allRows, uniformSource } from './helpers.js';

describe('Mlp', () => {
  test('flat layout: per layer W [in×out] row-major then b, contiguous', () => {
    const m = new Mlp({ featureCount: 36, hiddenUnits: [32], l2: 0 });
    assert.deepEqual(m.layers, [
      { inputSize: 36, outputSize: 32, weightOffset: 0, biasOffset: 1152 },
      { inputSize: 32, outputSize: 1, weightOffset: 1184, biasOffset: 1216 },
    ]);
    assert.equal(m.paramCount, 1217);
    assert.equal(new Mlp({ featureCount: 4, hiddenUnits: [3, 2], l2: 0 }).paramCount, 4 * 3 + 3 + 3 * 2 + 2 + 2 + 1);
  });

  test('the layout means what it says: a hand-set network computes the expected output', () => {
    // d = 2 → 2 ReLU units → 1. Unit 0 = relu(x0 − x1), unit 1 = relu(x1 + 1); logit = u0 − 2·u1 + 0.5.
    const m = new Mlp({ featureCount: 2, hiddenUnits: [2], l2: 0 });
    const params = Float64Array.of(
      1, 0, // W0 row for input 0: to unit 0, unit 1
      -1, 1, // W0 row for input 1
      0, 1, // b0
      1, -2, // W1
      0.5, // b1
    );
    const x = Float64Array.of(3, 1, -2, 0.5);
    const p = m.predict(params, { n: 2, d: 2, x });
    const logit = (x0: number, x1: number) => Math.max(0, x0 - x1) - 2 * Math.max(0, x1 + 1) + 0.5;
    assert.ok(Math.abs(p[0] - 1 / (1 + Math.exp(-logit(3, 1)))) < 1e-15);
    assert.ok(Math.abs(p[1] - 1 / (1 + Math.exp(-logit(-2, 0.5)))) < 1e-15);
  });

  test('init: He-uniform for ReLU hidden layers, Glorot-uniform for the output, zero biases; seeded', () => {
    const m = new Mlp({ featureCount: 50, hiddenUnits: [40], l2: 0 });
    const p = m.init(uniformSource(1));
    const [hidden, out] = m.layers;
    const w0 = p.subarray(hidden.weightOffset, hidden.biasOffset);
    const he = Math.sqrt(6 / 50);
    assert.ok(w0.every((w) => Math.abs(w) <= he));
    assert.ok(Math.max(...w0.map(Math.abs)) > 0.95 * he, 'draws fill the range');
    assert.ok(p.subarray(hidden.biasOffset, hidden.biasOffset + 40).every((b) => b === 0));
    const glorot = Math.sqrt(6 / 41);
    assert.ok(p.subarray(out.weightOffset, out.biasOffset).every((w) => Math.abs(w) <= glorot));
    assert.equal(p[out.biasOffset], 0);
    assert.deepEqual(m.init(uniformSource(1)), p);
    assert.notDeepEqual(m.init(uniformSource(2)), p);
  });

  test('learns XOR, which no logistic regression can', () => {
    const x = Float64Array.of(0, 0, 0, 1, 1, 0, 1, 1);
    const data = { n: 4, d: 2, x, y: Float64Array.of(0, 1, 1, 0) };
    const m = new Mlp({ featureCount: 2, hiddenUnits: [8], activation: 'tanh', l2: 0 });
    const params = m.init(uniformSource(3));
    trainLocal(m, params, data, { batchSize: 4, epochs: 2000, optimizer: new Adam(0.05), random: uniformSource(4) });
    const p = m.predict(params, data);
    assert.deepEqual(Array.from(p, (v) => (v > 0.5 ? 1 : 0)), [0, 1, 1, 0]);
    const lr = new LogisticRegression(2, 0);
    const lp = lr.init(uniformSource(1));
    trainLocal(lr, lp, data, { batchSize: 4, epochs: 2000, optimizer: new Adam(0.05), random: uniformSource(4) });
    const grad = new Float64Array(3);
    assert.ok(lr.lossAndGrad(lp, data, allRows(4), 4, grad) > 0.69);
  });

  test('predict handles more rows than the scratch holds, and huge logits', () => {
    const m = new Mlp({ featureCount: 3, hiddenUnits: [4, 3], l2: 0 });
    const params = m.init(uniformSource(5));
    const n = 1000;
    const x = Float64Array.from({ length: n * 3 }, (_, i) => ((i * 37) % 101) - 50);
    const all = m.predict(params, { n, d: 3, x });
    for (let i = 0; i < n; i += 97) {
      const one = m.predict(params, { n: 1, d: 3, x: x.subarray(i * 3, i * 3 + 3) });
      assert.equal(one[0], all[i]);
    }
    const huge = m.predict(params.map((v) => v * 1e4), { n, d: 3, x });
    assert.ok(huge.every((v) => v > 0 && v < 1));
  });
});

describe('createModel', () => {
  test('builds the typed models with defaults', () => {
    const lr = createModel({ kind: 'logistic', featureCount: 36, l2: 1e-3 });
    assert.ok(lr instanceof LogisticRegression);
    assert.equal(lr.paramCount, 37);
    const mlp = createModel({ kind: 'mlp', featureCount: 36, l2: 0 });
    assert.ok(mlp instanceof Mlp);
    assert.deepEqual(mlp.hiddenUnits, [32]);
    assert.equal(mlp.activation, 'relu');
    const tanh = createModel({ kind: 'mlp', featureCount: 5, hiddenUnits: [6, 4], activation: 'tanh', l2: 0.1 });
    assert.equal(tanh.kind, 'mlp');
    assert.equal(tanh.l2, 0.1);
  });

  test('rejects impossible specs', () => {
    assert.throws(() => createModel({ kind: 'logistic', featureCount: 3, l2: 0, hiddenUnits: [4] }), /"mlp" only/);
    assert.throws(() => createModel({ kind: 'mlp', featureCount: 3, l2: 0, hiddenUnits: [] }), RangeError);
    assert.throws(() => createModel({ kind: 'mlp', featureCount: 3, l2: 0, hiddenUnits: [4, 4, 4] }), RangeError);
    assert.throws(() => createModel({ kind: 'mlp', featureCount: 3, l2: 0, hiddenUnits: [2.5] }), RangeError);
    assert.throws(() => createModel({ kind: 'mlp', featureCount: 3, l2: Number.NaN }), RangeError);
    assert.throws(() => createModel({ kind: 'svm' as 'mlp', featureCount: 3, l2: 0 }), /unknown model kind/);
    assert.throws(() => createModel({ kind: 'logistic', featureCount: 3, l2: 0, backend: 'gpu' as 'js' }), /unknown model backend/);
  });
});
