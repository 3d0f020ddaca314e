/**
 * Exact (Clopper–Pearson) confidence interval of a binomial proportion: Clopper & Pearson 1934,
 * "The use of confidence or fiducial limits illustrated in the case of the binomial",
 * Biometrika 26(4). With k successes of n, at level 1 − α:
 *   lower = B⁻¹(α/2; k, n − k + 1)   (0 when k = 0)
 *   upper = B⁻¹(1 − α/2; k + 1, n − k)   (1 when k = n)
 * where B⁻¹ is the quantile of the Beta distribution; equivalently lower solves
 * P[Bin(n, lower) ≥ k] = α/2 and upper solves P[Bin(n, upper) ≤ k] = α/2. The interval is
 * conservative (coverage ≥ 1 − α), which is what an audit's "the guarantee is contradicted"
 * must rest on. `oneSidedUpper` gives the one-sided bound P[Bin(n, u) ≤ k] = α used by the
 * multi-run audit (Jagielski et al. 2020).
 */
import { regularizedIncompleteBeta } from '../metrics/special-functions.js';

export interface ProportionInterval {
  /** k / n (null when n = 0). */
  estimate: number | null;
  lower: number;
  upper: number;
  /** Confidence level of the interval, e.g. 0.95. */
  confidence: number;
}

/** The x with I_x(a, b) = target, by bisection (I_x is increasing in x); 100 halvings reach double precision. */
export function betaQuantile(target: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 0; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (regularizedIncompleteBeta(mid, a, b) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function check(k: number, n: number, confidence: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`k must be an integer in [0, n = ${n}], got ${k}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/** Two-sided exact interval at `confidence` (default 0.95). n = 0 gives [0, 1]. */
export function clopperPearson(k: number, n: number, confidence = 0.95): ProportionInterval {
  check(k, n, confidence);
  if (n === 0) return { estimate: null, lower: 0, upper: 1, confidence };
  const alpha = 1 - confidence;
  const lower = k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1);
  const upper = k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k);
  return { estimate: k / n, lower, upper, confidence };
}

/** One-sided upper bound u with P[Bin(n, u) ≤ k] = 1 − confidence (1 when k = n or n = 0). */
export function clopperPearsonUpper(k: number, n: number, confidence = 0.95): number {
  check(k, n, confidence);
  if (n === 0 || k === n) return 1;
  return betaQuantile(confidence, k + 1, n - k);
}
