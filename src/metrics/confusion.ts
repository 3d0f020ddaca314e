/**
 * Confusion counts at a decision threshold: a row is predicted positive when its score is
 * ≥ the threshold (sklearn's `_binary_clf_curve` convention, so a threshold taken from the
 * scores themselves includes the rows at that score).
 */
import { degeneracy, type Labels, type Scores } from './input.js';

export interface ConfusionCounts {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

/** Throws a RangeError for a NaN threshold: every comparison with NaN is false. */
export function assertThreshold(threshold: number): void {
  if (Number.isNaN(threshold)) throw new RangeError('the decision threshold is NaN');
}

/** Counts at `threshold`; null for empty input or NaN scores. O(n). */
export function confusionAtThreshold(yTrue: Labels, yScore: Scores, threshold: number): ConfusionCounts | null {
  assertThreshold(threshold);
  if (degeneracy(yTrue, yScore) !== undefined) return null;
  const counts: ConfusionCounts = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const predictedPositive = yScore[i] >= threshold;
    if (yTrue[i] === 1) {
      if (predictedPositive) counts.truePositives++;
      else counts.falseNegatives++;
    } else if (predictedPositive) {
      counts.falsePositives++;
    } else {
      counts.trueNegatives++;
    }
  }
  return counts;
}
