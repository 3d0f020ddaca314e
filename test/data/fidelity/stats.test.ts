/** The fidelity statistics against brute force and closed forms. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { auc, cohensD, logisticFit, olsSlope, pearson, solve } from '../../../src/data/fidelity/stats.js';

const close = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('fidelity statistics', () => {
  test('auc equals brute-force pair counting (ties count 1/2)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { minLength: 2, maxLength: 40 }), (rows) => {
        const score = rows.map((r) => r[0]);
        const label = rows.map((r) => +r[1]);
        const pos = label.filter((l) => l === 1).length;
        if (pos === 0 || pos === label.length) return;
        let wins = 0;
        for (let i = 0; i < rows.length; i++) for (let j = 0; j < rows.length; j++) {
          if (label[i] === 1 && label[j] === 0) wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
        }
        assert.ok(close(auc(score, label), wins / (pos * (label.length - pos))));
      }),
    );
  });

  test("Cohen's d, Pearson r and the OLS slope on hand-checked data", () => {
    // a: mean 2, var 1; b: mean 0, var 1 -> d = 2.
    assert.ok(close(cohensD([1, 2, 3], [-1, 0, 1]), 2));
    assert.ok(close(pearson([1, 2, 3, 4], [2, 4, 6, 8]), 1));
    assert.ok(close(pearson([1, 2, 3, 4], [8, 6, 4, 2]), -1));
    assert.ok(close(olsSlope([0, 1, 2, 3], [30, 27, 24, 21]), -3));
  });

  test('solve inverts a symmetric positive-definite system', () => {
    const a = [Float64Array.of(4, 1, 0), Float64Array.of(1, 3, 1), Float64Array.of(0, 1, 2)];
    const x = Float64Array.of(1, -2, 3);
    const b = Float64Array.from(a, (row) => row.reduce((s, v, k) => s + v * x[k], 0));
    const got = solve(a, b);
    for (let k = 0; k < 3; k++) assert.ok(close(got[k], x[k]));
  });

  test('logisticFit reaches the maximum-likelihood condition: residuals orthogonal to every column', () => {
    const x: number[][] = [];
    const y: number[] = [];
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 400; i++) {
      const a = rnd() * 4 - 2;
      const b = rnd() * 4 - 2;
      x.push([a, b]);
      y.push(+(rnd() < 1 / (1 + Math.exp(-(0.5 + 1.5 * a - b)))));
    }
    const p = logisticFit(x, y);
    // Score equations of the MLE: sum (y - p) = 0 and sum (y - p) x_j = 0 (standardizing is linear).
    for (const col of [x.map(() => 1), x.map((r) => r[0]), x.map((r) => r[1])]) {
      const score = col.reduce((acc, v, i) => acc + (y[i] - p[i]) * v, 0);
      assert.ok(Math.abs(score) < 1e-3, `score ${score}`);
    }
  });
});
