/**
 * Stratified train / validation / test split of one site's rows. The split depends only on
 * (seed, site id, labels): adding a site or changing another site never moves a row.
 */
import { UsageError } from '../../errors.js';
import { Xoshiro128, streamState } from '../../random/rng.js';
import { SPLIT_EXCLUDED, SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION, type SplitFractions } from './types.js';

const SPLIT_CODES = [SPLIT_TRAIN, SPLIT_VALIDATION, SPLIT_TEST] as const;

/** Fractions checked (finite, ≥ 0, positive sum) and normalized to sum to 1. */
export function normalizeFractions(f: SplitFractions): [number, number, number] {
  const parts = [f.train, f.validation, f.test];
  if (parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new UsageError(`split fractions must be finite and non-negative, got train ${f.train}, validation ${f.validation}, test ${f.test}`);
  }
  const sum = parts[0] + parts[1] + parts[2];
  if (!(sum > 0)) throw new UsageError('split fractions must not all be 0');
  return [parts[0] / sum, parts[1] / sum, parts[2] / sum];
}

/**
 * Largest-remainder (Hamilton) allocation of n items to parts with the given fractions: each
 * count is the floor of its quota or one more, and the counts sum to n. Ties in the remainder
 * go to the earlier part.
 */
export function largestRemainder(n: number, fractions: readonly number[]): number[] {
  const quotas = fractions.map((f) => f * n);
  const counts = quotas.map((q) => Math.floor(q + 1e-9));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, k) => ({ k, r: q - counts[k] })).sort((a, b) => b.r - a.r || a.k - b.k);
  for (let j = 0; left > 0; j = (j + 1) % order.length) {
    // Never give a part with fraction 0 a row.
    if (fractions[order[j].k] > 0) {
      counts[order[j].k]++;
      left--;
    }
  }
  return counts;
}

/**
 * Split codes (SPLIT_*) for every row: rows without a label (`valid[i]` = 0) are SPLIT_EXCLUDED;
 * within each class (label value, in ascending order), the rows are permuted by a seeded
 * Fisher–Yates shuffle from the stream (seed, 'bench-split', siteId) and cut by largest-remainder
 * counts, so each split's class counts are within one row of the exact fractions.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  valid: ArrayLike<number>,
  fractions: SplitFractions,
  seed: number,
  siteId: string,
): Int8Array {
  const n = labels.length;
  if (valid.length !== n) throw new Error(`internal: ${n} labels but ${valid.length} validity flags`);
  const f = normalizeFractions(fractions);
  const out = new Int8Array(n).fill(SPLIT_EXCLUDED);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    const label = labels[i];
    let rows = byClass.get(label);
    if (!rows) byClass.set(label, (rows = []));
    rows.push(i);
  }
  const rng = new Xoshiro128(streamState(seed, 'bench-split', siteId));
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = Int32Array.from(byClass.get(label)!);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      const t = rows[i];
      rows[i] = rows[j];
      rows[j] = t;
    }
    const counts = largestRemainder(rows.length, f);
    let at = 0;
    for (let k = 0; k < 3; k++) {
      for (let c = 0; c < counts[k]; c++) out[rows[at++]] = SPLIT_CODES[k];
    }
  }
  return out;
}
