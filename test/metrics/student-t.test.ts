import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { studentTCdf, studentTQuantile } from '../../src/metrics/index.js';
import { assertClose } from './helpers.js';

describe('studentTQuantile', () => {
  test('t_{0.975, df} matches the published table (3 decimals)', () => {
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [4, 2.776],
      [9, 2.262],
      [30, 2.042],
      [120, 1.98],
      [Infinity, 1.96],
    ];
    for (const [df, expected] of table) assertClose(studentTQuantile(0.975, df), expected, 5e-4, `df=${df}`);
  });

  test('matches R qt() to 9 significant digits', () => {
    assertClose(studentTQuantile(0.975, 4), 2.776445105, 1e-9);
    assertClose(studentTQuantile(0.975, 9), 2.262157163, 1e-9);
    assertClose(studentTQuantile(0.975, 30), 2.042272456, 1e-9);
    assertClose(studentTQuantile(0.995, 10), 3.169272673, 1e-9);
    assertClose(studentTQuantile(0.95, 1), 6.313751515, 1e-8);
    assertClose(studentTQuantile(0.975, Infinity), 1.959963985, 1e-9);
  });

  test('approaches the normal quantile as df grows', () => {
    assertClose(studentTQuantile(0.975, 1e6), 1.959966357, 1e-8);
    assert.ok(studentTQuantile(0.975, 1e6) > studentTQuantile(0.975, Infinity));
  });

  test('closed forms: df=1 is tan(π(p − ½)), df=2 is (2p − 1)/√(2p(1 − p))', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), (p) => {
        const cauchy = Math.tan(Math.PI * (p - 0.5));
        const df2 = (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
        assertClose(studentTQuantile(p, 1), cauchy, 1e-10 * Math.max(1, Math.abs(cauchy)));
        assertClose(studentTQuantile(p, 2), df2, 1e-10 * Math.max(1, Math.abs(df2)));
      }),
      { numRuns: 200 },
    );
  });

  test('inverts the CDF and is antisymmetric', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.5, max: 500, noNaN: true }), (p, df) => {
        const t = studentTQuantile(p, df);
        assertClose(studentTCdf(t, df), p, 1e-12);
        assertClose(studentTQuantile(1 - p, df), -t, 1e-9 * Math.max(1, Math.abs(t)));
      }),
      { numRuns: 200 },
    );
  });

  test('edges: p = ½ → 0, p = 0/1 → ∓Infinity; bad p or df throw', () => {
    assert.equal(studentTQuantile(0.5, 7), 0);
    assert.equal(studentTQuantile(0, 7), -Infinity);
    assert.equal(studentTQuantile(1, 7), Infinity);
    assert.throws(() => studentTQuantile(1.5, 7), RangeError);
    assert.throws(() => studentTQuantile(0.9, 0), RangeError);
    assert.throws(() => studentTQuantile(0.9, NaN), RangeError);
  });
});

describe('studentTCdf', () => {
  test('df=1 is the Cauchy CDF ½ + atan(t)/π; CDF(0) = ½', () => {
    for (const t of [-30, -2, -0.5, 0, 0.3, 1, 12.706]) assertClose(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-14);
    assert.equal(studentTCdf(0, 5), 0.5);
  });

  test('small tails keep their relative accuracy (df=1: P(T > 1e6) ≈ 1/(π·1e6))', () => {
    const tail = studentTCdf(-1e6, 1);
    assert.ok(Math.abs(tail / (1 / (Math.PI * 1e6)) - 1) < 1e-9);
  });
});
