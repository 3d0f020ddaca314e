/**
 * ROC AUC as the Mann–Whitney statistic: the probability that a random positive scores
 * higher than a random negative, with a tie counting 1/2 (Hanley & McNeil 1982, Radiology
 * 143:29–36, eq. 1; Mann & Whitney 1947). This is the midrank form, and equals sklearn's
 * `roc_auc_score` (trapezoidal area under the tie-collapsed ROC curve).
 *
 * Exact: the numerator is a count of pairs (a multiple of 1/2), so it is exact in a double
 * for any realistic n; the only rounding is the final division.
 *
 * Speed (the bench evaluates it on the pooled test set after every federated round): the
 * positives' and the negatives' scores are sorted apart with native typed-array sorts and
 * merged from the top, one distinct score at a time — the same groups, in the same order, as
 * groupByScoreDescending, so the same sum bit for bit, without its three group arrays.
 */
import { degeneracy, type Labels, type Scores } from './input.js';
import { sortedClassScores } from './score-groups.js';

/** ROC AUC in [0, 1]; null for empty input, one class only, or NaN scores. O(n log n). */
export function auc(yTrue: Labels, yScore: Scores): number | null {
  if (degeneracy(yTrue, yScore, { needsBothClasses: true }) !== undefined) return null;
  const { positives: pos, negatives: neg } = sortedClassScores(yTrue, yScore);
  const totalNegatives = neg.length;
  let i = pos.length - 1;
  let j = neg.length - 1;
  let negativesAtOrAbove = 0;
  let correctPairs = 0;
  while (i >= 0 || j >= 0) {
    const score = i < 0 ? neg[j] : j < 0 ? pos[i] : pos[i] > neg[j] ? pos[i] : neg[j];
    let positives = 0;
    while (i >= 0 && pos[i] === score) {
      positives++;
      i--;
    }
    let negatives = 0;
    while (j >= 0 && neg[j] === score) {
      negatives++;
      j--;
    }
    negativesAtOrAbove += negatives;
    const negativesBelow = totalNegatives - negativesAtOrAbove;
    // Positives here beat every negative scored lower, and tie with the negatives scored equal.
    correctPairs += positives * negativesBelow + 0.5 * positives * negatives;
  }
  return correctPairs / (pos.length * totalNegatives);
}
