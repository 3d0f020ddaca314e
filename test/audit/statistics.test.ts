/**
 * The audit's statistics against independent references: exact binomial sums computed here by
 * the pmf recurrence (not log Γ), Clopper–Pearson closed forms and textbook values, and the
 * one-run bound of Steinke, Nasr & Jagielski 2023 (Theorem 3) re-implemented from the theorem's
 * statement (max over every i in 1..m) and checked in its closed-form cases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { binomialPmf, binomialUpperTail, binomialLowerTail } from '../../src/audit/binomial.js';
import { clopperPearson, clopperPearsonUpper } from '../../src/audit/clopper-pearson.js';
import { guessTopBottom, oneRunEpsilonLowerBound, oneRunPValue } from '../../src/audit/one-run-epsilon.js';
import { multiRunEpsilonLowerBound } from '../../src/audit/multi-run-epsilon.js';

/** Binomial(n, p) pmf by the recurrence P(k+1) = P(k)·(n−k)/(k+1)·p/(1−p), from P(0) = (1−p)^n. */
function pmfTable(n: number, p: number): number[] {
  if (p === 0) return Array.from({ length: n + 1 }, (_, k) => (k === 0 ? 1 : 0));
  if (p === 1) return Array.from({ length: n + 1 }, (_, k) => (k === n ? 1 : 0));
  // Start from the mode in log space to avoid underflow, then normalize.
  const out = new Array<number>(n + 1).fill(0);
  const mode = Math.floor((n + 1) * p);
  out[Math.min(n, mode)] = 1;
  for (let k = Math.min(n, mode); k < n; k++) out[k + 1] = (out[k] * (n - k) * p) / ((k + 1) * (1 - p));
  for (let k = Math.min(n, mode); k > 0; k--) out[k - 1] = (out[k] * k * (1 - p)) / ((n - k + 1) * p);
  const total = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / total);
}
const upper = (k: number, n: number, p: number) => pmfTable(n, p).slice(Math.max(0, k)).reduce((a, b) => a + b, 0);

describe('binomial', () => {
  test('pmf and tails equal the recurrence sums', () => {
    for (const [n, p] of [[10, 0.3], [57, 0.731], [400, 0.5], [1000, 0.9]] as const) {
      const t = pmfTable(n, p);
      for (const k of [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1, n]) {
        assert.ok(Math.abs(binomialPmf(k, n, p) - t[k]) <= 1e-12 + 1e-9 * t[k], `pmf ${k} ${n} ${p}`);
        assert.ok(Math.abs(binomialUpperTail(k, n, p) - upper(k, n, p)) <= 1e-12, `upper ${k} ${n} ${p}`);
        assert.ok(Math.abs(binomialLowerTail(k, n, p) - (1 - upper(k + 1, n, p))) <= 1e-12, `lower ${k} ${n} ${p}`);
      }
    }
  });
});

describe('Clopper–Pearson', () => {
  test('closed forms at k = 0 and k = n', () => {
    for (const n of [1, 5, 10, 100, 500]) {
      const z = clopperPearson(0, n);
      assert.equal(z.lower, 0);
      assert.ok(Math.abs(z.upper - (1 - 0.025 ** (1 / n))) < 1e-12);
      const all = clopperPearson(n, n);
      assert.equal(all.upper, 1);
      assert.ok(Math.abs(all.lower - 0.025 ** (1 / n)) < 1e-12);
      assert.ok(Math.abs(clopperPearsonUpper(0, n, 0.95) - (1 - 0.05 ** (1 / n))) < 1e-12);
    }
  });

  test('textbook value: 5 of 10 gives [0.1871, 0.8129]', () => {
    const ci = clopperPearson(5, 10);
    assert.ok(Math.abs(ci.lower - 0.187086) < 1e-6, String(ci.lower));
    assert.ok(Math.abs(ci.upper - 0.812914) < 1e-6, String(ci.upper));
  });

  test('the limits solve the exact binomial tail equations (brute-force sums)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0.9, 0.95, 0.99), (n, f, conf) => {
        const k = Math.min(n, Math.floor(f * (n + 1)));
        const ci = clopperPearson(k, n, conf);
        const a = (1 - conf) / 2;
        if (k > 0) assert.ok(Math.abs(upper(k, n, ci.lower) - a) < 1e-9, `lower ${k}/${n}`);
        if (k < n) assert.ok(Math.abs(1 - upper(k + 1, n, ci.upper) - a) < 1e-9, `upper ${k}/${n}`);
        assert.ok(ci.lower <= k / n && k / n <= ci.upper);
      }),
      { numRuns: 60 },
    );
  });
});

/** Theorem 3 of Steinke et al. 2023 as stated: f(v) + 2mδ·max_{i∈1..m} (f(v−i) − f(v))/i, f(v) = P[Bin(r, e^ε/(1+e^ε)) ≥ v]. */
function theoremPValue(m: number, r: number, v: number, eps: number, delta: number): number {
  const q = Math.exp(eps) / (1 + Math.exp(eps));
  const f = (t: number) => upper(t, r, q);
  let best = 0;
  for (let i = 1; i <= m; i++) best = Math.max(best, (f(v - i) - f(v)) / i);
  return Math.min(1, f(v) + 2 * m * delta * best);
}

