/**
 * Sample-level DP-SGD: Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar & Zhang 2016, "Deep
 * Learning with Differential Privacy", CCS, Algorithm 1, with Poisson sampling as Opacus
 * implements it (opacus/optimizers/optimizer.py, DPOptimizer with expected_batch_size).
 *
 * Each step t:
 *   B_t  ← Poisson sample of the n examples at rate q           (poisson-sampling.ts; |B_t| varies,
 *                                                                  an empty batch is a valid step)
 *   ḡ    ← Σ_{i∈B_t} g_i·min(1, C/‖g_i‖)                         (per-example clipping, inside the
 *                                                                  model: Model.clippedGradSum)
 *   g̃    ← (ḡ + N(0, σ²C²·I)) / (q·n)                            (noise on the clipped SUM, then the
 *                                                                  EXPECTED batch size q·n, not |B_t|:
 *                                                                  dividing by |B_t| would make the
 *                                                                  scale data-dependent; Opacus's
 *                                                                  convention for Poisson sampling)
 *   g̃    += ∇(λ/2)‖w‖²                                          (the L2 penalty: data-independent,
 *                                                                  added after the noise — post-
 *                                                                  processing, no privacy cost)
 *   g̃    ← adjustGradient(g̃)                                     (FedProx's μ(w − w_global),
 *                                                                  SCAFFOLD's c − c_i: functions of
 *                                                                  already-released values only)
 *   θ    ← optimizer.step(θ, g̃)                                  (any optimizer: post-processing)
 *
 * One step is the Poisson-subsampled Gaussian mechanism with noise multiplier σ and rate q on the
 * add/remove-one-example adjacency (sensitivity C of the clipped sum); T steps compose. The
 * accountant (privacy/accountant/) turns (σ, q, T) into (ε, δ); `DpSgdResult` carries exactly
 * those three. Per-example gradients come in closed form (logistic) or from the per-layer norm
 * trick (MLP, Goodfellow 2015) — never a per-example backprop loop.
 *
 * What is NOT covered by the guarantee: the training loss and realized batch sizes reported in
 * the result are computed from the data without noise. They are diagnostics for the site that
 * ran the training; callers that send results off-site (federated clients) withhold the loss.
 */
import type { LocalTrainingResult, Model, Optimizer, LabeledData } from '../model/types.js';
import { hasPerExampleGradients } from '../model/types.js';
import type { GaussianNoise } from './noise-types.js';
import { checkSampleRate, poissonSample, poissonStepsPerEpoch } from './poisson-sampling.js';
import { AccountantInputError } from './accountant/input-error.js';
import { isAccountableNoiseMultiplier, noiseMultiplierRangeMessage } from './accountant/rdp.js';

export interface DpSgdOptions {
  /** Poisson sampling rate q ∈ (0, 1]: each example joins each step's batch with probability q. */
  sampleRate: number;
  /** Noise multiplier σ ≥ 0: the noise on the clipped sum has sd σ·C. σ = 0 adds no noise (no privacy). */
  noiseMultiplier: number;
  /** Per-example clip norm C > 0 (L2). Infinity disables clipping (and any privacy). */
  clipNorm: number;
  /** Exactly one of steps (T) or epochs (T = epochs·⌊1/q⌋, Opacus's steps per epoch). */
  steps?: number;
  epochs?: number;
  optimizer: Optimizer;
  /** Uniform [0, 1) stream for Poisson sampling (seeded: sampling need not be secret, the noise must). */
  random: () => number;
  /** Source of the Gaussian noise (secure in the product; seeded only when explicitly asked). */
  noise: GaussianNoise;
  /** Called with the privatized gradient before each optimizer step (FedProx, SCAFFOLD). */
  adjustGradient?: (params: Float64Array, grad: Float64Array) => void;
}

export interface BatchSizeSummary {
  min: number;
  max: number;
  mean: number;
}

/**
 * `steps` = T; `examplesSeen` = Σ realized batch sizes; `lastLoss` = mean unregularized BCE over
 * the examples sampled in the last epoch's worth of steps (no penalty term; not privatized).
 */
export interface DpSgdResult extends LocalTrainingResult {
  /** What the accountant needs: T steps of the subsampled Gaussian with (σ, q). */
  noiseMultiplier: number;
  sampleRate: number;
  clipNorm: number;
  /** q·n, the divisor of the noised sum. */
  expectedBatchSize: number;
  /** Realized Poisson batch sizes (a diagnostic, not privatized). */
  batchSize: BatchSizeSummary;
  /** Steps whose batch was empty (noise only). */
  emptySteps: number;
  /** Fraction of sampled examples whose gradient was clipped (a diagnostic for tuning C, not privatized). */
  clippedFraction: number;
  /** Whether the noise came from a cryptographically secure source. */
  noiseSecure: boolean;
}

