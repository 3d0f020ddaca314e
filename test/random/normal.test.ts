import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { TruncatedNormal, normalCdf, normalQuantile } from '../../src/random/normal.js';
import { Xoshiro128, streamState } from '../../src/random/rng.js';

const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

describe('normalCdf', () => {
  // Reference values: high-precision Phi (e.g. mpmath.ncdf at 30 digits).
  const cases: Array<[number, number]> = [
    [0, 0.5],
    [1.96, 0.9750021048517795],
    [-3, 0.0013498980316301],
    [5, 0.9999997133484281],
  ];
  for (const [x, expected] of cases) {
    test(`Phi(${x}) = ${expected}`, () => {
      // Cody's approximation claims ~1e-15 relative; 2e-15 absolute is a few ulps at these magnitudes.
      assert.ok(Math.abs(normalCdf(x) - expected) <= 2e-15, `Phi(${x}) = ${normalCdf(x)}, expected ${expected}`);
    });
  }

  test('Phi(-8) = 6.22096057427e-16 to 1e-10 relative (deep tail, continued fraction branch)', () => {
    const got = normalCdf(-8);
    const rel = Math.abs(got - 6.22096057427e-16) / 6.22096057427e-16;
    // The reference is given to 12 significant digits: 1e-10 relative is well within it.
    assert.ok(rel < 1e-10, `Phi(-8) = ${got}, relative error ${rel}`);
  });

  test('symmetry Phi(x) + Phi(-x) = 1 and monotone across the branch boundaries', () => {
    let prev = 0;
    for (let x = -9; x <= 9; x += 0.0625) {
      const p = normalCdf(x);
      assert.ok(Math.abs(p + normalCdf(-x) - 1) < 4e-16, `symmetry at ${x}`);
      assert.ok(p >= prev, `not monotone at ${x}: ${p} < ${prev}`);
      prev = p;
    }
  });

  test('matches numerical integration of the density (Simpson, independent of erfc)', () => {
    // Phi(x) = 0.5 + integral_0^x phi; Simpson with 4,000 panels has error ~1e-14 here.
    for (const x of [-4.5, -2.2, -0.7, 0.3, 1.1, 2.9, 3.7]) {
      const m = 4000;
      const h = x / m;
      let s = phi(0) + phi(x);
      for (let k = 1; k < m; k++) s += (k % 2 ? 4 : 2) * phi(k * h);
      const ref = 0.5 + (s * h) / 3;
      assert.ok(Math.abs(normalCdf(x) - ref) < 1e-12, `Phi(${x}) = ${normalCdf(x)}, Simpson ${ref}`);
    }
  });
});

describe('normalQuantile', () => {
  test('known quantiles', () => {
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-14);
    assert.ok(Math.abs(normalQuantile(0.5)) < 1e-16);
    assert.ok(Math.abs(normalQuantile(1e-10) + 6.361340902404056) < 1e-12);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
  });

  test('normalQuantile(normalCdf(x)) = x for |x| < 8 (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -7.999, max: 7.999, noNaN: true }), (x) => {
        const p = normalCdf(x);
        // Conditioning: p is stored with absolute error <= eps * p, which moves the quantile by
        // eps * p / phi(x). For x > 0 that is the real limit (p ~ 1 - tiny: at x = 7.9 the round
        // trip cannot be better than ~1e-2); for x < 0 it is ~1e-15 and AS241 must get close.
        const tol = 1e-12 + (4 * Number.EPSILON * p) / phi(x);
        const back = normalQuantile(p);
        return Math.abs(back - x) <= tol;
      }),
      { numRuns: 20_000, seed: 42 },
    );
  });
});

/** Closed-form mean and variance of N(mu, s) truncated to [lo, hi]. */
function truncatedMoments(mu: number, s: number, lo: number, hi: number): { mean: number; variance: number } {
  const a = (lo - mu) / s;
  const b = (hi - mu) / s;
  const Z = normalCdf(b) - normalCdf(a);
  const pa = Number.isFinite(a) ? phi(a) : 0;
  const pb = Number.isFinite(b) ? phi(b) : 0;
  const aPa = Number.isFinite(a) ? a * pa : 0;
  const bPb = Number.isFinite(b) ? b * pb : 0;
  const m = (pa - pb) / Z;
  return { mean: mu + s * m, variance: s * s * (1 + (aPa - bPb) / Z - m * m) };
}

describe('TruncatedNormal', () => {
  test('never leaves [lo, hi] (property over parameters and uniforms)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.double({ min: -8, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 16, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true, maxExcluded: true }),
        (mean, sd, loZ, widthZ, u) => {
          const lo = mean + loZ * sd;
          const hi = lo + widthZ * sd;
          const x = new TruncatedNormal(mean, sd, lo, hi).fromUniform(u);
          return Number.isFinite(x) && x >= lo && x <= hi;
        },
      ),
      { numRuns: 20_000, seed: 7 },
    );
  });

  test('one-sided bounds are respected too', () => {
    const r = new Xoshiro128(streamState(3, 'test', 'tn-one-sided'));
    const left = new TruncatedNormal(76, 7.5, 55, Infinity);
    const right = new TruncatedNormal(76, 7.5, -Infinity, 95);
    for (let i = 0; i < 100_000; i++) {
      assert.ok(left.fromUniform(r.uniform()) >= 55);
      assert.ok(right.fromUniform(r.uniform()) <= 95);
    }
  });

  const cases: Array<[number, number, number, number]> = [
    [76, 7.5, 55, 95], // the default age distribution
    [15.8, 3, 0, 24], // the default education distribution
    [0, 1, 1, Infinity], // upper tail
    [0, 1, -Infinity, -2], // lower tail
    [10, 2, 13, 14], // a narrow band 1.5-2 SD out
    [0, 1, 4, 6], // far tail (inversion precision)
  ];
  for (const [mu, s, lo, hi] of cases) {
    test(`sample mean of N(${mu}, ${s}) on [${lo}, ${hi}] matches the closed form within 4 SE`, () => {
      const { mean, variance } = truncatedMoments(mu, s, lo, hi);
      const dist = new TruncatedNormal(mu, s, lo, hi);
      const r = new Xoshiro128(streamState(11, 'test', `tn-${mu}-${lo}-${hi}`));
      const n = 200_000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += dist.fromUniform(r.uniform());
      const se = Math.sqrt(variance / n);
      const got = sum / n;
      assert.ok(Math.abs(got - mean) < 4 * se, `mean ${got}, closed form ${mean}, SE ${se}`);
    });
  }
});
