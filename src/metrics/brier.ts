/**
 * Brier score: the mean squared difference between the predicted probability and the 0/1
 * outcome (Brier 1950; sklearn `brier_score_loss`). Lower is better; 0.25 is what a constant
 * 0.5 scores.
 */
import { degeneracy, type Labels, type Scores } from './input.js';

/** Null for empty input, NaN scores, or scores outside [0, 1]. O(n). */
export function brierScore(yTrue: Labels, yScore: Scores): number | null {
  if (degeneracy(yTrue, yScore, { needsProbabilities: true }) !== undefined) return null;
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const error = yScore[i] - yTrue[i];
    sum += error * error;
  }
  return sum / yTrue.length;
}
