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
 *   ways; an attacker that knows the label of one positive example in a minibatch scores every
 *   other example of that minibatch by the cosine of its gradient with that example's (the
 *   model, hence the directions, changes between minibatches, so the reference is per batch; here
 *   the known example is the batch's first positive, and batches with none are skipped).
 *
 * Both are scored, as in the paper, by the AUC of the attack score against the true labels
 * (metrics/auc.ts): 0.5 is chance, 1 is a perfect label recovery. The collector keeps the
 * gradients of the last epoch (each training example once, from the model the attacker faces
 * at the end of training).
 */
import { auc } from '../metrics/auc.js';
import type { GradientObserver } from './split-learning.js';

export interface ReceivedGradients {
  /** Row ids, in the order they were received. */
  rows: Uint32Array;
  gradients: Float64Array[];
  /** The minibatch (0, 1, … within the epoch) each row came in. */
  batches: Int32Array;
}

export class GradientCollector {
  /** Per party without labels: what it received in the last epoch. */
  private readonly byParty = new Map<number, { rows: number[]; gradients: Float64Array[]; batches: number[]; batch: number }>();

  constructor(readonly lastEpoch: number) {}

  readonly observe: GradientObserver = ({ partyIndex, epoch, rows, count, width, gradients }) => {
    if (epoch !== this.lastEpoch) return;
    let m = this.byParty.get(partyIndex);
    if (!m) this.byParty.set(partyIndex, (m = { rows: [], gradients: [], batches: [], batch: 0 }));
    for (let k = 0; k < count; k++) {
      m.rows.push(rows[k]);
      m.gradients.push(gradients.slice(k * width, k * width + width));
      m.batches.push(m.batch);
    }
    m.batch++;
  };

  /** The gradients party `partyIndex` (≥ 1) received in the last epoch. */
  received(partyIndex: number): ReceivedGradients {
    const m = this.byParty.get(partyIndex) ?? { rows: [], gradients: [], batches: [] };
    return { rows: Uint32Array.from(m.rows), gradients: m.gradients, batches: Int32Array.from(m.batches) };
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
 * Direction attack AUC (Li et al. 2022, §3.2): in each minibatch (batches[i] = minibatch of row
 * i) the attacker knows that the first positive example is positive and scores the other rows of
 * that batch by the cosine of their gradient with it; the known rows are left out and batches
 * without a positive skipped. A zero gradient scores 0 (no direction). NaN if nothing is left.
 */
export function directionAttackAuc(gradients: readonly Float64Array[], labels: ArrayLike<number>, batches: ArrayLike<number>): number {
  const reference = new Map<number, number>();
  for (let i = 0; i < gradients.length; i++) if (labels[i] === 1 && !reference.has(batches[i])) reference.set(batches[i], i);
  const scores: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < gradients.length; i++) {
    const r = reference.get(batches[i]);
    if (r === undefined || r === i) continue;
    const g = gradients[i];
    const ref = gradients[r];
    let d = 0;
    for (let j = 0; j < g.length; j++) d += g[j] * ref[j];
    const denom = norm(g) * norm(ref);
    scores.push(denom > 0 ? d / denom : 0);
    ys.push(labels[i]);
  }
  return auc(ys, scores) ?? Number.NaN;
}
