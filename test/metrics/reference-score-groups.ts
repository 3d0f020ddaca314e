/**
 * THE PREVIOUS IMPLEMENTATION (before issue 19), kept verbatim as the reference of the property
 * tests of the typed-sort version in src/metrics. Not used by src.
 *
 * Rows grouped by distinct score, highest score first, with the count of positives and
 * negatives at each score. Every ranking metric here (AUC, AUPRC, the F1-optimal threshold)
 * is one pass over these groups, and grouping is what makes them tie-aware: rows sharing a
 * score share one threshold, as in sklearn's `_binary_clf_curve`.
 */
import type { Labels, Scores } from '../../src/metrics/input.js';

export interface ScoreGroups {
  /** Distinct scores, strictly decreasing. */
  scores: Float64Array;
  /** Positives (label 1) among the rows with scores[g]. */
  positives: Float64Array;
  /** Negatives (label 0) among the rows with scores[g]. */
  negatives: Float64Array;
  /** Number of groups (the arrays above may be longer). */
  count: number;
  totalPositives: number;
  totalNegatives: number;
}

/** O(n log n). Assumes validated input: labels 0/1 and no NaN scores. */
export function referenceGroupByScoreDescending(yTrue: Labels, yScore: Scores): ScoreGroups {
  const n = yTrue.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Comparison rather than subtraction, so that Infinity - Infinity (NaN) never reaches sort.
  order.sort((a, b) => (yScore[a] > yScore[b] ? -1 : yScore[a] < yScore[b] ? 1 : 0));

  const scores = new Float64Array(n);
  const positives = new Float64Array(n);
  const negatives = new Float64Array(n);
  let count = 0;
  let totalPositives = 0;
  for (let k = 0; k < n; k++) {
    const row = order[k];
    const score = yScore[row];
    // `===` groups -0 with 0, as a threshold cannot tell them apart.
    if (count === 0 || score !== scores[count - 1]) {
      scores[count] = score;
      count++;
    }
    if (yTrue[row] === 1) {
      positives[count - 1]++;
      totalPositives++;
    } else {
      negatives[count - 1]++;
    }
  }
  return { scores, positives, negatives, count, totalPositives, totalNegatives: n - totalPositives };
}
