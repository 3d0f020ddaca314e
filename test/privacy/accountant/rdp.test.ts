/**
 * RDP of the sampled Gaussian mechanism against published values (TF Privacy's and Opacus's own
 * tests), closed forms, and an independent numerical integration of A_α.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeRdp, rdpAtOrder, logAFractionalOrder, logAIntegerOrder, logErfc, logAdd, DEFAULT_ORDERS } from '../../../src/privacy/accountant/rdp.js';
import { erfc } from '../../../src/random/normal.js';

function assertRelClose(actual: number, expected: number, rtol: number, what = '') {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected), `${what} ${actual} vs ${expected} (rtol ${rtol})`);
}

/**
 * A_α = E_{z∼N(0,σ²)}[((1−q) + q·exp((2z − 1)/(2σ²)))^α] (Mironov et al. 2019, Section 3.2), by
 * the trapezoid rule in log space on a fine grid covering the integrand's mass (the integrand
 * peaks near z = 0 and, for large α, near z = α). Independent of the series in rdp.ts.
 */
function logABruteForce(q: number, sigma: number, alpha: number): number {
  const lo = -40 * sigma - 1;
  const hi = alpha + 40 * sigma + 1;
  const h = sigma / 200;
  const n = Math.ceil((hi - lo) / h);
  const logNorm = -Math.log(sigma * Math.sqrt(2 * Math.PI));
  const log1mQ = Math.log1p(-q);
  const logQ = Math.log(q);
  const terms = new Float64Array(n + 1);
  let max = -Infinity;
  for (let k = 0; k <= n; k++) {
    const z = lo + k * h;
    const u = (2 * z - 1) / (2 * sigma * sigma);
    const t = logNorm - (z * z) / (2 * sigma * sigma) + alpha * logAdd(log1mQ, logQ + u) + (k === 0 || k === n ? Math.log(0.5) : 0);
    terms[k] = t;
    if (t > max) max = t;
  }
  let sum = 0;
  for (let k = 0; k <= n; k++) sum += Math.exp(terms[k] - max);
  return max + Math.log(sum * h);
}

