/**
 * Test-set figures of a vertical arm: ROC AUC on the test rows, and F1 on the test rows at the
 * threshold that maximizes F1 on the training rows (there is no separate validation split in a
 * vertical data set; choosing the threshold on test rows would flatter F1).
 */
import { auc } from '../metrics/auc.js';
import { f1 } from '../metrics/classification.js';
import { selectF1Threshold } from '../metrics/select-threshold.js';

export interface ArmScores {
  auc: number;
  f1: number;
}

/** NaN for a degenerate split (one class only), so that a bad split is visible, not hidden as 0. */
export function scoreArm(trainY: Float64Array, trainScores: Float64Array, testY: Float64Array, testScores: Float64Array): ArmScores {
  const threshold = selectF1Threshold(trainY, trainScores)?.threshold ?? 0.5;
  return { auc: auc(testY, testScores) ?? Number.NaN, f1: f1(testY, testScores, threshold) ?? Number.NaN };
}
