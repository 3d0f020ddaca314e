/**
 * Membership-inference attack metrics, as Carlini et al. ("Membership Inference Attacks From
 * First Principles", IEEE S&P 2022, §III) ask them to be reported: the ROC curve on log axes,
 * AUC, and the true-positive rate at a low false-positive rate (0.1 %, 1 %), each TPR with its
 * exact Clopper–Pearson interval over the members. Higher score: "member".
 */
import { clopperPearson, type ProportionInterval } from './clopper-pearson.js';

export interface RocPoint {
  fpr: number;
  tpr: number;
}

export interface TprAtFpr {
  /** The FPR the threshold was chosen for (e.g. 0.001). */
  targetFpr: number;
  /** The FPR reached (≤ target: the threshold never lets more false positives through). */
  fpr: number;
  truePositives: number;
  members: number;
  tpr: ProportionInterval;
}

export interface AttackMetrics {
  members: number;
  nonMembers: number;
  /** Mann–Whitney AUC with ties counted ½ (null without both groups). */
  auc: number | null;
  tprAtFpr: TprAtFpr[];
  /** The ROC curve (a step function; at most ~200 points, the low-FPR end kept whole). */
  roc: RocPoint[];
}

/** Thresholds from the highest score down: the ROC's vertices (ties move together). */
export function rocCurve(scores: ArrayLike<number>, member: ArrayLike<boolean>): { points: RocPoint[]; tp: number[]; fp: number[] } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let P = 0;
  for (let i = 0; i < n; i++) if (member[i]) P++;
  const N = n - P;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  const tp = [0];
  const fp = [0];
  let t = 0;
  let f = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (member[order[k]]) t++;
      else f++;
      k++;
    }
    tp.push(t);
    fp.push(f);
    points.push({ fpr: N > 0 ? f / N : 0, tpr: P > 0 ? t / P : 0 });
  }
  return { points, tp, fp };
}

/** AUC by the trapezoid over the ROC vertices (equals Mann–Whitney with ties ½). */
function rocAuc(points: readonly RocPoint[]): number {
  let area = 0;
  for (let k = 1; k < points.length; k++) area += ((points[k].fpr - points[k - 1].fpr) * (points[k].tpr + points[k - 1].tpr)) / 2;
  return area;
}

/** Keeps every vertex with FPR ≤ 1 % and about `budget` evenly spaced others. */
function thin(points: readonly RocPoint[], budget = 200): RocPoint[] {
  if (points.length <= budget) return [...points];
  const step = Math.ceil(points.length / budget);
  return points.filter((p, k) => p.fpr <= 0.01 || k % step === 0 || k === points.length - 1);
}

export function attackMetrics(scores: ArrayLike<number>, member: ArrayLike<boolean>, targetFprs: readonly number[] = [0.001, 0.01], confidence = 0.95): AttackMetrics {
  if (scores.length !== member.length) throw new RangeError(`scores (${scores.length}) and membership (${member.length}) differ in length`);
  const { points, tp, fp } = rocCurve(scores, member);
  const P = tp[tp.length - 1];
  const N = fp[fp.length - 1];
  const tprAtFpr = targetFprs.map((target) => {
    // The last vertex whose FPR stays within the target (the threshold is a score, so vertices only).
    let best = 0;
    for (let k = 0; k < points.length; k++) if (N > 0 && fp[k] / N <= target) best = k;
    return { targetFpr: target, fpr: N > 0 ? fp[best] / N : 0, truePositives: tp[best], members: P, tpr: clopperPearson(tp[best], P, confidence) };
  });
  return { members: P, nonMembers: N, auc: P > 0 && N > 0 ? rocAuc(points) : null, tprAtFpr, roc: thin(points) };
}
