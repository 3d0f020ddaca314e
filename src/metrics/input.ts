/**
 * Shared input checks for the binary-classification metrics.
 *
 * Two kinds of bad input are told apart on purpose:
 * - a caller bug (label arrays of different lengths, a label that is not 0 or 1) throws a
 *   RangeError, because no number could be right and hiding it would corrupt a report;
 * - degenerate *data* (no rows, a single class, a NaN score) is a normal outcome of small
 *   sites and seeds: the metric returns null and `evaluateBinary` says why.
 */

export type Labels = ArrayLike<number>;
export type Scores = ArrayLike<number>;

/** Why a metric could not be computed; undefined when it can. */
export type Degeneracy = 'empty' | 'nan-score' | 'no-positives' | 'no-negatives' | 'not-probabilities';

/** Throws on caller bugs: mismatched lengths or labels other than 0/1. */
export function assertBinaryInput(yTrue: Labels, yScore: Scores): void {
  if (yTrue.length !== yScore.length) {
    throw new RangeError(`yTrue has ${yTrue.length} labels but yScore has ${yScore.length} scores`);
  }
  for (let i = 0; i < yTrue.length; i++) {
    const label = yTrue[i];
    if (label !== 0 && label !== 1) {
      throw new RangeError(`yTrue[${i}] is ${String(label)}; labels must be 0 or 1`);
    }
  }
}

export function countPositives(yTrue: Labels): number {
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) positives += yTrue[i];
  return positives;
}

export function hasNaN(yScore: Scores): boolean {
  for (let i = 0; i < yScore.length; i++) {
    if (Number.isNaN(yScore[i])) return true;
  }
  return false;
}

/** True when every score is a probability in [0, 1] (what Brier and ECE measure against). */
export function allProbabilities(yScore: Scores): boolean {
  for (let i = 0; i < yScore.length; i++) {
    const score = yScore[i];
    if (!(score >= 0 && score <= 1)) return false;
  }
  return true;
}

/**
 * The first reason the metric is undefined on this input, or undefined when it is defined.
 * `needsBothClasses`: ranking metrics (AUC, AUPRC) compare positives with negatives.
 * `needsProbabilities`: calibration metrics (Brier, ECE) compare scores with label rates.
 */
export function degeneracy(
  yTrue: Labels,
  yScore: Scores,
  requirements: { needsBothClasses?: boolean; needsProbabilities?: boolean } = {},
): Degeneracy | undefined {
  assertBinaryInput(yTrue, yScore);
  if (yTrue.length === 0) return 'empty';
  if (hasNaN(yScore)) return 'nan-score';
  if (requirements.needsBothClasses) {
    const positives = countPositives(yTrue);
    if (positives === 0) return 'no-positives';
    if (positives === yTrue.length) return 'no-negatives';
  }
  if (requirements.needsProbabilities && !allProbabilities(yScore)) return 'not-probabilities';
  return undefined;
}

/** A human sentence for a degeneracy, used in `evaluateBinary` warnings and gate messages. */
export function describeDegeneracy(reason: Degeneracy, n: number): string {
  switch (reason) {
    case 'empty':
      return 'no rows to evaluate';
    case 'nan-score':
      return 'some scores are NaN';
    case 'no-positives':
      return `all ${n} labels are 0 (no positives)`;
    case 'no-negatives':
      return `all ${n} labels are 1 (no negatives)`;
    case 'not-probabilities':
      return 'some scores lie outside [0, 1], so they are not probabilities';
  }
}
