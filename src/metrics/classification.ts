/**
 * Precision, recall, F1 and accuracy at a threshold (score ≥ threshold is positive).
 *
 * Zero division follows sklearn's default `zero_division="warn"`, which returns 0
 * (https://scikit-learn.org/stable/modules/generated/sklearn.metrics.f1_score.html):
 * - precision = TP / (TP + FP) is 0 when nothing is predicted positive;
 * - recall = TP / (TP + FN) is 0 when there are no actual positives;
 * - F1 = 2TP / (2TP + FP + FN) (sklearn ≥ 1.3 computes it this way, not from P and R), so it is
 *   0 whenever TP = 0, including when there are neither predicted nor actual positives.
 * sklearn's warning becomes a string in `evaluateBinary`'s `warnings`. The functions taking
 * scores return null only for degenerate input (no rows, NaN scores).
 */
import { confusionAtThreshold, type ConfusionCounts } from './confusion.js';
import type { Labels, Scores } from './input.js';

/** 0/0 → 0, sklearn's zero_division default. */
function ratioOrZero(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

export function precisionFromCounts(c: ConfusionCounts): number {
  return ratioOrZero(c.truePositives, c.truePositives + c.falsePositives);
}

export function recallFromCounts(c: ConfusionCounts): number {
  return ratioOrZero(c.truePositives, c.truePositives + c.falseNegatives);
}

export function f1FromCounts(c: ConfusionCounts): number {
  return ratioOrZero(2 * c.truePositives, 2 * c.truePositives + c.falsePositives + c.falseNegatives);
}

/** Null for no rows (the only 0/0 accuracy has). */
export function accuracyFromCounts(c: ConfusionCounts): number | null {
  const n = c.truePositives + c.falsePositives + c.trueNegatives + c.falseNegatives;
  return n === 0 ? null : (c.truePositives + c.trueNegatives) / n;
}

export function precision(yTrue: Labels, yScore: Scores, threshold: number): number | null {
  const counts = confusionAtThreshold(yTrue, yScore, threshold);
  return counts && precisionFromCounts(counts);
}

export function recall(yTrue: Labels, yScore: Scores, threshold: number): number | null {
  const counts = confusionAtThreshold(yTrue, yScore, threshold);
  return counts && recallFromCounts(counts);
}

export function f1(yTrue: Labels, yScore: Scores, threshold: number): number | null {
  const counts = confusionAtThreshold(yTrue, yScore, threshold);
  return counts && f1FromCounts(counts);
}

export function accuracy(yTrue: Labels, yScore: Scores, threshold: number): number | null {
  const counts = confusionAtThreshold(yTrue, yScore, threshold);
  return counts && accuracyFromCounts(counts);
}
