/**
 * Split learning over vertically partitioned data (Vepakomma, Gupta, Swedish & Raskar 2018,
 * "Split learning for health: distributed deep learning without sharing raw patient data", §2,
 * the vertically partitioned configuration; Gupta & Raskar 2018, "Distributed learning of deep
 * neural network over multiple agents", J Netw Comput Appl 116): each party runs a bottom model
 * on its own columns (vertical/bottom-model.ts) and sends the cut-layer activations of a
 * minibatch to the label holder; the label holder runs the top model and the loss, and sends
 * each party the gradient of the loss with respect to that party's activations; each party
 * back-propagates it through its bottom model.
 *
 * Top model: linear bottoms → z = b + Σ_P a_P (a fixed sum plus the one bias: the whole model is
 * then logistic regression on all columns); ReLU bottoms → z = c + Σ_P v_P·a_P, a logistic layer
 * over the concatenated cut layers. Loss: mean binary cross-entropy, plain SGD, every party
 * stepping with the same learning rate. The minibatch order comes from the shared 'shuffle'
 * stream (vertical/streams.ts), agreed at setup, so no row ids cross the wire.
 *
 * Messages are encoded by vertical/wire.ts (float32 by default, float64 on request) and the
 * receiver computes on the decoded values; byte counts are the encoded lengths. The label holder
 * keeps its own bottom model and sends nothing for it.
 *
 * With one party (the label holder holding every column) and linear bottoms, the computation is
 * model/logistic.ts lossAndGrad + model/optimizer.ts Sgd on the same minibatches, in the same
 * floating-point order: the parameters equal central training's bit for bit
 * (test/vertical/split-learning.test.ts).
 */
import { probabilityOf } from '../model/logistic.js';
import { shuffleInto } from '../model/train.js';
import { BottomModel } from './bottom-model.js';
import { labelHolderFirst, partyRows } from './columns.js';
import { shuffleSource, uniformSource, verticalStream } from './streams.js';
import type { VerticalExperimentConfig, VerticalPartyMatrix, VerticalProgress, VerticalTrainingData } from './types.js';
import { ByteCounter, decodeMatrix, encodeMatrix, type WireFormat } from './wire.js';

/**
 * What the label holder does to a gradient matrix before sending it (a leakage defence): may
 * change `gradients` (count rows × width) in place. `partyIndex` ≥ 1 indexes the parties without labels.
 */
export type GradientDefence = (partyIndex: number, gradients: Float64Array, count: number, width: number) => void;

/** Sees, on the receiving party's side, every decoded gradient message (for the leakage attacks). */
export type GradientObserver = (event: { partyIndex: number; epoch: number; rows: Uint32Array; count: number; width: number; gradients: Float64Array }) => void;

export interface SplitLearningOptions {
  defence?: GradientDefence;
  observer?: GradientObserver;
  onProgress?: VerticalProgress;
  arm?: string;
}

export interface SplitLearningModel {
  parties: VerticalPartyMatrix[];
  bottoms: BottomModel[];
  /** Linear: [b]. ReLU: [v_0 … v_{U−1}, c] over the concatenated cut layers (label holder first). */
  top: Float64Array;
  hiddenUnits: number;
}

export interface SplitLearningRun {
  model: SplitLearningModel;
  bytesByDirection: { forward: number; backward: number };
  epochs: number;
}

