/**
 * Every binary metric of one set of predictions, with a warning for each value that is null
 * (undefined on this data) or was set by a zero-division convention. Pooled metrics come from
 * calling this on the pooled predictions, never from averaging per-site results.
 */
import { auc } from './auc.js';
import { averagePrecision } from './average-precision.js';
import { brierScore } from './brier.js';
import { expectedCalibrationError } from './calibration.js';
import { accuracyFromCounts, f1FromCounts, precisionFromCounts, recallFromCounts } from './classification.js';
import { assertThreshold, confusionAtThreshold } from './confusion.js';
import { countPositives, degeneracy, describeDegeneracy, type Labels, type Scores } from './input.js';

export interface BinaryEvaluation {
  n: number;
  positives: number;
  auc: number | null;
  auprc: number | null;
  f1: number | null;
  precision: number | null;
  recall: number | null;
  accuracy: number | null;
  brier: number | null;
  ece: number | null;
  /** The threshold the threshold metrics used (score ≥ threshold is positive), or null. */
  threshold: number | null;
  /** One sentence per undefined or convention-set value; empty when every value is plain. */
  warnings: string[];
}

export interface EvaluateOptions {
  /** Equal-width bins for ECE; default 10. */
  eceBins?: number;
}

/**
 * `threshold` is normally selected on validation data (`selectF1Threshold`); null leaves F1,
 * precision, recall and accuracy null. Throws a RangeError only for caller bugs (see input.ts).
 */
export function evaluateBinary(
  yTrue: Labels,
  yScore: Scores,
  threshold: number | null,
  options: EvaluateOptions = {},
): BinaryEvaluation {
  if (threshold !== null) assertThreshold(threshold);
  const n = yTrue.length;
  const warnings: string[] = [];
  const warnUndefined = (metrics: string, reason: ReturnType<typeof degeneracy>): void => {
    if (reason !== undefined) warnings.push(`${metrics} undefined: ${describeDegeneracy(reason, n)}`);
  };

  // degeneracy() also validates lengths and labels, so it runs before countPositives.
  const rankingProblem = degeneracy(yTrue, yScore, { needsBothClasses: true });
  const result: BinaryEvaluation = {
    n,
    positives: countPositives(yTrue),
    auc: auc(yTrue, yScore),
    auprc: averagePrecision(yTrue, yScore),
    f1: null,
    precision: null,
    recall: null,
    accuracy: null,
    brier: brierScore(yTrue, yScore),
    ece: expectedCalibrationError(yTrue, yScore, options.eceBins),
    threshold,
    warnings,
  };
  warnUndefined('auc, auprc', rankingProblem);

  if (threshold === null) {
    warnings.push('f1, precision, recall, accuracy undefined: no decision threshold was given');
  } else {
    const counts = confusionAtThreshold(yTrue, yScore, threshold);
    if (counts === null) {
      warnUndefined('f1, precision, recall, accuracy', degeneracy(yTrue, yScore));
    } else {
      result.f1 = f1FromCounts(counts);
      result.precision = precisionFromCounts(counts);
      result.recall = recallFromCounts(counts);
      result.accuracy = accuracyFromCounts(counts);
      const predictedPositives = counts.truePositives + counts.falsePositives;
      const actualPositives = counts.truePositives + counts.falseNegatives;
      if (predictedPositives === 0) {
        warnings.push(`precision set to 0: no row scored ≥ the threshold ${threshold} (sklearn zero_division)`);
      }
      if (actualPositives === 0) warnings.push('recall set to 0: no actual positives (sklearn zero_division)');
      if (predictedPositives === 0 && actualPositives === 0) {
        warnings.push('f1 set to 0: no predicted and no actual positives (sklearn zero_division)');
      }
    }
  }

  // Brier and ECE share their requirements, so one warning covers both.
  warnUndefined('brier, ece', degeneracy(yTrue, yScore, { needsProbabilities: true }));
  return result;
}
