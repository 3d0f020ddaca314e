/**
 * Moments of a sample and their exact combination: the one way fedage computes means and
 * variances that are pooled across sites (inspect's drift statistics, the bench's federated
 * normalization). Welford/Chan form (count, mean, M2), never a difference of large sums.
 * Pure functions, tested against brute-force computations (test/data/inspect.test.ts).
 */

/**
 * Sufficient statistics of a sample: count, mean and M2 = Σ (x - mean)².
 * Equivalent to (count, sum, sum of squares) but numerically stable: the variance is never
 * obtained as a difference of two large sums (which loses every digit for, e.g., step counts
 * summed over millions of rows).
 */
export interface Moments {
  n: number;
  mean: number;
  m2: number;
}

export const EMPTY_MOMENTS: Readonly<Moments> = Object.freeze({ n: 0, mean: 0, m2: 0 });

/** Moments of an array by two passes (mean first, then squared deviations). */
export function momentsOf(values: ArrayLike<number>): Moments {
  const n = values.length;
  if (n === 0) return { ...EMPTY_MOMENTS };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    m2 += d * d;
  }
  return { n, mean, m2 };
}

/**
 * The moments of the concatenation of two samples, from their moments alone (Chan, Golub &
 * LeVeque 1979, "Updating formulae and a pairwise algorithm for computing sample variances"):
 * M2 = M2a + M2b + δ² na nb / n with δ = mean_b - mean_a. Exact up to rounding.
 */
export function combineMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  const mean = a.mean + (delta * b.n) / n;
  const m2 = a.m2 + b.m2 + ((delta * delta * a.n) / n) * b.n;
  return { n, mean, m2 };
}

/** Moments of the union of several samples. */
export function poolMoments(parts: readonly Moments[]): Moments {
  return parts.reduce<Moments>((acc, m) => combineMoments(acc, m), { ...EMPTY_MOMENTS });
}

/** Moments of a 0/1 indicator with `count` ones among `n`: mean p, M2 = n p (1 - p). */
export function indicatorMoments(count: number, n: number): Moments {
  if (n === 0) return { ...EMPTY_MOMENTS };
  const p = count / n;
  return { n, mean: p, m2: count * (1 - p) };
}

/** Sample variance (denominator n - 1); null with fewer than two values. */
export function sampleVariance(m: Moments): number | null {
  return m.n >= 2 ? Math.max(0, m.m2 / (m.n - 1)) : null;
}

export function sampleSd(m: Moments): number | null {
  const v = sampleVariance(m);
  return v === null ? null : Math.sqrt(v);
}

/**
 * Standardized mean difference of `site` against `reference`:
 * (mean_site - mean_ref) / sqrt((var_site + var_ref) / 2), the form of Austin 2009 ("Balance
 * diagnostics for comparing the distribution of baseline covariates between treatment groups
 * in propensity-score matched samples", Stat Med 28:3083) for continuous and, with
 * var = p (1 - p), binary variables. Null when undefined: a side without two values, or both
 * variances zero with different means (a constant column per site: infinitely shifted).
 * Zero when both are the same constant.
 */
export function standardizedMeanDifference(site: Moments, reference: Moments): number | null {
  const vs = sampleVariance(site);
  const vr = sampleVariance(reference);
  if (vs === null || vr === null) return null;
  const diff = site.mean - reference.mean;
  const denom = Math.sqrt((vs + vr) / 2);
  if (denom === 0) return diff === 0 ? 0 : null;
  return diff / denom;
}

/** The usual threshold of meaningful imbalance, |SMD| > 0.1 (Austin 2009, section 3.1). */
export const SMD_THRESHOLD = 0.1;

// ---------------------------------------------------------------------------------------------
// Report types
