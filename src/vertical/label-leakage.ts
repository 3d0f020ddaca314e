/**
 * Label leakage from the gradients the label holder returns in split learning (Li, Sun, Wang,
 * Zhang, Xie, Wang & Chen, "Label leakage and protection in two-party split learning", ICLR
 * 2022), attacks by the party without labels on what it receives for each of its examples:
 *
 * - norm attack (§3.1): the gradient of the loss w.r.t. the cut layer is (σ(z) − y)·∂z/∂a. With
 *   rare positives the model predicts low σ(z) for everyone, so |σ(z) − y| is near 1 for
 *   positives and near 0 for negatives: the gradient norm itself scores "positive".
 * - direction attack (§3.2): gradients of examples with the same label point the same way
 *   (cosine +1 for a logistic top over one cut-layer unit), those of different labels opposite
 *   ways; an attacker that knows ONE positive example's label scores every other example by the
 *   cosine of its gradient with that example's.
 *
 * Both are scored, as in the paper, by the AUC of the attack score against the true labels
 * (metrics/auc.ts): 0.5 is chance, 1 is a perfect label recovery. The collector keeps the
 * gradients of the last epoch (each training example once, from the model the attacker faces
 * at the end of training).
 */
import { auc } from '../metrics/auc.js';
import type { GradientObserver } from './split-learning.js';

export class GradientCollector {
  /** Per party without labels: row id → last-epoch gradient row. */
  private readonly byParty = new Map<number, Map<number, Float64Array>>();

  constructor(readonly lastEpoch: number) {}

  readonly observe: GradientObserver = ({ partyIndex, epoch, rows, count, width, gradients }) => {
    if (epoch !== this.lastEpoch) return;
    let m = this.byParty.get(partyIndex);
    if (!m) this.byParty.set(partyIndex, (m = new Map()));
    for (let k = 0; k < count; k++) m.set(rows[k], gradients.slice(k * width, k * width + width));
  };

  /** The gradients party `partyIndex` received, in increasing row order. */
  received(partyIndex: number): { rows: Uint32Array; gradients: Float64Array[] } {
    const m = this.byParty.get(partyIndex) ?? new Map<number, Float64Array>();
    const rows = Uint32Array.from([...m.keys()].sort((a, b) => a - b));
    return { rows, gradients: [...rows].map((r) => m.get(r) as Float64Array) };
  }
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Norm attack AUC (Li et al. 2022, §3.1). NaN when the rows hold one class only. */
export function normAttackAuc(gradients: readonly Float64Array[], labels: ArrayLike<number>): number {
  return auc(labels, gradients.map(norm)) ?? Number.NaN;
}

/**
 * Direction attack AUC (Li et al. 2022, §3.2): the attacker knows that example `knownPositive`
 * (an index into `gradients`) is positive and scores the others by cosine similarity with it; the
 * known example is left out of the AUC. A zero gradient scores 0 (no direction).
 */
export function directionAttackAuc(gradients: readonly Float64Array[], labels: ArrayLike<number>, knownPositive: number): number {
  const ref = gradients[knownPositive];
  const refNorm = norm(ref);
  const scores: number[] = [];
  const ys: number[] = [];
  gradients.forEach((g, i) => {
    if (i === knownPositive) return;
    let d = 0;
    for (let j = 0; j < g.length; j++) d += g[j] * ref[j];
    const denom = norm(g) * refNorm;
    scores.push(denom > 0 ? d / denom : 0);
    ys.push(labels[i]);
  });
  return auc(ys, scores) ?? Number.NaN;
}
