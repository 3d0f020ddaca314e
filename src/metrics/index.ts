/** The metrics layer: pure functions of (yTrue, yScore); see each file for its definition. */
export { auc } from './auc.js';
export { averagePrecision } from './average-precision.js';
export { brierScore } from './brier.js';
export { calibrationBin, expectedCalibrationError } from './calibration.js';
export {
  accuracy,
  accuracyFromCounts,
  f1,
  f1FromCounts,
  precision,
  precisionFromCounts,
  recall,
  recallFromCounts,
} from './classification.js';
export { confusionAtThreshold, type ConfusionCounts } from './confusion.js';
export { evaluateBinary, type BinaryEvaluation, type EvaluateOptions } from './evaluate.js';
export { degeneracy, describeDegeneracy, type Degeneracy, type Labels, type Scores } from './input.js';
export { selectF1Threshold, type F1Threshold } from './select-threshold.js';
export { studentTCdf, studentTQuantile } from './student-t.js';
export { pairedDifference, summarize, type Summary } from './summarize.js';
