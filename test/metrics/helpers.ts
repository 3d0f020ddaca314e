/** Shared generators and brute-force references for the metric tests. */
import fc from 'fast-check';

export interface LabeledScores {
  yTrue: number[];
  yScore: number[];
}

/**
 * Rows with scores drawn from a few levels (k / levels), so ties between positives and
 * negatives are common; `minLength` rows at least.
 */
export function labeledScores(options: { minLength?: number; maxLength?: number; levels?: number } = {}): fc.Arbitrary<LabeledScores> {
  const levels = options.levels ?? 6;
  return fc
    .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: levels })), {
      minLength: options.minLength ?? 0,
      maxLength: options.maxLength ?? 60,
    })
    .map((rows) => ({ yTrue: rows.map(([label]) => label), yScore: rows.map(([, level]) => level / levels) }));
}

/** As labeledScores, but with at least one positive and one negative. */
export function bothClasses(options: { maxLength?: number; levels?: number } = {}): fc.Arbitrary<LabeledScores> {
  return labeledScores({ ...options, minLength: 2 }).filter(({ yTrue }) => yTrue.includes(0) && yTrue.includes(1));
}

/** AUC by definition: the fraction of (positive, negative) pairs ordered correctly, a tie = ½. O(n²). */
export function bruteForceAuc(yTrue: number[], yScore: number[]): number {
  let pairs = 0;
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== 1) continue;
    for (let j = 0; j < yTrue.length; j++) {
      if (yTrue[j] !== 0) continue;
      pairs++;
      if (yScore[i] > yScore[j]) correct += 1;
      else if (yScore[i] === yScore[j]) correct += 0.5;
    }
  }
  return correct / pairs;
}

/** Precision and recall when rows with score ≥ threshold are positive, by counting. */
export function countAt(yTrue: number[], yScore: number[], threshold: number): { tp: number; fp: number; fn: number; tn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const predicted = yScore[i] >= threshold;
    if (yTrue[i] === 1) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  }
  return { tp, fp, fn, tn };
}

/** Distinct scores, highest first. */
export function distinctDescending(yScore: number[]): number[] {
  return [...new Set(yScore)].sort((a, b) => b - a);
}

/** sklearn's definition of AP, Σ (R_n − R_{n−1}) P_n over distinct thresholds, by counting. O(n²). */
export function bruteForceAveragePrecision(yTrue: number[], yScore: number[]): number {
  const positives = yTrue.filter((y) => y === 1).length;
  let previousRecall = 0;
  let sum = 0;
  for (const threshold of distinctDescending(yScore)) {
    const { tp, fp } = countAt(yTrue, yScore, threshold);
    const recall = tp / positives;
    sum += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
  }
  return sum;
}

export function assertClose(actual: number | null, expected: number, tolerance: number, label = ''): void {
  if (actual === null || !(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${label} expected ${expected} ± ${tolerance}, got ${String(actual)}`);
  }
}
