/**
 * The decision threshold that maximizes F1 on validation data, to be applied unchanged to test
 * data (choosing it on test data would flatter F1).
 *
 * Candidates are the distinct scores (a row is positive when score ≥ threshold), so every
 * achievable split of the sorted scores is tried. Ties in F1 go to the higher threshold: it
 * flags fewer patients for the same F1, and it makes the choice independent of sort order.
 */
import { degeneracy, type Labels, type Scores } from './input.js';
import { groupByScoreDescending } from './score-groups.js';

export interface F1Threshold {
  threshold: number;
  /** F1 on the data the threshold was selected on. */
  f1: number;
}

/**
 * Null for empty input, NaN scores, or no positives (F1 is 0 at every threshold, so no
 * threshold is better than another). O(n log n).
 */
export function selectF1Threshold(yTrue: Labels, yScore: Scores): F1Threshold | null {
  if (degeneracy(yTrue, yScore) !== undefined) return null;
  const groups = groupByScoreDescending(yTrue, yScore);
  if (groups.totalPositives === 0) return null;
  let best: F1Threshold | null = null;
  let truePositives = 0;
  let falsePositives = 0;
  for (let g = 0; g < groups.count; g++) {
    truePositives += groups.positives[g];
    falsePositives += groups.negatives[g];
    const falseNegatives = groups.totalPositives - truePositives;
    // 2TP / (2TP + FP + FN): the same rational from different counts rounds to the same
    // double, so equal F1 values compare equal and the strict `>` keeps the higher threshold.
    const f1 = (2 * truePositives) / (2 * truePositives + falsePositives + falseNegatives);
    if (best === null || f1 > best.f1) best = { threshold: groups.scores[g], f1 };
  }
  return best;
}
