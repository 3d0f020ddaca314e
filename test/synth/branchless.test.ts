import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { clampInt, roundHalfUp } from '../../src/synth/branchless.js';

/** The next double above x (x finite, not -0). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0] += x > 0 ? 1n : -1n;
  return f[0];
}

describe('roundHalfUp is Math.round, bit for bit', () => {
  test('edge cases: signed zeros, halves, the 0.5 - 2^-54 trap, huge values, non-finite', () => {
    const cases = [
      0, -0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001,
      -0.5000000000000001, -0.3, -0.7, 2 ** 52, -(2 ** 52), 2 ** 52 + 1, 2 ** 53, 4503599627370495.5, -4503599627370495.5,
      Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, NaN,
    ];
    for (const x of cases) assert.ok(Object.is(roundHalfUp(x), Math.round(x)), `x = ${x}: ${roundHalfUp(x)} vs ${Math.round(x)}`);
  });

  test('around every half and integer in [-1000, 1000] (neighbouring doubles too)', () => {
    for (let k = -4000; k <= 4000; k++) {
      for (const sign of [1, -1]) {
        let x = k / 4;
        for (let j = 0; j < 4; j++, x = sign > 0 ? nextUp(x) : -nextUp(-x)) {
          if (Object.is(x, -0)) continue;
          assert.ok(Object.is(roundHalfUp(x), Math.round(x)), `x = ${x}`);
        }
      }
    }
  });

  test('any double (fast-check)', () => {
    fc.assert(
      fc.property(fc.double(), (x) => Object.is(roundHalfUp(x), Math.round(x))),
      { numRuns: 20_000 },
    );
  });
});

test('clampInt(v, hi) = min(max(v, 0), hi) for int32 v', () => {
  for (let v = -300; v <= 300; v++) for (const hi of [0, 1, 18, 30, 127]) assert.equal(clampInt(v, hi), Math.min(Math.max(v, 0), hi));
  fc.assert(fc.property(fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 0, max: 1000 }), (v, hi) => clampInt(v, hi) === Math.min(Math.max(v, 0), hi)));
});
