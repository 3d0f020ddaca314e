import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogisticRegression, bceWithLogit, probabilityOf, sigmoid } from '../../src/model/logistic.js';
import { Sgd } from '../../src/model/optimizer.js';
import { trainLocal } from '../../src/model/train.js';
import type { LabeledData } from '../../src/model/types.js';
import { allRows, norm, syntheticData, uniformSource } from './helpers.js';

/** Solves A·x = b (dense, small) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/**
 * The independent reference: Newton's method (IRLS) on mean BCE + (λ/2)‖w‖², written from the
 * textbook (Hastie et al., ESL §4.4.1) without the model's code. θ = [w, b].
 */
function newtonLogistic(data: LabeledData, l2: number): number[] {
  const { n, d, x, y } = data;
  const theta = new Array<number>(d + 1).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(d + 1).fill(0);
    const h = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const row = [...x.subarray(i * d, i * d + d), 1];
      const z = row.reduce((s, v, j) => s + v * theta[j], 0);
      const p = 1 / (1 + Math.exp(-z));
      for (let j = 0; j <= d; j++) {
        g[j] += ((p - y[i]) * row[j]) / n;
        for (let k = 0; k <= d; k++) h[j][k] += (p * (1 - p) * row[j] * row[k]) / n;
      }
    }
    for (let j = 0; j < d; j++) {
      g[j] += l2 * theta[j];
      h[j][j] += l2;
    }
    const step = solve(h, g);
    for (let j = 0; j <= d; j++) theta[j] -= step[j];
    if (norm(step) < 1e-14) break;
  }
  return theta;
}

describe('LogisticRegression', () => {
  test('trained to convergence with L2, matches the Newton/IRLS optimum to 1e-5', () => {
    const data = syntheticData(300, 4, 21);
    const l2 = 0.05;
    const reference = newtonLogistic(data, l2);
    const model = new LogisticRegression(4, l2);
    const params = model.init(uniformSource(1));
    // Full-batch gradient descent through the shared loop: the objective is λ-strongly convex
    // and smooth, so a fixed step converges linearly to the unique optimum.
    trainLocal(model, params, data, { batchSize: data.n, epochs: 3000, optimizer: new Sgd(1), random: uniformSource(2) });
    for (let j = 0; j < params.length; j++) {
      assert.ok(Math.abs(params[j] - reference[j]) < 1e-5, `param ${j}: ${params[j]} vs Newton ${reference[j]}`);
    }
    const grad = new Float64Array(model.paramCount);
    model.lossAndGrad(params, data, allRows(data.n), data.n, grad);
    assert.ok(norm(grad) < 1e-9, `gradient at the optimum ${norm(grad)}`);
  });

  test('objective: mean BCE plus (λ/2)‖w‖², bias unpenalized', () => {
    const data = syntheticData(5, 2, 3);
    const model = new LogisticRegression(2, 0.4);
    const params = Float64Array.of(0.5, -1.5, 2);
    let bce = 0;
    for (let i = 0; i < 5; i++) {
      const p = 1 / (1 + Math.exp(-(0.5 * data.x[2 * i] - 1.5 * data.x[2 * i + 1] + 2)));
      bce -= data.y[i] * Math.log(p) + (1 - data.y[i]) * Math.log(1 - p);
    }
    const expected = bce / 5 + 0.2 * (0.25 + 2.25);
    const grad = new Float64Array(3);
    assert.ok(Math.abs(model.lossAndGrad(params, data, allRows(5), 5, grad) - expected) < 1e-12);
  });

  test('predict stays in the open interval (0, 1) and is monotone for huge |z|', () => {
    const model = new LogisticRegression(1, 0);
    const xs = [-1e6, -800, -745, -40, -1, 0, 1, 36, 40, 800, 1e6];
    const p = model.predict(Float64Array.of(1, 0), { n: xs.length, d: 1, x: Float64Array.from(xs) });
    for (const v of p) assert.ok(v > 0 && v < 1 && Number.isFinite(v), `prediction ${v}`);
    for (let i = 1; i < p.length; i++) assert.ok(p[i] >= p[i - 1]);
    assert.equal(p[5], 0.5);
    assert.ok(Math.abs(p[4] - 1 / (1 + Math.E)) < 1e-15);
    assert.equal(sigmoid(-1e6), 0, 'the raw sigmoid underflows without NaN');
    assert.equal(sigmoid(1e6), 1);
    assert.ok(probabilityOf(1e6) < 1 && probabilityOf(-1e6) > 0);
  });

  test('loss and gradient are finite and correct at huge logits', () => {
    // BCE(z, y=0) → z and BCE(z, y=1) → 0 as z → ∞: the naive −log(1 − σ(z)) gives Infinity.
    assert.equal(bceWithLogit(1000, 0), 1000);
    assert.equal(bceWithLogit(1000, 1), 0);
    assert.equal(bceWithLogit(-1000, 1), 1000);
    assert.ok(Math.abs(bceWithLogit(0, 1) - Math.LN2) < 1e-16);
    const model = new LogisticRegression(1, 0);
    const data = { n: 2, d: 1, x: Float64Array.of(1e4, -1e4), y: Float64Array.of(0, 0) };
    const grad = new Float64Array(2);
    const loss = model.lossAndGrad(Float64Array.of(1, 0), data, allRows(2), 2, grad);
    assert.equal(loss, 5000); // (1e4 + 0) / 2
    assert.deepEqual(Array.from(grad), [5000, 0.5]); // row 1: σ=1, residual 1; row 2: σ=0
  });

  test('an empty batch has only the penalty (no NaN)', () => {
    const model = new LogisticRegression(2, 2);
    const grad = new Float64Array(3).fill(9);
    const loss = model.lossAndGrad(Float64Array.of(1, 2, 3), syntheticData(4, 2, 1), new Uint32Array(0), 0, grad);
    assert.equal(loss, 5);
    assert.deepEqual(Array.from(grad), [2, 4, 0]);
  });

  test('init is zeros and consumes no randomness; wrong widths are rejected', () => {
    let calls = 0;
    const model = new LogisticRegression(3, 0);
    assert.deepEqual(Array.from(model.init(() => (calls++, 0.5))), [0, 0, 0, 0]);
    assert.equal(calls, 0);
    assert.throws(() => model.predict(new Float64Array(4), { n: 1, d: 2, x: new Float64Array(2) }), RangeError);
    assert.throws(() => new LogisticRegression(0, 0), RangeError);
    assert.throws(() => new LogisticRegression(3, -1), RangeError);
  });
});
