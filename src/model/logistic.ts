/**
 * L2-regularized logistic regression over a flat parameter vector: the hot path of every
 * benchmark arm, so lossAndGrad is a pair of hand-written typed-array loops that allocate nothing.
 *
 * Parameter layout (paramCount = d + 1): params[0..d) = weights w, params[d] = bias b.
 * Objective over a minibatch B: (1/|B|)·Σ_{i∈B} BCE(y_i, σ(w·x_i + b)) + (λ/2)·‖w‖² (bias not
 * penalized, as in scikit-learn's and PyTorch's usual weight-decay practice for intercepts).
 *
 * Per-example gradients (DP-SGD) in closed form: the loss gradient of row i is
 * g_i = (p_i − y_i)·[x_i, 1] with p_i = σ(w·x_i + b), so ‖g_i‖ = |p_i − y_i|·√(‖x_i‖² + 1) —
 * one extra multiply-add per feature over lossAndGrad, no per-example vector ever stored.
 */
import type { ClippedGradSum, LabeledData, Matrix, Model } from './types.js';
import { logisticBatchClippedGradient, logisticBatchGradient, logisticLogitsInto } from './logistic-kernels.js';

/**
 * Binary cross-entropy of the logit z against label y in a form that never overflows:
 * −y·log σ(z) − (1−y)·log(1−σ(z)) = max(z, 0) − y·z + log1p(exp(−|z|)).
 */
export function bceWithLogit(z: number, y: number): number {
  return (z > 0 ? z : 0) - y * z + Math.log1p(Math.exp(-Math.abs(z)));
}

/** σ(z) without overflow: exp only ever sees −|z| ≤ 0. Rounds to exactly 0 or 1 for huge |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** The largest double below 1. */
const ONE_MINUS_ULP = 1 - 2 ** -53;

/**
 * A predicted probability strictly inside (0, 1): σ(z) rounds to 1 for z > ~37 and to 0 for
 * z < ~−745, and a prediction of exactly 0 or 1 turns log-loss and calibration logits infinite.
 * Clamping to the nearest representable interior value changes nothing else.
 */
export function probabilityOf(z: number): number {
  const p = sigmoid(z);
  return p < Number.MIN_VALUE ? Number.MIN_VALUE : p > ONE_MINUS_ULP ? ONE_MINUS_ULP : p;
}

/**
 * start + Σ_{j<d} a[aOff + j]·x[xOff + j], one running sum in column order (from `start`: the
 * bias, added first). The training, DP-SGD and predict loops (model/logistic-kernels.ts) compute
 * every row's logit in exactly this order, four rows at a time, so that an unclipped row
 * contributes the same bits everywhere. Why not four accumulators per dot product (measured
 * 1.15–1.39x faster at d = 70, perf:train-loop): a sum split over lanes rounds differently when
 * two columns trade places, and the column order of the design matrix is not fixed by the
 * data's content — one-hot levels follow the file's dictionary order, which differs between an
 * Arrow directory and its Parquet export. The sequential sum is unchanged by swapping a one-hot
 * pair (one of the two terms is an exact 0), so both give the same results
 * (test/e2e/export.test.ts); the 4-lane sum broke that.
 */
export function dot(a: Float64Array, x: Float64Array, xOff: number, d: number, aOff = 0, start = 0): number {
  let s = start;
  for (let j = 0; j < d; j++) s += a[aOff + j] * x[xOff + j];
  return s;
}


/** out[j] += alpha·x[xOff + j] for j < d, four at a time (independent stores, no chain). */
export function axpy(alpha: number, x: Float64Array, xOff: number, out: Float64Array, d: number): void {
  const blocked = d & ~3;
  let j = 0;
  for (; j < blocked; j += 4) {
    out[j] += alpha * x[xOff + j];
    out[j + 1] += alpha * x[xOff + j + 1];
    out[j + 2] += alpha * x[xOff + j + 2];
    out[j + 3] += alpha * x[xOff + j + 3];
  }
  for (; j < d; j++) out[j] += alpha * x[xOff + j];
}
/** Rejects data whose width is not the model's input width (the loops would read garbage). */
export function assertMatrixWidth(data: Matrix, featureCount: number): void {
  if (data.d !== featureCount) throw new RangeError(`data has ${data.d} features, model expects ${featureCount}`);
  if (data.x.length < data.n * data.d) throw new RangeError(`data.x has ${data.x.length} values, need n·d = ${data.n * data.d}`);
}