describe('one-run ε lower bound (Steinke, Nasr & Jagielski 2023)', () => {
  test('p-value equals the theorem re-implemented with the max over every i in 1..m', () => {
    const cases: [number, number, number, number, number][] = [
      [1000, 100, 80, 1, 1e-5],
      [1000, 200, 150, 0.5, 1e-5],
      [100, 40, 40, 2, 1e-3],
      [64, 20, 13, 0.3, 0],
      [500, 500, 400, 1.2, 1e-6],
      [30, 10, 2, 0.1, 1e-2],
    ];
    for (const [m, r, v, eps, delta] of cases) {
      const got = oneRunPValue({ canaries: m, guesses: r, correct: v }, eps, delta);
      const want = theoremPValue(m, r, v, eps, delta);
      assert.ok(Math.abs(got - want) <= 1e-10 + 1e-8 * want, `${m} ${r} ${v} ${eps} ${delta}: ${got} vs ${want}`);
    }
  });

  test('perfect guesses with δ = 0: ε̂ = ln(q/(1−q)) with q = β^(1/r)', () => {
    for (const r of [10, 20, 50, 100, 400]) {
      const q = 0.05 ** (1 / r);
      const got = oneRunEpsilonLowerBound({ canaries: 1000, guesses: r, correct: r }, 0, 0.05);
      assert.ok(Math.abs(got - Math.log(q / (1 - q))) < 1e-9, `r = ${r}: ${got}`);
    }
  });

  test('chance-level guesses give ε̂ = 0', () => {
    for (const r of [10, 100, 1000]) assert.equal(oneRunEpsilonLowerBound({ canaries: 1000, guesses: r, correct: r / 2 }, 1e-5), 0);
  });

  test('ε̂ is the boundary: rejected just below, not just above', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 400 }), fc.double({ min: 0.5, max: 1, noNaN: true }), fc.constantFrom(0, 1e-6, 1e-5), (r, acc, delta) => {
        const v = Math.round(acc * r);
        const counts = { canaries: 1000, guesses: r, correct: v };
        const eps = oneRunEpsilonLowerBound(counts, delta);
        if (eps > 0) {
          assert.ok(oneRunPValue(counts, eps, delta) < 0.05);
          assert.ok(oneRunPValue(counts, eps + 1e-6, delta) >= 0.05 - 1e-12);
        } else assert.ok(oneRunPValue(counts, 0, delta) >= 0.05);
      }),
      { numRuns: 50 },
    );
  });

  test('more correct guesses never lower ε̂; a larger δ never raises it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 0, max: 300 }), (r, v0) => {
        const v = Math.min(r - 1, v0);
        const a = oneRunEpsilonLowerBound({ canaries: 1000, guesses: r, correct: v }, 1e-5);
        const b = oneRunEpsilonLowerBound({ canaries: 1000, guesses: r, correct: v + 1 }, 1e-5);
        assert.ok(b >= a - 1e-9);
        assert.ok(oneRunEpsilonLowerBound({ canaries: 1000, guesses: r, correct: v + 1 }, 1e-3) <= b + 1e-9);
      }),
      { numRuns: 40 },
    );
  });

  test('guessTopBottom counts as a brute-force sort does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { minLength: 2, maxLength: 60 }), fc.nat(), fc.nat(), (rows, a, b) => {
        const m = rows.length;
        const kin = a % (m + 1);
        const kout = b % (m - kin + 1);
        const g = guessTopBottom(rows.map((r) => r[0]), rows.map((r) => r[1]), kin, kout);
        const sorted = rows.map((r, i) => ({ s: r[0], inc: r[1], i })).sort((x, y) => y.s - x.s || x.i - y.i);
        const want = sorted.slice(0, kin).filter((x) => x.inc).length + sorted.slice(m - kout).filter((x) => !x.inc).length;
        assert.equal(g.correct, want);
        assert.equal(g.guesses, kin + kout);
      }),
    );
  });
});

describe('multi-run bound (Jagielski et al. 2020)', () => {
  test('a perfect distinguisher: ε = ln((1 − δ − u)/u), u the one-sided upper bound of 0 of n', () => {
    const n = 50;
    const each = 0.975;
    const u = 1 - (1 - each) ** (1 / n);
    const b = multiRunEpsilonLowerBound({ outRuns: n, falsePositives: 0, inRuns: n, falseNegatives: 0 }, 1e-5, 0.95);
    assert.ok(Math.abs(b.fprUpper - u) < 1e-12 && Math.abs(b.fnrUpper - u) < 1e-12);
    assert.ok(Math.abs(b.epsilonLowerBound - Math.log((1 - 1e-5 - u) / u)) < 1e-9);
  });

  test('a coin-flip distinguisher gives 0', () => {
    assert.equal(multiRunEpsilonLowerBound({ outRuns: 100, falsePositives: 50, inRuns: 100, falseNegatives: 50 }, 1e-5).epsilonLowerBound, 0);
  });
});
