/**
 * Vertical logistic regression in the style of Hardy, Henecka, Ivey-Law, Nock, Patrini, Smith &
 * Thorne 2017, "Private federated learning on vertically partitioned data via entity resolution
 * and additively homomorphic encryption" (arXiv:1711.10677), §3: the logistic loss replaced by
 * its second-order Taylor expansion around 0, with y ∈ {−1, +1}:
 *     ℓ(z, y) ≈ log 2 − y·z/2 + z²/8,   ∂ℓ/∂z ≈ z/4 − y/2,
 * so the gradient Σ_i (z_i/4 − y_i/2)·x_i is LINEAR in the per-example residual
 * d_i = z_i/4 − y_i/2, and z_i = Σ_P u_{P,i} is a sum of the parties' partial logits. That is what
 * makes an additively homomorphic (or additively masked) protocol possible.
 *
 * This file holds the schedule every variant shares — zero start, the shared 'shuffle' stream's
 * minibatches, plain SGD with the configured learning rate, the label holder owning the one bias —
 * and the central float reference (`centralTaylorGradient`). A protocol plugs in as
 * `TaylorGradientProtocol`: given each party's partial logits and the labels of a batch, it
 * returns each party's gradient, computed from 4·d_i in fixed point (vertical/fixed-point.ts):
 *     D_i = Σ_P round(u_{P,i}·2^F) − 2·y_i·2^F   (= 4·d_i·2^F up to quantization)
 *     g_{P,j} = Σ_i round(x_{P,i,j}·2^F)·D_i / (4·B·2^(2F)),  bias: Σ_i D_i / (4·B·2^F).
 */
import { probabilityOf } from '../model/logistic.js';
import { shuffleInto } from '../model/train.js';
import { labelHolderFirst, partyRows } from './columns.js';
import { shuffleSource } from './streams.js';
import type { VerticalExperimentConfig, VerticalPartyMatrix, VerticalProgress, VerticalTrainingData } from './types.js';

export interface TaylorBatch {
  count: number;
  /** The batch's row ids (the minibatch schedule is agreed at setup, so every party knows them). */
  rows: Uint32Array;
  /** Per party (label holder first): the batch's columns, row-major count × cols. */
  x: Float64Array[];
  /** Per party: partial logits u_{P,i} = w_P·x_{P,i} (the label holder's includes the bias). */
  u: Float64Array[];
  /** Labels in {−1, +1}, known to the label holder only. */
  ySigned: Int8Array;
}

export interface TaylorGradientProtocol {
  /** Called once before training with the parties (label holder first): each party's one-off local setup. */
  prepare?(parties: readonly VerticalPartyMatrix[]): void;
  /** Per party, label holder first: ∂/∂w_P of the mean Taylor loss; the label holder's has the bias gradient appended. */
  gradients(batch: TaylorBatch): Promise<Float64Array[]> | Float64Array[];
  bytes(): { forward: number; backward: number };
}

export interface TaylorModel {
  parties: VerticalPartyMatrix[];
  /** Per party weights; the label holder's has the bias appended. */
  weights: Float64Array[];
}

/** The float gradient of the mean Taylor loss on one batch (the central reference, no fixed point). */
export function centralTaylorGradient(batch: TaylorBatch): Float64Array[] {
  const { count, x, u, ySigned } = batch;
  const d = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let z = 0;
    for (const up of u) z += up[k];
    d[k] = z / 4 - ySigned[k] / 2;
  }
  return x.map((xp, i) => {
    const cols = xp.length / Math.max(1, count);
    const g = new Float64Array(cols + (i === 0 ? 1 : 0));
    for (let k = 0; k < count; k++) {
      for (let j = 0; j < cols; j++) g[j] += d[k] * xp[k * cols + j];
      if (i === 0) g[cols] += d[k];
    }
    for (let j = 0; j < g.length; j++) g[j] /= count;
    return g;
  });
}

export async function trainTaylorLr(
  data: VerticalTrainingData,
  config: VerticalExperimentConfig,
  protocol: TaylorGradientProtocol,
  onProgress?: VerticalProgress,
  arm = 'vertical-lr',
): Promise<TaylorModel> {
  const parties = labelHolderFirst(data);
  const weights = parties.map((p, i) => new Float64Array(p.cols + (i === 0 ? 1 : 0)));
  const train = data.trainIndices;
  const n = train.length;
  const batchSize = Math.min(Math.max(1, Math.floor(config.batchSize)), n);
  const random = shuffleSource(config.seed);
  const order = new Uint32Array(n);
  const rows = new Uint32Array(batchSize);
  protocol.prepare?.(parties);
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    shuffleInto(order, random);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      for (let k = 0; k < count; k++) rows[k] = train[order[start + k]];
      const batchRows = rows.subarray(0, count);
      const x = parties.map((p) => partyRows(p, batchRows));
      const u = parties.map((p, i) => partialLogits(weights[i], x[i], count, p.cols, i === 0));
      const ySigned = new Int8Array(count);
      for (let k = 0; k < count; k++) ySigned[k] = data.labels[batchRows[k]] === 1 ? 1 : -1;
      const grads = await protocol.gradients({ count, rows: batchRows, x, u, ySigned });
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i];
        const g = grads[i];
        for (let j = 0; j < w.length; j++) w[j] -= config.learningRate * g[j];
      }
    }
    onProgress?.({ arm, epoch });
  }
  return { parties, weights };
}

/** u_k = w·x_k (+ bias, stored last, for the label holder). */
function partialLogits(w: Float64Array, x: Float64Array, count: number, cols: number, withBias: boolean): Float64Array {
  const u = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let s = withBias ? w[cols] : 0;
    for (let j = 0; j < cols; j++) s += w[j] * x[k * cols + j];
    u[k] = s;
  }
  return u;
}

/** P(y = 1) = σ(Σ_P u_P) for `rows`: the trained model is an ordinary logistic regression. */
export function predictTaylor(model: TaylorModel, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  model.parties.forEach((p, i) => {
    const u = partialLogits(model.weights[i], partyRows(p, rows), rows.length, p.cols, i === 0);
    for (let k = 0; k < rows.length; k++) out[k] += u[k];
  });
  for (let k = 0; k < rows.length; k++) out[k] = probabilityOf(out[k]);
  return out;
}

/** The central reference protocol: float gradients, no messages. */
export const centralTaylorProtocol: TaylorGradientProtocol = {
  gradients: centralTaylorGradient,
  bytes: () => ({ forward: 0, backward: 0 }),
};
