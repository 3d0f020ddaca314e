/**
 * Minibatch training of a model on one data set: the loop every arm shares (central, local, and
 * each client's local update in federated arms), so that arms differ only in what they train on
 * and how updates are combined.
 *
 * Epoch mode: each epoch visits a fresh permutation of the rows in minibatches of batchSize (the
 * last one may be smaller), as PyTorch's DataLoader(shuffle=True, drop_last=False).
 * Step mode: `steps` minibatches drawn from consecutive reshuffled epochs (FLamby's
 * "num_updates" local steps): a step never mixes rows of two epochs.
 */
import type { LabeledData, LocalTrainingOptions, LocalTrainingResult, Model } from './types.js';

/** Fisher–Yates shuffle of 0..n-1 into `order`, driven by `random` (uniform [0, 1)). */
export function shuffleInto(order: Uint32Array, random: () => number): void {
  const n = order.length;
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

/** Trains params in place. */
export function trainLocal(model: Model, params: Float64Array, data: LabeledData, opts: LocalTrainingOptions): LocalTrainingResult {
  const n = data.n;
  if ((opts.epochs === undefined) === (opts.steps === undefined)) {
    throw new RangeError('local training needs exactly one of epochs or steps');
  }
  if (!(opts.batchSize >= 1)) throw new RangeError(`batch size must be >= 1, got ${opts.batchSize}`);
  if (n === 0) return { steps: 0, examplesSeen: 0, lastLoss: Number.NaN };
  const batchSize = Math.min(Math.floor(opts.batchSize), n);
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = opts.steps ?? (opts.epochs as number) * batchesPerEpoch;
  const order = new Uint32Array(n);
  const batchRows = new Uint32Array(batchSize);
  const grad = new Float64Array(model.paramCount);
  let examplesSeen = 0;
  let lossSum = 0;
  let lossCount = 0;
  let position = n; // forces a shuffle on the first step
  for (let step = 0; step < totalSteps; step++) {
    if (position >= n) {
      shuffleInto(order, opts.random);
      position = 0;
    }
    const count = Math.min(batchSize, n - position);
    for (let k = 0; k < count; k++) batchRows[k] = order[position + k];
    position += count;
    const loss = model.lossAndGrad(params, data, batchRows, count, grad);
    opts.adjustGradient?.(params, grad);
    opts.optimizer.step(params, grad);
    examplesSeen += count;
    // The loss reported is over the last epoch's worth of examples (or fewer in step mode).
    if (totalSteps - step <= batchesPerEpoch) {
      lossSum += loss * count;
      lossCount += count;
    }
  }
  return { steps: totalSteps, examplesSeen, lastLoss: lossCount > 0 ? lossSum / lossCount : Number.NaN };
}
