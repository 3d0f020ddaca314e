/**
 * Area under the precision–recall curve as sklearn's `average_precision_score`:
 *   AP = Σ_n (R_n − R_{n−1}) · P_n
 * over the distinct score thresholds taken from the highest down, where P_n and R_n are the
 * precision and recall when every row scoring ≥ the n-th threshold is called positive
 * (https://scikit-learn.org/stable/modules/generated/sklearn.metrics.average_precision_score.html).
 * Tied scores form one threshold. A step-wise sum, not the trapezoidal area, which is
 * optimistic for PR curves (Davis & Goadrich 2006).
 */
import { degeneracy, type Labels, type Scores } from './input.js';
import { groupByScoreDescending } from './score-groups.js';

/**
 * AUPRC in [0, 1]; null for empty input, one class only, or NaN scores. (sklearn returns 0
 * with a warning when there are no positives and 1 when there are no negatives; neither says
 * anything about the model, so both are null here.) O(n log n).
 */
export function averagePrecision(yTrue: Labels, yScore: Scores): number | null {
  if (degeneracy(yTrue, yScore, { needsBothClasses: true }) !== undefined) return null;
  const groups = groupByScoreDescending(yTrue, yScore);
  let truePositives = 0;
  let falsePositives = 0;
  let previousRecall = 0;
  let sum = 0;
  for (let g = 0; g < groups.count; g++) {
    truePositives += groups.positives[g];
    falsePositives += groups.negatives[g];
    const recall = truePositives / groups.totalPositives;
    const precision = truePositives / (truePositives + falsePositives);
    sum += (recall - previousRecall) * precision;
    previousRecall = recall;
  }
  return sum;
}
