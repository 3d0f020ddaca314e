/**
 * THE PREVIOUS IMPLEMENTATION (before issue 19), kept verbatim as the reference of the property
 * tests of the typed-sort version in src/metrics. Not used by src.
 *
 * ROC AUC as the Mann–Whitney statistic: the probability that a random positive scores
 * higher than a random negative, with a tie counting 1/2 (Hanley & McNeil 1982, Radiology
 * 143:29–36, eq. 1; Mann & Whitney 1947). This is the midrank form, and equals sklearn's
 * `roc_auc_score` (trapezoidal area under the tie-collapsed ROC curve).
 *
 * Exact: the numerator is a count of pairs (a multiple of 1/2), so it is exact in a double
 * for any realistic n; the only rounding is the final division.
 */
import { degeneracy, type Labels, type Scores } from '../../src/metrics/input.js';
import { referenceGroupByScoreDescending as groupByScoreDescending } from './reference-score-groups.js';

/** ROC AUC in [0, 1]; null for empty input, one class only, or NaN scores. O(n log n). */
export function referenceAuc(yTrue: Labels, yScore: Scores): number | null {
  if (degeneracy(yTrue, yScore, { needsBothClasses: true }) !== undefined) return null;
  const groups = groupByScoreDescending(yTrue, yScore);
  let negativesAtOrAbove = 0;
  let correctPairs = 0;
  for (let g = 0; g < groups.count; g++) {
    const positives = groups.positives[g];
    const negatives = groups.negatives[g];
    negativesAtOrAbove += negatives;
    const negativesBelow = groups.totalNegatives - negativesAtOrAbove;
    // Positives here beat every negative scored lower, and tie with the negatives scored equal.
    correctPairs += positives * negativesBelow + 0.5 * positives * negatives;
  }
  return correctPairs / (groups.totalPositives * groups.totalNegatives);
}