describe('RDP of the sampled Gaussian mechanism', () => {
  test('TF Privacy rdp_accountant_test.test_compute_rdp_scalar: compute_rdp(q=0.1, σ=2, steps=10, α=5) = 0.07737', () => {
    const [rdp] = computeRdp({ sampleRate: 0.1, noiseMultiplier: 2, steps: 10, orders: [5] });
    assert.ok(Math.abs(rdp - 0.07737) < 5e-6, String(rdp));
  });

  test('TF Privacy rdp_accountant_test.test_compute_rdp_sequence (q=0.01, σ=2.5, 50 steps; fractional and integer orders, ∞)', () => {
    // tensorflow/privacy tensorflow_privacy/privacy/analysis/rdp_accountant_test.py:
    // [6.5007e-04, 1.0854e-03, 2.1808e-03, 2.3846e-02, 1.6742e+02, inf] with rtol 1e-4.
    const orders = [1.5, 2.5, 5, 50, 100, Infinity];
    const expected = [6.5007e-4, 1.0854e-3, 2.1808e-3, 2.3846e-2, 1.6742e2, Infinity];
    const rdp = computeRdp({ sampleRate: 0.01, noiseMultiplier: 2.5, steps: 50, orders: orders.slice(0, 5) });
    for (let k = 0; k < 5; k++) assertRelClose(rdp[k], expected[k], 1e-4, `α = ${orders[k]}`);
    assert.equal(rdpAtOrder(0.01, 2.5, Infinity), Infinity);
  });

  test('special cases (TF Privacy tests; Mironov 2017 Table 2): q = 0 costs 0, q = 1 is α/(2σ²), σ = 0 is ∞', () => {
    assert.equal(computeRdp({ sampleRate: 0, noiseMultiplier: 10, steps: 1, orders: [20] })[0], 0);
    assert.equal(computeRdp({ sampleRate: 1, noiseMultiplier: 10, steps: 1, orders: [20] })[0], 0.1);
    for (const alpha of [1.5, 2, 7.3, 63]) assertRelClose(rdpAtOrder(1, 1.7, alpha), alpha / (2 * 1.7 * 1.7), 1e-15);
    assert.equal(rdpAtOrder(0.3, 0, 2), Infinity);
    // Zero steps cost nothing, even with no noise.
    assert.equal(computeRdp({ sampleRate: 0.3, noiseMultiplier: 0, steps: 0, orders: [2] })[0], 0);
  });

  test('α = 2 closed form: A_2 = 1 + q²(e^{1/σ²} − 1)', () => {
    for (const [q, sigma] of [[0.01, 1], [0.3, 0.7], [0.9, 2], [1e-5, 0.5]]) {
      const exact = Math.log1p(q * q * Math.expm1(1 / (sigma * sigma)));
      assertRelClose(logAIntegerOrder(q, sigma, 2), exact, 1e-12, `q=${q} σ=${sigma}`);
    }
  });

  test('log A_α agrees with numerical integration (the check TF Privacy does with mpmath)', () => {
    const cases: [number, number, number][] = [
      [1e-4, 1, 1.5],
      [1e-3, 1, 2],
      [0.01, 10, 20],
      [0.1, 100, 20.5],
      [0.04, 1.5, 3.9],
      [0.04, 1.5, 8],
      [0.04, 1.5, 10.7],
      [0.5, 0.8, 7.3],
      [0.2, 0.7, 2.5],
      [0.01, 0.5, 1.1],
      [0.9, 3, 33],
    ];
    for (const [q, sigma, alpha] of cases) {
      const series = Number.isInteger(alpha) ? logAIntegerOrder(q, sigma, alpha) : logAFractionalOrder(q, sigma, alpha);
      assertRelClose(series, logABruteForce(q, sigma, alpha), 1e-6, `q=${q} σ=${sigma} α=${alpha}`);
    }
  });

  test('the fractional series agrees with the integer expansion on both sides of an integer order', () => {
    // RDP is continuous in α: α = 4 ± 1e-7 by the series brackets α = 4 by the binomial sum.
    for (const [q, sigma] of [[0.04, 1.5], [0.2, 0.9], [0.001, 3]]) {
      const below = logAFractionalOrder(q, sigma, 4 - 1e-7);
      const at = logAIntegerOrder(q, sigma, 4);
      const above = logAFractionalOrder(q, sigma, 4 + 1e-7);
      assert.ok(below <= at * (1 + 1e-9) && at <= above * (1 + 1e-9), `${below} ${at} ${above}`);
      assertRelClose(below, at, 1e-5);
    }
  });

  test('logErfc matches log(erfc) where erfc is representable, and continues past underflow', () => {
    for (const x of [-3, -0.2, 0, 0.3, 1, 3.9, 4, 10, 25]) assertRelClose(logErfc(x), Math.log(erfc(x)), 1e-13, `x=${x}`);
    // Asymptotic: erfc(x) ~ e^{−x²}/(x√π) (1 − 1/(2x²) + 3/(4x⁴)); at x = 100 the series is exact to ~1e-10.
    const x = 100;
    const asymptotic = -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4));
    assertRelClose(logErfc(x), asymptotic, 1e-12);
  });

  test('DEFAULT_ORDERS are Opacus DEFAULT_ALPHAS: [1 + x/10 for x in 1..99] + range(12, 64)', () => {
    assert.equal(DEFAULT_ORDERS.length, 99 + 52);
    assert.equal(DEFAULT_ORDERS[0], 1.1);
    assert.equal(DEFAULT_ORDERS[98], 10.9);
    assert.equal(DEFAULT_ORDERS[99], 12);
    assert.equal(DEFAULT_ORDERS[DEFAULT_ORDERS.length - 1], 63);
    assert.ok(Object.isFrozen(DEFAULT_ORDERS));
  });

  test('bad parameters are input errors naming the parameter', () => {
    assert.throws(() => computeRdp({ sampleRate: 1.2, noiseMultiplier: 1, steps: 1 }), /sampleRate: expected a number in \[0, 1\], found 1.2/);
    assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: -1, steps: 1 }), /noiseMultiplier/);
    assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1.5 }), /steps: expected an integer in \[0, 2\^53 − 1\], found 1.5/);
    assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1, orders: [1] }), /orders: expected every RDP order α in \(1, 10000\], found 1/);
  });

  test('memoized per-step RDP is returned unchanged to later callers (not mutated by scaling)', () => {
    const a = computeRdp({ sampleRate: 0.02, noiseMultiplier: 1.3, steps: 1 });
    const b = computeRdp({ sampleRate: 0.02, noiseMultiplier: 1.3, steps: 1000 });
    const c = computeRdp({ sampleRate: 0.02, noiseMultiplier: 1.3, steps: 1 });
    assert.deepEqual(c, a);
    for (let k = 0; k < a.length; k++) assertRelClose(b[k], 1000 * a[k], 1e-15);
  });
});
