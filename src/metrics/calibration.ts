/**
 * Expected calibration error (Naeini, Cooper & Hauskrecht 2015, AAAI, "Obtaining well
 * calibrated probabilities using Bayesian binning", eq. for ECE):
 *   ECE = Σ_b (n_b / n) · |mean score in b − positive rate in b|
 * over equal-width bins of the predicted probability on [0, 1]. For a binary outcome this
 * compares the predicted risk with the observed rate of the positive class, i.e. the
 * reliability diagram of the risk score. Empty bins contribute nothing.
 */
import { degeneracy, type Labels, type Scores } from './input.js';

/** Bin b holds scores in [b/bins, (b+1)/bins); a score of exactly 1 goes to the last bin. */
export function calibrationBin(score: number, bins: number): number {
  return Math.min(Math.floor(score * bins), bins - 1);
}

/**
 * ECE in [0, 1]; null for empty input, NaN scores, or scores outside [0, 1]. Throws a
 * RangeError when `bins` is not a positive integer (a caller bug, not a data problem). O(n).
 */
export function expectedCalibrationError(yTrue: Labels, yScore: Scores, bins = 10): number | null {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  if (degeneracy(yTrue, yScore, { needsProbabilities: true }) !== undefined) return null;
  const count = new Float64Array(bins);
  const scoreSum = new Float64Array(bins);
  const positiveSum = new Float64Array(bins);
  for (let i = 0; i < yTrue.length; i++) {
    const b = calibrationBin(yScore[i], bins);
    count[b]++;
    scoreSum[b] += yScore[i];
    positiveSum[b] += yTrue[i];
  }
  // Σ (n_b/n)·|s_b/n_b − y_b/n_b| = Σ |s_b − y_b| / n: no division per bin, so no 0/0.
  let total = 0;
  for (let b = 0; b < bins; b++) total += Math.abs(scoreSum[b] - positiveSum[b]);
  return total / yTrue.length;
}
