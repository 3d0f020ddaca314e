/**
 * Exact binomial probabilities for the audit's tests (the one-run bound sums binomial tails,
 * Clopper–Pearson inverts them). Log-space pmf from log Γ (metrics/special-functions.ts), tails
 * by direct summation: the audit's counts are at most a few thousand, so summing is exact to
 * double precision and needs no continued fraction.
 */
import { logGamma } from '../metrics/special-functions.js';

/** log C(n, k). */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P[X = k] for X ~ Binomial(n, p); 0 outside 0..n. */
export function binomialPmf(k: number, n: number, p: number): number {
  if (!Number.isInteger(k) || k < 0 || k > n) return 0;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** P[X ≥ k] for X ~ Binomial(n, p) (scipy's `binom.sf(k − 1, n, p)`). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let sum = 0;
  // Smallest terms first, so the sum loses nothing to rounding.
  for (let j = n; j >= k; j--) sum += binomialPmf(j, n, p);
  return Math.min(1, sum);
}

/** P[X ≤ k] for X ~ Binomial(n, p). */
export function binomialLowerTail(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let sum = 0;
  for (let j = 0; j <= k; j++) sum += binomialPmf(j, n, p);
  return Math.min(1, sum);
}
