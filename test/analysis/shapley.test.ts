/** Exact Shapley values and leave-one-out against closed forms of textbook games. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { coalitionValues, leaveOneOutFromValues, popcount, shapleyFromValues } from '../../src/analysis/shapley.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('shapleyFromValues', () => {
  test('an additive game gives each player its own worth', () => {
    const w = [0.3, -0.1, 0.7, 0.05];
    const v = coalitionValues(4, (m) => w.reduce((a, x, i) => a + (m & (1 << i) ? x : 0), 0));
    shapleyFromValues(4, v).forEach((phi, i) => close(phi, w[i]));
  });

  test('the glove game: one left glove, two right gloves -> (2/3, 1/6, 1/6)', () => {
    // v(S) = 1 when S holds player 0 (left) and at least one of 1, 2 (right).
    const v = coalitionValues(3, (m) => +(!!(m & 1) && !!(m & 6)));
    const phi = shapleyFromValues(3, v);
    close(phi[0], 2 / 3);
    close(phi[1], 1 / 6);
    close(phi[2], 1 / 6);
  });

  test('majority game of 3: each 1/3; leave-one-out is 0 for everyone', () => {
    const v = coalitionValues(3, (m) => +(popcount(m) >= 2));
    shapleyFromValues(3, v).forEach((phi) => close(phi, 1 / 3));
    assert.deepEqual(Array.from(leaveOneOutFromValues(3, v)), [0, 0, 0]);
  });

  test('efficiency, symmetry and the null player hold for random games (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }), (n, raw) => {
        // A game in which player n-1 is a null player: v(S) ignores it.
        const rest = (m: number) => m & ((1 << Math.max(0, n - 1)) - 1);
        const base = (m: number) => (rest(m) === 0 ? 0 : raw[rest(m)]);
        const v = coalitionValues(n, base);
        const phi = shapleyFromValues(n, v);
        const sum = phi.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - (v[(1 << n) - 1] - v[0])) < 1e-9);
        if (n >= 2) assert.ok(Math.abs(phi[n - 1]) < 1e-12, `null player got ${phi[n - 1]}`);
      }),
      { numRuns: 60 },
    );
  });

  test('refuses more than 10 players', () => {
    assert.throws(() => coalitionValues(11, () => 0), RangeError);
  });
});
