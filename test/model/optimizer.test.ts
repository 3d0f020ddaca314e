/**
 * The optimizers against PyTorch's documented update rules, written out per step:
 * torch.optim.Adam (docs "Algorithm"): m_t = β1·m + (1−β1)g, v_t = β2·v + (1−β2)g²,
 *   m̂ = m_t/(1−β1^t), v̂ = v_t/(1−β2^t), θ ← θ − γ·m̂/(√v̂ + ε).
 * torch.optim.SGD with momentum μ, dampening 0: b_1 = g_1, b_t = μ·b_{t−1} + g_t, θ ← θ − γ·b_t.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adam, Sgd, createOptimizer } from '../../src/model/optimizer.js';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-14): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

describe('Adam (PyTorch update rule)', () => {
  const lr = 0.01;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  const theta0 = [1, -2, 0.5, 0];
  const g1 = [0.1, -0.3, 2, 0];
  const g2 = [-0.2, -0.1, 1, 1e-3];

  test('one step: θ1 = θ0 − lr·g/(|g| + ε) exactly as the bias-corrected formula gives', () => {
    const p = Float64Array.from(theta0);
    new Adam(lr).step(p, Float64Array.from(g1));
    const expected = theta0.map((t, i) => {
      const m = (1 - b1) * g1[i];
      const v = (1 - b2) * g1[i] ** 2;
      return t - (lr * (m / (1 - b1))) / (Math.sqrt(v / (1 - b2)) + eps);
    });
    close(p, expected);
    // The first step moves every coordinate with a nonzero gradient by ≈ lr, against its sign.
    close(p, [0.99, -1.99, 0.49, 0], 1e-8);
  });

  test('two steps', () => {
    const p = Float64Array.from(theta0);
    const adam = new Adam(lr, b1, b2, eps);
    adam.step(p, Float64Array.from(g1));
    adam.step(p, Float64Array.from(g2));
    const expected = theta0.map((t, i) => {
      let m = (1 - b1) * g1[i];
      let v = (1 - b2) * g1[i] ** 2;
      let th = t - (lr * (m / (1 - b1))) / (Math.sqrt(v / (1 - b2)) + eps);
      m = b1 * m + (1 - b1) * g2[i];
      v = b2 * v + (1 - b2) * g2[i] ** 2;
      th -= (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
      return th;
    });
    close(p, expected);
  });

  test('reset forgets the moments and the step count', () => {
    const adam = new Adam(lr);
    const a = Float64Array.from(theta0);
    adam.step(a, Float64Array.from(g1));
    adam.reset();
    const b = Float64Array.from(theta0);
    adam.step(b, Float64Array.from(g2));
    const c = Float64Array.from(theta0);
    new Adam(lr).step(c, Float64Array.from(g2));
    assert.deepEqual(b, c);
  });
});

describe('SGD (PyTorch update rule)', () => {
  const grads = [
    [0.5, -1, 2],
    [0.1, 0.2, -0.3],
    [-1, 0, 4],
  ];

  test('plain SGD: θ ← θ − lr·g', () => {
    const p = Float64Array.of(1, 2, 3);
    new Sgd(0.1).step(p, Float64Array.from(grads[0]));
    close(p, [0.95, 2.1, 2.8]);
  });

  test('momentum: buffer starts at the first gradient, then b = μb + g', () => {
    const lr = 0.1;
    const mu = 0.9;
    const p = Float64Array.of(1, 2, 3);
    const sgd = new Sgd(lr, mu);
    const expected = [1, 2, 3];
    let buf: number[] = [];
    grads.forEach((g, t) => {
      const grad = Float64Array.from(g);
      sgd.step(p, grad);
      grad.fill(1e9); // the optimizer must not keep a reference to the caller's gradient
      buf = t === 0 ? [...g] : buf.map((b, i) => mu * b + g[i]);
      for (let i = 0; i < 3; i++) expected[i] -= lr * buf[i];
      close(p, expected);
    });
  });

  test('createOptimizer builds both and rejects a non-positive learning rate', () => {
    assert.equal(createOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0.5 }).name, 'sgd');
    assert.equal(createOptimizer({ kind: 'adam', learningRate: 1e-3 }).name, 'adam');
    assert.throws(() => createOptimizer({ kind: 'sgd', learningRate: 0 }), RangeError);
  });
});
