/**
 * The hand-written gradients against central finite differences of the hand-written losses:
 * (f(θ + h·e_j) − f(θ − h·e_j)) / 2h has O(h²) truncation error, ~1e-10 at h = 1e-5.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogisticRegression } from '../../src/model/logistic.js';
import { Mlp } from '../../src/model/mlp.js';
import type { LabeledData, Model } from '../../src/model/types.js';
import { randomVector, relativeError, syntheticData, uniformSource } from './helpers.js';

function finiteDifferenceGradient(model: Model, params: Float64Array, data: LabeledData, rows: Uint32Array, h = 1e-5): Float64Array {
  const scratch = new Float64Array(model.paramCount);
  const fd = new Float64Array(model.paramCount);
  const p = Float64Array.from(params);
  for (let j = 0; j < p.length; j++) {
    const keep = p[j];
    p[j] = keep + h;
    const up = model.lossAndGrad(p, data, rows, rows.length, scratch);
    p[j] = keep - h;
    const down = model.lossAndGrad(p, data, rows, rows.length, scratch);
    p[j] = keep;
    fd[j] = (up - down) / (2 * h);
  }
  return fd;
}

function checkGradient(model: Model, data: LabeledData, seed: number, paramScale: number, trials = 4): void {
  const random = uniformSource(seed, 'params');
  for (let t = 0; t < trials; t++) {
    const params = t === 0 ? model.init(random) : randomVector(model.paramCount, random, paramScale);
    // A minibatch with a repeated row and rows out of order, as a shuffled epoch never gives but
    // a sampled (DP/Poisson) batch may.
    const rows = Uint32Array.from({ length: 24 }, (_, k) => (k * 7 + t) % data.n);
    rows[5] = rows[4];
    const grad = new Float64Array(model.paramCount);
    model.lossAndGrad(params, data, rows, rows.length, grad);
    const fd = finiteDifferenceGradient(model, params, data, rows);
    const err = relativeError(grad, fd);
    assert.ok(err < 1e-6, `trial ${t}: relative gradient error ${err.toExponential(2)}`);
    // Per coordinate, too: a wrong small block (e.g. a bias) could hide in the norm.
    const scale = Math.max(...Array.from(fd, Math.abs));
    for (let j = 0; j < fd.length; j++) {
      assert.ok(Math.abs(grad[j] - fd[j]) <= 1e-6 * scale + 1e-9, `trial ${t}, param ${j}: ${grad[j]} vs ${fd[j]}`);
    }
  }
}

describe('gradients match central finite differences', () => {
  const data = syntheticData(60, 7, 1);

  test('logistic regression, no penalty', () => checkGradient(new LogisticRegression(7, 0), data, 11, 1));
  test('logistic regression with L2 (bias unpenalized)', () => checkGradient(new LogisticRegression(7, 0.3), data, 12, 1));
  test('logistic regression at large logits (saturated sigmoid)', () => checkGradient(new LogisticRegression(7, 0.01), syntheticData(60, 7, 2, 4), 13, 3));
  test('MLP, one ReLU layer, L2', () => checkGradient(new Mlp({ featureCount: 7, hiddenUnits: [9], l2: 0.05 }), data, 14, 0.8));
  test('MLP, two ReLU layers', () => checkGradient(new Mlp({ featureCount: 7, hiddenUnits: [8, 5], l2: 0 }), data, 15, 0.8));
  test('MLP, two tanh layers, L2', () => checkGradient(new Mlp({ featureCount: 7, hiddenUnits: [6, 4], activation: 'tanh', l2: 0.1 }), data, 16, 0.8));

  test('the gradient is the same whatever the scratch size left by an earlier bigger batch', () => {
    const model = new Mlp({ featureCount: 7, hiddenUnits: [5], l2: 0.01 });
    const params = model.init(uniformSource(3));
    const rows = Uint32Array.of(3, 1, 4);
    const fresh = new Float64Array(model.paramCount);
    const lossFresh = model.lossAndGrad(params, data, rows, 3, fresh);
    model.lossAndGrad(params, data, Uint32Array.from({ length: 60 }, (_, i) => i), 60, new Float64Array(model.paramCount));
    const again = new Float64Array(model.paramCount);
    assert.equal(model.lossAndGrad(params, data, rows, 3, again), lossFresh);
    assert.deepEqual(again, fresh);
  });
});
