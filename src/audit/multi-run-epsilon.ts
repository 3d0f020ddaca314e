/**
 * The classic multi-run audit: Jagielski, Ullman & Oprea, "Auditing Differentially Private
 * Machine Learning: How Private is Private SGD?", NeurIPS 2020 (Algorithm 2 / §4). Train T
 * models, each with the canary included or not; a distinguisher with a fixed threshold has
 * false-positive rate FPR and false-negative rate FNR. (ε, δ)-DP implies (Kairouz et al. 2015,
 * the hypothesis-testing view of DP)
 *     FPR + e^ε·FNR ≥ 1 − δ   and   FNR + e^ε·FPR ≥ 1 − δ,
 * so with one-sided Clopper–Pearson upper bounds F̄PR, F̄NR at confidence c (each)
 *     ε ≥ max( ln((1 − δ − F̄PR)/F̄NR), ln((1 − δ − F̄NR)/F̄PR) )
 * holds with probability ≥ 2c − 1 (a union bound over the two intervals). The threshold must be
 * chosen without the runs it is evaluated on (here: on a separate calibration half).
 */
import { clopperPearsonUpper } from './clopper-pearson.js';

export interface MultiRunCounts {
  /** Runs with the canary out, and how many of those the distinguisher called "in". */
  outRuns: number;
  falsePositives: number;
  /** Runs with the canary in, and how many of those it called "out". */
  inRuns: number;
  falseNegatives: number;
}

export interface MultiRunBound {
  epsilonLowerBound: number;
  fprUpper: number;
  fnrUpper: number;
  /** Overall confidence of the bound (2c − 1). */
  confidence: number;
}

/** ε lower bound from FP/FN counts; `confidence` is overall (each interval gets (1 + confidence)/2). */
export function multiRunEpsilonLowerBound(c: MultiRunCounts, delta: number, confidence = 0.95): MultiRunBound {
  const each = (1 + confidence) / 2;
  const fprUpper = clopperPearsonUpper(c.falsePositives, c.outRuns, each);
  const fnrUpper = clopperPearsonUpper(c.falseNegatives, c.inRuns, each);
  const bound = (a: number, b: number) => (1 - delta - a > 0 && b > 0 ? Math.log((1 - delta - a) / b) : b === 0 && 1 - delta - a > 0 ? Infinity : 0);
  const eps = Math.max(0, bound(fprUpper, fnrUpper), bound(fnrUpper, fprUpper));
  return { epsilonLowerBound: eps, fprUpper, fnrUpper, confidence };
}

/**
 * The threshold a calibration half of the runs suggests: among its distinct scores, the one
 * (score ≥ t: "in") that maximizes the point estimate of the bound ln((1 − FPR)/FNR) ∨ ln((1 − FNR)/FPR),
 * with FPR and FNR floored at 1/(2n) so a perfect split does not give ∞.
 */
export function calibrateThreshold(scores: readonly number[], included: readonly boolean[]): number {
  const outs = scores.filter((_, i) => !included[i]);
  const ins = scores.filter((_, i) => included[i]);
  if (outs.length === 0 || ins.length === 0) return Infinity;
  let best = -Infinity;
  let bestT = Infinity;
  for (const t of [...new Set(scores)].sort((a, b) => a - b)) {
    const fpr = Math.max(outs.filter((s) => s >= t).length, 0.5) / outs.length;
    const fnr = Math.max(ins.filter((s) => s < t).length, 0.5) / ins.length;
    const value = Math.max(Math.log((1 - fpr) / fnr), Math.log((1 - fnr) / fpr));
    if (value > best) {
      best = value;
      bestT = t;
    }
  }
  return bestT;
}