export function trainSplitLearning(data: VerticalTrainingData, config: VerticalExperimentConfig, options: SplitLearningOptions = {}): SplitLearningRun {
  const parties = labelHolderFirst(data);
  const h = config.bottomHiddenUnits;
  const format: WireFormat = config.wireFormat ?? 'float32';
  const bottoms = parties.map((p) => new BottomModel(p.cols, h, uniformSource(config.seed, `init/bottom/${p.partyId}`)));
  const units = h > 0 ? h * parties.length : 0;
  const top = new Float64Array(units + 1);
  if (h > 0) {
    const init = verticalStream(config.seed, 'init/top');
    const limit = Math.sqrt(6 / (units + 1)); // Glorot-uniform, as model/mlp.ts's output layer
    for (let u = 0; u < units; u++) top[u] = (2 * init.uniform() - 1) * limit;
  }
  const model: SplitLearningModel = { parties, bottoms, top, hiddenUnits: h };
  const counter = new ByteCounter();
  const train = data.trainIndices;
  const n = train.length;
  const batchSize = Math.min(Math.max(1, Math.floor(config.batchSize)), n);
  const random = shuffleSource(config.seed);
  const order = new Uint32Array(n);
  const rows = new Uint32Array(batchSize);
  const width = bottoms[0].outputs;
  const acts = parties.map(() => new Float64Array(batchSize * width));
  const xs = parties.map((p) => new Float64Array(batchSize * p.cols));
  const z = new Float64Array(batchSize);
  const residual = new Float64Array(batchSize);
  const grads = new Float64Array(batchSize * width);
  const topGrad = new Float64Array(top.length);
  const lr = config.learningRate;
  let step = 0;
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    shuffleInto(order, random);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      for (let k = 0; k < count; k++) rows[k] = train[order[start + k]];
      parties.forEach((p, i) => gatherInto(p, rows, count, xs[i]));
      // Forward: each party without labels computes its cut layer and sends it.
      for (let i = 1; i < parties.length; i++) {
        bottoms[i].forward(xs[i], count, acts[i]);
        const message = encodeMatrix('activations', step, count, width, acts[i], format);
        counter.add('forward', message.length);
        acts[i].set(decodeMatrix(message).values);
      }
      // The label holder: its own bottom, the top model, the residuals σ(z) − y.
      const y = data.labels;
      if (h === 0) {
        bottoms[0].forward(xs[0], count, z, top[0]);
        for (let i = 1; i < parties.length; i++) for (let k = 0; k < count; k++) z[k] += acts[i][k];
      } else {
        bottoms[0].forward(xs[0], count, acts[0]);
        for (let k = 0; k < count; k++) {
          let s = top[units];
          for (let i = 0; i < parties.length; i++) for (let o = 0; o < h; o++) s += top[i * h + o] * acts[i][k * h + o];
          z[k] = s;
        }
      }
      for (let k = 0; k < count; k++) {
        // The expression of model/logistic.ts lossAndGrad: ∂BCE/∂z = σ(z) − y.
        const zk = z[k];
        const e = Math.exp(-Math.abs(zk));
        const inv = 1 / (1 + e);
        residual[k] = (zk >= 0 ? inv : e * inv) - y[rows[k]];
      }
      const scale = 1 / count;
      // Top-model gradient (with the pre-step parameters, as one lossAndGrad would).
      topGrad.fill(0);
      if (h === 0) {
        let biasGrad = 0;
        for (let k = 0; k < count; k++) biasGrad += residual[k];
        topGrad[0] = biasGrad * scale;
      } else {
        let biasGrad = 0;
        for (let k = 0; k < count; k++) {
          biasGrad += residual[k];
          for (let i = 0; i < parties.length; i++) for (let o = 0; o < h; o++) topGrad[i * h + o] += residual[k] * acts[i][k * h + o];
        }
        for (let u = 0; u < units; u++) topGrad[u] *= scale;
        topGrad[units] = biasGrad * scale;
      }
      // Backward: ∂(mean loss)/∂a_P for each party without labels, sent back.
      for (let i = 1; i < parties.length; i++) {
        cutLayerGradient(residual, count, scale, h, top, i, grads);
        options.defence?.(i, grads, count, width);
        const message = encodeMatrix('gradients', step, count, width, grads, format);
        counter.add('backward', message.length);
        const received = decodeMatrix(message).values;
        options.observer?.({ partyIndex: i, epoch, rows, count, width, gradients: received });
        bottoms[i].backwardAndStep(xs[i], count, received, 1, lr);
      }
      // The label holder's own bottom: unscaled residuals times `scale` (logistic.ts's order).
      if (h === 0) bottoms[0].backwardAndStep(xs[0], count, residual, scale, lr);
      else {
        cutLayerGradient(residual, count, 1, h, top, 0, grads);
        bottoms[0].backwardAndStep(xs[0], count, grads, scale, lr);
      }
      for (let u = 0; u < top.length; u++) top[u] -= lr * topGrad[u];
      step++;
    }
    options.onProgress?.({ arm: options.arm ?? 'split-learning', epoch });
  }
  const perEpoch = (bytes: number) => (config.epochs > 0 ? bytes / config.epochs : 0);
  return { model, bytesByDirection: { forward: perEpoch(counter.forward), backward: perEpoch(counter.backward) }, epochs: config.epochs };
}

/** ∂(scale·Σ BCE)/∂a_i for party i: scale·r_k (linear) or scale·r_k·v_{i,o} (ReLU bottoms). */
function cutLayerGradient(residual: Float64Array, count: number, scale: number, h: number, top: Float64Array, partyIndex: number, out: Float64Array): void {
  if (h === 0) {
    for (let k = 0; k < count; k++) out[k] = residual[k] * scale;
    return;
  }
  for (let k = 0; k < count; k++) for (let o = 0; o < h; o++) out[k * h + o] = residual[k] * scale * top[partyIndex * h + o];
}

function gatherInto(p: VerticalPartyMatrix, rows: Uint32Array, count: number, out: Float64Array): void {
  const c = p.cols;
  for (let k = 0; k < count; k++) out.set(p.values.subarray(rows[k] * c, rows[k] * c + c), k * c);
}

/** P(y = 1) for `rows` under a trained split model (evaluation runs the same forward pass, in float64). */
export function predictSplit(model: SplitLearningModel, rows: Uint32Array): Float64Array {
  const { parties, bottoms, top, hiddenUnits: h } = model;
  const n = rows.length;
  const out = new Float64Array(n);
  const width = bottoms[0].outputs;
  const acts = parties.map((p, i) => {
    const a = new Float64Array(n * width);
    bottoms[i].forward(partyRows(p, rows), n, a, i === 0 && h === 0 ? top[0] : 0);
    return a;
  });
  for (let k = 0; k < n; k++) {
    let s: number;
    if (h === 0) {
      s = acts[0][k];
      for (let i = 1; i < parties.length; i++) s += acts[i][k];
    } else {
      s = top[h * parties.length];
      for (let i = 0; i < parties.length; i++) for (let o = 0; o < h; o++) s += top[i * h + o] * acts[i][k * h + o];
    }
    out[k] = probabilityOf(s);
  }
  return out;
}
