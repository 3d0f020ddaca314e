/**
 * Student's t distribution: CDF through the regularized incomplete beta,
 *   P(T > t) = ½ · I_{ν/(ν+t²)}(ν/2, ½)  for t ≥ 0
 * (Abramowitz & Stegun 26.7.1 / 26.5.27), and the quantile by inverting that CDF with bisection
 * to full double precision. ν = Infinity is the standard normal, P(Z > z) = ½·Q(½, z²/2).
 * Non-integer ν is allowed (Welch–Satterthwaite degrees of freedom are not integers).
 */
import { regularizedIncompleteBeta, regularizedUpperGamma } from './special-functions.js';

function assertDegreesOfFreedom(df: number): void {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
}

/** P(T > t) for t ≥ 0, computed directly so that small tails keep their relative accuracy. */
function upperTail(t: number, df: number): number {
  if (df === Infinity) return 0.5 * regularizedUpperGamma(0.5, (t * t) / 2);
  const t2 = t * t;
  return 0.5 * regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/** P(T ≤ t) for T ~ t(df). */
export function studentTCdf(t: number, df: number): number {
  assertDegreesOfFreedom(df);
  if (Number.isNaN(t)) return NaN;
  return t >= 0 ? 1 - upperTail(t, df) : upperTail(-t, df);
}

/** The t with P(T ≤ t) = p, for p in (0, 1); ±Infinity at p = 0 or 1. */
export function studentTQuantile(p: number, df: number): number {
  assertDegreesOfFreedom(df);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  const tail = 1 - p;
  // Bracket the root: the tail falls monotonically from ½ at t = 0.
  let lo = 0;
  let hi = 1;
  while (upperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return Infinity;
  }
  // Bisection: ~60 halvings reach adjacent doubles; the loop stops when the midpoint no longer moves.
  for (let i = 0; i < 2000; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) break;
    if (upperTail(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return lo + (hi - lo) / 2;
}