function checkOptions(opts: DpSgdOptions): void {
  checkSampleRate(opts.sampleRate);
  if (!(opts.noiseMultiplier >= 0) || !Number.isFinite(opts.noiseMultiplier)) {
    throw new RangeError(`noise multiplier σ must be finite and >= 0, got ${opts.noiseMultiplier}`);
  }
  // A σ the accountant cannot account is refused before training, not after it.
  if (!isAccountableNoiseMultiplier(opts.noiseMultiplier)) throw new AccountantInputError(noiseMultiplierRangeMessage('DP-SGD noise multiplier', opts.noiseMultiplier));
  if (!(opts.clipNorm > 0)) throw new RangeError(`clip norm C must be > 0, got ${opts.clipNorm}`);
  if (opts.noiseMultiplier > 0 && !Number.isFinite(opts.clipNorm)) {
    throw new RangeError('noise multiplier σ > 0 needs a finite clip norm C (the noise sd is σ·C)');
  }
  if ((opts.steps === undefined) === (opts.epochs === undefined)) throw new RangeError('DP-SGD needs exactly one of steps or epochs');
  if (opts.steps !== undefined && !(Number.isInteger(opts.steps) && opts.steps >= 0)) {
    throw new RangeError(`steps must be a non-negative integer, got ${opts.steps}`);
  }
  if (opts.epochs !== undefined && !(Number.isInteger(opts.epochs) && opts.epochs >= 0)) {
    throw new RangeError(`epochs must be a non-negative integer, got ${opts.epochs}`);
  }
}

/** T for a DP-SGD run: `steps`, or epochs·⌊1/q⌋ (Opacus's UniformWithReplacementSampler). */
export function dpSgdSteps(budget: { steps?: number; epochs?: number }, sampleRate: number): number {
  if (budget.steps !== undefined) return budget.steps;
  if (budget.epochs === undefined) throw new RangeError('DP-SGD needs exactly one of steps or epochs');
  return budget.epochs * poissonStepsPerEpoch(sampleRate);
}

/** Trains params in place with DP-SGD; see the module comment for the step. */
export function trainDpSgd(model: Model, params: Float64Array, data: LabeledData, opts: DpSgdOptions): DpSgdResult {
  checkOptions(opts);
  if (!hasPerExampleGradients(model)) {
    throw new RangeError(`model '${model.kind}' on this backend has no per-example gradients; DP-SGD needs the typed-array (js) backend`);
  }
  if (params.length !== model.paramCount) throw new RangeError(`params has ${params.length} values, the model has ${model.paramCount}`);
  const n = data.n;
  if (n === 0) throw new RangeError('DP-SGD needs at least one training example');
  const { sampleRate: q, noiseMultiplier: sigma, clipNorm } = opts;
  const totalSteps = dpSgdSteps(opts, q);
  const expectedBatchSize = q * n;
  const scale = 1 / expectedBatchSize;
  const noiseSd = sigma * clipNorm * scale; // sd of N(0, σ²C²) on the sum, after dividing by q·n
  const stepsPerEpoch = poissonStepsPerEpoch(q);

  const rows = new Uint32Array(n);
  const grad = new Float64Array(model.paramCount);
  const noise = sigma > 0 ? new Float64Array(model.paramCount) : null;
  let examplesSeen = 0;
  let clipped = 0;
  let emptySteps = 0;
  let minBatch = totalSteps > 0 ? Number.POSITIVE_INFINITY : 0;
  let maxBatch = 0;
  let lossSum = 0;
  let lossCount = 0;
  for (let step = 0; step < totalSteps; step++) {
    const count = poissonSample(n, q, opts.random, rows);
    const r = model.clippedGradSum(params, data, rows, count, clipNorm, grad, scale);
    if (noise) {
      opts.noise.fillGaussian(noise, noiseSd);
      for (let j = 0; j < grad.length; j++) grad[j] += noise[j];
    }
    model.addPenaltyGradient(params, grad);
    opts.adjustGradient?.(params, grad);
    opts.optimizer.step(params, grad);
    examplesSeen += count;
    clipped += r.clippedCount;
    if (count === 0) emptySteps++;
    if (count < minBatch) minBatch = count;
    if (count > maxBatch) maxBatch = count;
    // As trainLocal: the loss over the last epoch's worth of steps.
    if (totalSteps - step <= stepsPerEpoch) {
      lossSum += r.lossSum;
      lossCount += count;
    }
  }
  return {
    steps: totalSteps,
    examplesSeen,
    lastLoss: lossCount > 0 ? lossSum / lossCount : Number.NaN,
    noiseMultiplier: sigma,
    sampleRate: q,
    clipNorm,
    expectedBatchSize,
    batchSize: { min: minBatch, max: maxBatch, mean: totalSteps > 0 ? examplesSeen / totalSteps : 0 },
    emptySteps,
    clippedFraction: examplesSeen > 0 ? clipped / examplesSeen : 0,
    noiseSecure: opts.noise.secure,
  };
}
