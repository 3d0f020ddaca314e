/**
 * Statistics over seeds: mean, sample SD and a 95% t confidence interval for the mean,
 *   mean ± t_{0.975, n−1} · sd / √n
 * which is exact for normal per-seed values and honest for the handful of seeds a bench runs
 * (with 5 seeds the t factor is 2.776, not 1.96).
 */
import { studentTQuantile } from './student-t.js';

export interface Summary {
  /** Values used (nulls skipped). */
  n: number;
  mean: number;
  /** Sample SD (divisor n − 1); null when n = 1. */
  sd: number | null;
  /** 95% t interval for the mean; null when n = 1. */
  ci95: readonly [lo: number, hi: number] | null;
}

/**
 * Null when no value is present. Nulls (undefined metrics) are skipped; a NaN or infinite value
 * throws a RangeError, because metrics here never return one and averaging it would hide the bug.
 */
export function summarize(values: readonly (number | null)[]): Summary | null {
  const present: number[] = [];
  for (const [i, value] of values.entries()) {
    if (value === null) continue;
    if (!Number.isFinite(value)) throw new RangeError(`values[${i}] is ${value}; expected a finite number or null`);
    present.push(value);
  }
  const n = present.length;
  if (n === 0) return null;
  let sum = 0;
  for (const value of present) sum += value;
  const mean = sum / n;
  if (n === 1) return { n, mean, sd: null, ci95: null };
  // Two-pass variance: no catastrophic cancellation when the spread is small next to the mean
  // (AUCs of 0.8312 ± 0.0004 across seeds).
  let squares = 0;
  for (const value of present) squares += (value - mean) ** 2;
  const sd = Math.sqrt(squares / (n - 1));
  const halfWidth = (studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci95: [mean - halfWidth, mean + halfWidth] };
}

/**
 * Summary of the per-seed differences a_i − b_i over the seeds where both are defined: the
 * paired comparison, which removes the seed-to-seed variation the two arms share (same split,
 * same data). Throws a RangeError when the arrays differ in length (they must be per seed).
 */
export function pairedDifference(a: readonly (number | null)[], b: readonly (number | null)[]): Summary | null {
  if (a.length !== b.length) throw new RangeError(`paired values differ in length: ${a.length} vs ${b.length}`);
  const differences: (number | null)[] = [];
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    const bi = b[i];
    differences.push(ai === null || bi === null ? null : ai - bi);
  }
  return summarize(differences);
}
