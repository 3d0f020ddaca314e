/**
 * The model layer's one interface: models over flat parameter vectors. The flat Float64Array is
 * the currency of federated learning, DP and secure aggregation: strategies average it, DP clips
 * and noises it, secure aggregation masks it, and results count its bytes.
 */

/** A row-major design matrix: row i is x[i*d .. i*d+d). */
export interface Matrix {
  readonly n: number;
  readonly d: number;
  readonly x: Float64Array;
}

/** A design matrix with binary labels (0 or 1). */
export interface LabeledData extends Matrix {
  readonly y: Float64Array;
}

export type ModelKind = 'logistic' | 'mlp';

export interface Model {
  readonly kind: ModelKind;
  /** Input width d. */
  readonly featureCount: number;
  readonly paramCount: number;
  /** L2 penalty strength λ: the objective adds (λ/2)·‖w‖² over weights (biases excluded). */
  readonly l2: number;
  /** Fresh parameters; `random` returns uniforms in [0, 1) from a seeded stream. */
  init(random: () => number): Float64Array;
  /**
   * Mean binary cross-entropy over rows[0..count) of `data` plus the L2 term; writes the
   * gradient of that objective into gradOut (overwritten, length paramCount) and returns it.
   */
  lossAndGrad(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, gradOut: Float64Array): number;
  /** P(y = 1 | x) for every row of data, written into out (allocated when omitted). */
  predict(params: Float64Array, data: Matrix, out?: Float64Array): Float64Array;
  /**
   * Optional per-example gradient support for DP-SGD (privacy/dp-sgd.ts). A model that has all
   * three (see `hasPerExampleGradients`) can be trained with sample-level DP; the typed-array
   * LogisticRegression and Mlp do, the tfjs backend does not.
   *
   * The per-example gradient g_i is the gradient of the loss of row i alone, BCE(y_i, f(x_i)),
   * WITHOUT the L2 term: the penalty does not depend on data, so DP-SGD adds its gradient after
   * the noise (post-processing, no privacy cost) through `addPenaltyGradient`.
   */
  perExampleGradNorms?(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, normsOut: Float64Array): Float64Array;
  /**
   * sumOut ← scale · Σ_{k<count} min(1, clipNorm/‖g_{rows[k]}‖)·g_{rows[k]} (overwritten): the
   * sum of per-example gradients, each clipped to L2 norm ≤ clipNorm (Abadi et al. 2016,
   * Algorithm 1), times `scale` (default 1; DP-SGD passes 1/(expected batch size)). clipNorm may
   * be Infinity (no clipping). With clipNorm = Infinity and scale = 1/count, sumOut equals the
   * data term of lossAndGrad bit for bit (the models apply `scale` where lossAndGrad applies 1/count).
   */
  clippedGradSum?(
    params: Float64Array,
    data: LabeledData,
    rows: Uint32Array,
    count: number,
    clipNorm: number,
    sumOut: Float64Array,
    scale?: number,
  ): ClippedGradSum;
  /** gradOut += ∇ of the L2 penalty (λ·w on weights, 0 on biases); returns the penalty (λ/2)·‖w‖². */
  addPenaltyGradient?(params: Float64Array, gradOut: Float64Array): number;
}

export interface ClippedGradSum {
  /** Rows whose gradient norm exceeded clipNorm (and were scaled down). */
  clippedCount: number;
  /** Σ of the rows' unregularized BCE losses (a diagnostic; not privatized). */
  lossSum: number;
}

/** A model with the per-example gradient methods DP-SGD needs. */
export type PerExampleModel = Model & Required<Pick<Model, 'perExampleGradNorms' | 'clippedGradSum' | 'addPenaltyGradient'>>;

export function hasPerExampleGradients(model: Model): model is PerExampleModel {
  return typeof model.perExampleGradNorms === 'function' && typeof model.clippedGradSum === 'function' && typeof model.addPenaltyGradient === 'function';
}

/** An in-place first-order optimizer over a flat parameter vector. */
export interface Optimizer {
  readonly name: string;
  /** params ← params − update(grad); keeps its own state (momentum, moments). */
  step(params: Float64Array, grad: Float64Array): void;
  /** Forget state (a fresh optimizer for a new local training run). */
  reset(): void;
}

export interface OptimizerConfig {
  kind: 'sgd' | 'adam';
  learningRate: number;
  /** SGD momentum (0 = plain SGD). */
  momentum?: number;
  /** Adam: defaults 0.9, 0.999, 1e-8 as in Kingma & Ba 2015 and PyTorch. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface LocalTrainingOptions {
  batchSize: number;
  /** Exactly one of epochs (full passes over a reshuffled order) or steps (minibatch updates). */
  epochs?: number;
  steps?: number;
  optimizer: Optimizer;
  /** Uniform [0, 1) source for shuffling (seeded stream). */
  random: () => number;
  /**
   * Minibatch order per epoch: 'reshuffle' (default) permutes the rows; 'block-shuffle' permutes
   * blocks of `batchesPerBlock` (default 1) whole minibatches of consecutive rows — faster
   * (sequential reads), equivalent only for rows stored in random order (model/train.ts
   * blockShuffleInto states when and why).
   */
  sampling?: { kind: 'reshuffle' } | { kind: 'block-shuffle'; batchesPerBlock?: number };
  /**
   * Called with the minibatch gradient before each optimizer step: FedProx adds μ(w − w_global),
   * SCAFFOLD adds (c − c_i). Mutates grad in place.
   */
  adjustGradient?: (params: Float64Array, grad: Float64Array) => void;
}

export interface LocalTrainingResult {
  steps: number;
  examplesSeen: number;
  /** Mean training loss over the last epoch's (or the last up-to-n examples') minibatches. */
  lastLoss: number;
}