export class LogisticRegression implements Model {
  readonly kind = 'logistic' as const;
  readonly paramCount: number;
  /** The kernels' small outputs (bias sum, clipped count) and per-row scratch: no allocation per batch. */
  private readonly sums = new Float64Array(2);
  private readonly scratch = new Float64Array(8);

  constructor(
    readonly featureCount: number,
    readonly l2: number,
  ) {
    if (!Number.isInteger(featureCount) || featureCount < 1) throw new RangeError(`featureCount must be a positive integer, got ${featureCount}`);
    if (!(l2 >= 0) || !Number.isFinite(l2)) throw new RangeError(`l2 must be a finite number >= 0, got ${l2}`);
    this.paramCount = featureCount + 1;
  }

  /**
   * Zeros, not random draws: the objective is convex, so the start point only affects the path,
   * and a zero start makes every site and arm begin from the same, seed-free point. `random` is
   * accepted for the shared interface and not consumed (no stream shifts).
   */
  init(_random: () => number): Float64Array {
    return new Float64Array(this.paramCount);
  }

  lossAndGrad(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, gradOut: Float64Array): number {
    const d = this.featureCount;
    assertMatrixWidth(data, d);
    gradOut.fill(0);
    // Four rows at a time, each row's bits those of the one-row loop (model/logistic-kernels.ts).
    const lossSum = logisticBatchGradient(params, data.x, data.y, d, rows, count, gradOut, this.sums, this.scratch);
    const biasGrad = this.sums[0];
    // An empty batch has no data term (rather than 0/0); the penalty still applies.
    const scale = count > 0 ? 1 / count : 0;
    const l2 = this.l2;
    let wSq = 0;
    for (let j = 0; j < d; j++) {
      const w = params[j];
      wSq += w * w;
      gradOut[j] = gradOut[j] * scale + l2 * w;
    }
    gradOut[d] = biasGrad * scale;
    return lossSum * scale + 0.5 * l2 * wSq;
  }

  perExampleGradNorms(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, normsOut: Float64Array): Float64Array {
    const d = this.featureCount;
    assertMatrixWidth(data, d);
    if (normsOut.length < count) throw new RangeError(`perExampleGradNorms: normsOut has length ${normsOut.length}, need ${count}`);
    const x = data.x;
    const y = data.y;
    const bias = params[d];
    for (let k = 0; k < count; k++) {
      const off = rows[k] * d;
      const z = dot(params, x, off, d, 0, bias);
      const xSq = dot(x, x, off, d, off);
      normsOut[k] = Math.abs(sigmoid(z) - y[rows[k]]) * Math.sqrt(xSq + 1);
    }
    return normsOut;
  }

  clippedGradSum(
    params: Float64Array,
    data: LabeledData,
    rows: Uint32Array,
    count: number,
    clipNorm: number,
    sumOut: Float64Array,
    scale = 1,
  ): ClippedGradSum {
    const d = this.featureCount;
    assertMatrixWidth(data, d);
    if (!(clipNorm > 0)) throw new RangeError(`clipNorm must be > 0, got ${clipNorm}`);
    sumOut.fill(0);
    // The same residual and loss expressions as lossAndGrad (model/logistic-kernels.ts), so that
    // an unclipped row contributes the same bits.
    const lossSum = logisticBatchClippedGradient(params, data.x, data.y, d, rows, count, clipNorm, sumOut, this.sums, this.scratch);
    const biasSum = this.sums[0];
    const clippedCount = this.sums[1];
    for (let j = 0; j < d; j++) sumOut[j] *= scale;
    sumOut[d] = biasSum * scale;
    return { clippedCount, lossSum };
  }

  addPenaltyGradient(params: Float64Array, gradOut: Float64Array): number {
    const d = this.featureCount;
    const l2 = this.l2;
    let wSq = 0;
    for (let j = 0; j < d; j++) {
      const w = params[j];
      wSq += w * w;
      gradOut[j] += l2 * w;
    }
    return 0.5 * l2 * wSq;
  }

  predict(params: Float64Array, data: Matrix, out?: Float64Array): Float64Array {
    const d = this.featureCount;
    assertMatrixWidth(data, d);
    const n = data.n;
    const x = data.x;
    const result = out ?? new Float64Array(n);
    if (result.length < n) throw new RangeError(`predict: out has length ${result.length}, need ${n}`);
    logisticLogitsInto(params, x, d, n, result);
    for (let i = 0; i < n; i++) result[i] = probabilityOf(result[i]);
    return result;
  }
}
