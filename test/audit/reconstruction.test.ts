/**
 * Reconstruction: the exact single-example attack recovers the record from an update made by the
 * product's own trainer (bit for bit where the arithmetic is exact, to rounding otherwise); the
 * gradient-matching attack's gradient equals finite differences; crafted-canary eigenvectors
 * satisfy A·v = λ·v.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogisticRegression } from '../../src/model/logistic.js';
import { createOptimizer } from '../../src/model/optimizer.js';
import { trainLocal } from '../../src/model/train.js';
import { Xoshiro128 } from '../../src/random/rng.js';
import { matchingLossAndGrad, optimizationAttack, reconstructSingleExample, reconstructedFraction, simulateUpdate } from '../../src/audit/reconstruction.js';
import { craftCanaries, symmetricEigen } from '../../src/audit/crafted-canaries.js';

const rng = new Xoshiro128(Uint32Array.of(9, 8, 7, 6));
const normal = () => rng.normal();

function oneStepUpdate(model: LogisticRegression, theta0: Float64Array, x: Float64Array, y: number, lr: number, steps = 1): Float64Array {
  const params = Float64Array.from(theta0);
  trainLocal(model, params, { n: 1, d: x.length, x, y: Float64Array.of(y) }, { batchSize: 1, steps, optimizer: createOptimizer({ kind: 'sgd', learningRate: lr }), random: () => 0.5 });
  return params.map((v, j) => v - theta0[j]);
}

describe('exact single-example reconstruction', () => {
  test('from the zero model with a power-of-two learning rate the record comes back bit for bit', () => {
    const d = 12;
    const model = new LogisticRegression(d, 0);
    for (let trial = 0; trial < 20; trial++) {
      const x = Float64Array.from({ length: d }, normal);
      const y = trial % 2;
      const update = oneStepUpdate(model, new Float64Array(d + 1), x, y, 0.0625);
      const r = reconstructSingleExample(update, new Float64Array(d + 1), { featureCount: d, learningRate: 0.0625, l2: 0 });
      assert.deepEqual([...r.x], [...x]);
      assert.equal(r.label, y);
    }
  });

  test('from any model, several steps, and with an L2 penalty (one step): equal to rounding', () => {
    const d = 10;
    for (const [l2, steps] of [[0, 1], [0, 5], [1e-3, 1]] as const) {
      const model = new LogisticRegression(d, l2);
      for (let trial = 0; trial < 10; trial++) {
        const theta0 = Float64Array.from({ length: d + 1 }, () => 0.3 * normal());
        const x = Float64Array.from({ length: d }, normal);
        const y = trial % 2;
        const update = oneStepUpdate(model, theta0, x, y, 0.05, steps);
        const r = reconstructSingleExample(update, theta0, { featureCount: d, learningRate: 0.05, l2 });
        for (let j = 0; j < d; j++) assert.ok(Math.abs(r.x[j] - x[j]) <= 1e-9 * (1 + Math.abs(x[j])), `l2 ${l2} steps ${steps} feature ${j}: ${r.x[j]} vs ${x[j]}`);
        assert.equal(r.label, y);
      }
    }
  });
});

describe('gradient-matching attack', () => {
  const d = 6;
  const t = { featureCount: d, learningRate: 0.1, l2: 1e-3 };
  const theta0 = Float64Array.from({ length: d + 1 }, () => 0.2 * normal());

  test('the simulated update equals the product trainer on the same full batch', () => {
    const B = 4;
    const X = Float64Array.from({ length: B * d }, normal);
    const y = Float64Array.of(0, 1, 1, 0);
    const model = new LogisticRegression(d, t.l2);
    const params = Float64Array.from(theta0);
    trainLocal(model, params, { n: B, d, x: X, y }, { batchSize: B, steps: 3, optimizer: createOptimizer({ kind: 'sgd', learningRate: t.learningRate }), random: () => 0.25 });
    const sim = simulateUpdate(X, y, theta0, 3, t).update;
    for (let j = 0; j <= d; j++) assert.ok(Math.abs(sim[j] - (params[j] - theta0[j])) < 1e-12);
  });

  test('its gradient equals central finite differences', () => {
    const B = 3;
    const X = Float64Array.from({ length: B * d }, normal);
    const y = Float64Array.of(1, 0, 1);
    const observed = simulateUpdate(Float64Array.from({ length: B * d }, normal), y, theta0, 4, t).update;
    const grad = new Float64Array(B * d);
    matchingLossAndGrad(X, y, theta0, 4, observed, t, grad);
    const h = 1e-6;
    const tmp = new Float64Array(B * d);
    for (let k = 0; k < B * d; k++) {
      const plus = Float64Array.from(X);
      plus[k] += h;
      const minus = Float64Array.from(X);
      minus[k] -= h;
      const fd = (matchingLossAndGrad(plus, y, theta0, 4, observed, t, tmp) - matchingLossAndGrad(minus, y, theta0, 4, observed, t, tmp)) / (2 * h);
      assert.ok(Math.abs(fd - grad[k]) < 1e-6 * (1 + Math.abs(fd)), `coordinate ${k}: ${grad[k]} vs ${fd}`);
    }
  });

  test('one record, one step: the optimization attack finds it; the fraction metric counts it', () => {
    const x = Float64Array.from({ length: d }, normal);
    const y = Float64Array.of(1);
    const observed = simulateUpdate(x, y, theta0, 1, t).update;
    const found = optimizationAttack(observed, y, theta0, 1, t, { restarts: 3, iterations: 600, stepSize: 0.05, normal });
    assert.ok(found.loss < 1e-4, `loss ${found.loss}`);
    assert.ok(reconstructedFraction({ n: 1, d, x, y }, found.x, 0.1) >= 0.8);
  });
});

describe('crafted canaries', () => {
  test('symmetricEigen: A v = λ v, eigenvalues ascending, vectors orthonormal', () => {
    const d = 7;
    const M = Float64Array.from({ length: d * d }, normal);
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) A[i * d + j] += M[k * d + i] * M[k * d + j];
    const { values, vectors } = symmetricEigen(A, d);
    for (let e = 0; e < d; e++) {
      if (e > 0) assert.ok(values[e] >= values[e - 1]);
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += A[i * d + j] * vectors[e][j];
        assert.ok(Math.abs(av - values[e] * vectors[e][i]) < 1e-9);
      }
      for (let f = 0; f < d; f++) {
        const dot = vectors[e].reduce((a, v, j) => a + v * vectors[f][j], 0);
        assert.ok(Math.abs(dot - (e === f ? 1 : 0)) < 1e-9);
      }
    }
  });

  test('crafted records lie along the direction no record moves, at least twice as far out as any record', () => {
    // Records with x0 + x1 = 1 exactly (a one-hot pair): [x; 1]·(1, 1, 0, −1) = 0 for all of them.
    const n = 200;
    const x = new Float64Array(n * 3);
    let maxNorm = 0;
    for (let i = 0; i < n; i++) {
      const a = rng.uniform() < 0.3 ? 1 : 0;
      x[i * 3] = a;
      x[i * 3 + 1] = 1 - a;
      x[i * 3 + 2] = normal();
      maxNorm = Math.max(maxNorm, Math.hypot(x[i * 3], x[i * 3 + 1], x[i * 3 + 2]));
    }
    const c = craftCanaries({ n, d: 3, x, y: new Float64Array(n) }, 1, () => 0.3);
    // x = s·v_x with v_x ∝ (1, 1, 0) and s = sign(v_b)·max(1/|v_b|, R/‖v_x‖), R = 2 × the largest record norm.
    assert.ok(Math.abs(c.x[0] - c.x[1]) < 1e-9 && Math.abs(c.x[2]) < 1e-9, `${[...c.x]}`);
    assert.ok(c.x[0] < 0, 'on the side v/v_b points to');
    assert.ok(Math.hypot(c.x[0], c.x[1], c.x[2]) >= 2 * maxNorm - 1e-9);
    assert.equal(c.y[0], 1);
  });
});
