/**
 * A small multilayer perceptron for binary outcomes: d → h1 (→ h2) → 1, ReLU or tanh hidden
 * units, sigmoid output, mean BCE + (λ/2)·Σ‖W_l‖² (weights only, biases not penalized).
 * Forward and backward passes are manual loops over typed arrays with preallocated scratch.
 *
 * Flat parameter layout, layer by layer from the input (l = 0 … L−1, the last is the output):
 *   W_l  row-major [in_l × out_l]: W_l[i·out_l + o] connects input unit i to output unit o
 *   b_l  [out_l]
 * e.g. hidden [32] on d = 36: W_0 at [0, 1152), b_0 at [1152, 1184), W_1 at [1184, 1216),
 * b_1 at [1216]. `layers` exposes these offsets so that FL/DP code can address one layer.
 *
 * The layer structure is kept explicit (per-layer activations and deltas, per example) because
 * per-example gradient norms for DP-SGD need exactly those: for a dense layer, the per-example
 * weight gradient is the outer product a_in ⊗ δ, so ‖g_W‖² = ‖a_in‖²·‖δ‖² and ‖g_b‖² = ‖δ‖²
 * (Goodfellow 2015, "Efficient per-example gradient computations").
 *
 * DP-SGD (clippedGradSum) uses exactly that: one forward pass and one backward pass of the
 * deltas for the whole batch, per-example norms ‖g_i‖² = Σ_l (‖a_{l,i}‖² + 1)·‖δ_{l,i}‖² from the
 * stored activations and deltas, then each row's deltas (at every layer: backprop is linear in
 * δ) scaled by min(1, C/‖g_i‖), and the usual batch-summed weight-gradient loops over the scaled
 * deltas. No per-example gradient vector is materialized and there is no per-example backprop.
 *
 * The two big multiply loops (a hidden layer's forward pass and its weight gradient) run in
 * WebAssembly SIMD where available, else as register-blocked JavaScript (model/dense-backend.ts;
 * both bit-identical to plain loops). The backend owns the scratch buffers, so the caller's
 * parameters are staged into its memory once per batch and the gradient copied out once.
 */
import type { ClippedGradSum, LabeledData, Matrix, Model } from './types.js';
import { assertMatrixWidth, probabilityOf } from './logistic.js';
import { denseForwardOneUnit, denseWeightGradientOneUnit } from './dense-kernels.js';
import { createDenseBackend, type DenseBackend, type DenseKernelChoice } from './dense-backend.js';
import { perExampleGradNormsInto, scaleRowDeltas } from './dense-per-example.js';

export type HiddenActivation = 'relu' | 'tanh';

/** Where one dense layer's parameters sit in the flat vector. */
export interface DenseLayerLayout {
  readonly inputSize: number;
  readonly outputSize: number;
  /** Offset of W (row-major [inputSize × outputSize]). */
  readonly weightOffset: number;
  /** Offset of b ([outputSize]), right after W. */
  readonly biasOffset: number;
}

export interface MlpOptions {
  featureCount: number;
  /** Widths of the 1 or 2 hidden layers. */
  hiddenUnits: readonly number[];
  activation?: HiddenActivation;
  l2: number;
  /** Where the dense loops run (model/dense-backend.ts); the results are the same bits either way. */
  kernels?: DenseKernelChoice;
}

export class Mlp implements Model {
  readonly kind = 'mlp' as const;
  readonly featureCount: number;
  readonly paramCount: number;
  readonly l2: number;
  readonly activation: HiddenActivation;
  readonly hiddenUnits: readonly number[];
  /** Hidden layers first, the output layer (outputSize 1) last. */
  readonly layers: readonly DenseLayerLayout[];

  /** Rows the scratch buffers hold; grown on demand, never shrunk. */
  private capacity = 0;
  /** acts[0] = gathered input rows; acts[l+1] = activation of layer l ([capacity × out_l]). */
  private acts: Float64Array[] = [];
  /** deltas[l] = ∂objective/∂(pre-activation of layer l) for each row. */
  private deltas: Float64Array[] = [];
  private readonly kernelChoice: DenseKernelChoice;
  /** Created with the first buffers, so that a model that never trains holds no WebAssembly memory. */
  private backend: DenseBackend | null = null;
  /** The backend's copy of the parameters (WebAssembly reads only its own memory); unused by 'js'. */
  private paramStage = new Float64Array(0);
  /** The gradient accumulator in the backend's memory; unused by 'js'. */
  private gradStage = new Float64Array(0);
  /** Scratch for a hidden layer's transposed weights (propagating deltas between hidden layers). */
  private transposeStage = new Float64Array(0);

  constructor(options: MlpOptions) {
    const { featureCount, hiddenUnits, l2 } = options;
    if (!Number.isInteger(featureCount) || featureCount < 1) throw new RangeError(`featureCount must be a positive integer, got ${featureCount}`);
    if (hiddenUnits.length < 1 || hiddenUnits.length > 2) throw new RangeError(`an MLP has 1 or 2 hidden layers, got ${hiddenUnits.length}`);
    for (const h of hiddenUnits) {
      if (!Number.isInteger(h) || h < 1) throw new RangeError(`hidden layer widths must be positive integers, got ${h}`);
    }
    if (!(l2 >= 0) || !Number.isFinite(l2)) throw new RangeError(`l2 must be a finite number >= 0, got ${l2}`);
    this.featureCount = featureCount;
    this.hiddenUnits = [...hiddenUnits];
    this.activation = options.activation ?? 'relu';
    this.l2 = l2;
    const sizes = [featureCount, ...hiddenUnits, 1];
    const layers: DenseLayerLayout[] = [];
    let offset = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inputSize = sizes[l];
      const outputSize = sizes[l + 1];
      layers.push({ inputSize, outputSize, weightOffset: offset, biasOffset: offset + inputSize * outputSize });
      offset += inputSize * outputSize + outputSize;
    }
    this.layers = layers;
    this.paramCount = offset;
    this.kernelChoice = options.kernels ?? 'auto';
  }

  /** Which dense-loop backend this model runs ('wasm-simd' or 'js'). */
  get kernelBackend(): DenseBackend['name'] {
    return this.dense().name;
  }

  /**
   * Weights uniform, biases zero. Hidden ReLU layers: He-uniform, U(±√(6/in)) (He et al. 2015),
   * which keeps activation variance through ReLUs; tanh hidden layers and the sigmoid output:
   * Glorot-uniform, U(±√(6/(in+out))) (Glorot & Bengio 2010). Draws in flat-vector order.
   */
  init(random: () => number): Float64Array {
    const params = new Float64Array(this.paramCount);
    const last = this.layers.length - 1;
    this.layers.forEach((layer, l) => {
      const { inputSize, outputSize, weightOffset } = layer;
      const limit = l < last && this.activation === 'relu' ? Math.sqrt(6 / inputSize) : Math.sqrt(6 / (inputSize + outputSize));
      for (let k = 0; k < inputSize * outputSize; k++) params[weightOffset + k] = (2 * random() - 1) * limit;
    });
    return params;
  }

  lossAndGrad(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, gradOut: Float64Array): number {
    assertMatrixWidth(data, this.featureCount);
    // The mean over the batch is folded into the output deltas.
    const scale = count > 0 ? 1 / count : 0;
    const lossSum = this.backpropBatch(params, data, rows, count, scale);
    this.accumulateGradient(count, gradOut);
    return lossSum * scale + this.addL2(params, gradOut);
  }

  perExampleGradNorms(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, normsOut: Float64Array): Float64Array {
    if (normsOut.length < count) throw new RangeError(`perExampleGradNorms: normsOut has length ${normsOut.length}, need ${count}`);
    assertMatrixWidth(data, this.featureCount);
    this.backpropBatch(params, data, rows, count, 1);
    perExampleGradNormsInto(this.layers, this.acts, this.deltas, count, normsOut);
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
    if (!(clipNorm > 0)) throw new RangeError(`clipNorm must be > 0, got ${clipNorm}`);
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be finite and > 0, got ${scale}`);
    assertMatrixWidth(data, this.featureCount);
    // `scale` is folded into the output deltas as lossAndGrad folds 1/count: with no clipping the
    // sum then matches lossAndGrad's data term bit for bit. The norms below are of the scaled
    // gradients, scale·‖g_i‖, so they are compared with scale·C.
    const lossSum = this.backpropBatch(params, data, rows, count, scale);
    const norms = this.normScratch(count);
    perExampleGradNormsInto(this.layers, this.acts, this.deltas, count, norms);
    const scaledClip = clipNorm * scale;
    let clippedCount = 0;
    for (let k = 0; k < count; k++) {
      const norm = norms[k];
      if (norm > scaledClip) {
        clippedCount++;
        scaleRowDeltas(this.layers, this.deltas, k, scaledClip / norm);
      }
    }
    this.accumulateGradient(count, sumOut);
    return { clippedCount, lossSum };
  }

  addPenaltyGradient(params: Float64Array, gradOut: Float64Array): number {
    return this.addL2(params, gradOut);
  }

  predict(params: Float64Array, data: Matrix, out?: Float64Array): Float64Array {
    assertMatrixWidth(data, this.featureCount);
    const n = data.n;
    const result = out ?? new Float64Array(n);
    if (result.length < n) throw new RangeError(`predict: out has length ${result.length}, need ${n}`);
    // Chunks keep the scratch small whatever n is.
    const chunk = Math.max(this.capacity, 256);
    this.ensureCapacity(Math.min(chunk, n));
    const logits = this.acts[this.layers.length];
    const staged = this.stageParams(params);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      this.gatherRows(data, null, start, count);
      this.forward(staged, count);
      for (let k = 0; k < count; k++) result[start + k] = probabilityOf(logits[k]);
    }
    return result;
  }

  /**
   * Forward pass and backward pass of the deltas (no weight gradients) for rows[0..count):
   * deltas[l] row k = scale·∂BCE_k/∂(pre-activation of layer l). Returns Σ_k BCE_k.
   */
  private backpropBatch(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, scale: number): number {
    this.ensureCapacity(count);
    const staged = this.stageParams(params);
    this.gatherRows(data, rows, 0, count);
    this.forward(staged, count);
    const y = data.y;
    const last = this.layers.length - 1;
    const logits = this.acts[last + 1];
    const outDelta = this.deltas[last];
    let lossSum = 0;
    for (let k = 0; k < count; k++) {
      const z = logits[k];
      const yk = y[rows[k]];
      const e = Math.exp(-Math.abs(z));
      const inv = 1 / (1 + e);
      lossSum += (z > 0 ? z : 0) - yk * z + Math.log1p(e);
      outDelta[k] = ((z >= 0 ? inv : e * inv) - yk) * scale; // the same expression as lossAndGrad
    }
    for (let l = last; l > 0; l--) this.propagateDelta(staged, l, count);
    return lossSum;
  }

  private dense(): DenseBackend {
    this.backend ??= createDenseBackend(this.kernelChoice);
    return this.backend;
  }

  /** The parameters where the kernels can read them: the caller's array, or a copy in WebAssembly memory. */
  private stageParams(params: Float64Array): Float64Array {
    if (this.dense().name === 'js') return params;
    if (params.length < this.paramCount) throw new RangeError(`params has length ${params.length}, need ${this.paramCount}`);
    this.paramStage.set(params.length === this.paramCount ? params : params.subarray(0, this.paramCount));
    return this.paramStage;
  }

  /** out = Σ over layers of the batch's weight and bias gradients (from the stored deltas). */
  private accumulateGradient(count: number, out: Float64Array): void {
    const staged = this.dense().name !== 'js';
    const target = staged ? this.gradStage : out;
    target.fill(0);
    for (let l = this.layers.length - 1; l >= 0; l--) this.accumulateLayerGradient(l, count, target);
    if (staged) {
      out.set(target);
      out.fill(0, target.length);
    }
  }

  private norms = new Float64Array(0);

  private normScratch(count: number): Float64Array {
    if (this.norms.length < count) this.norms = new Float64Array(Math.max(count, 2 * this.norms.length));
    return this.norms;
  }

  private ensureCapacity(count: number): void {
    if (count <= this.capacity && this.acts.length > 0) return;
    this.capacity = Math.max(count, this.capacity);
    const rows = this.capacity;
    const L = this.layers.length;
    const widths = this.layers.map((layer) => rows * layer.outputSize);
    const staged = this.dense().name !== 'js';
    const stageLength = staged ? this.paramCount : 0;
    const widest = Math.max(...this.layers.map((layer) => layer.outputSize));
    // Layers above the first with several units propagate through their transposed weights.
    const transposeLength = staged ? Math.max(0, ...this.layers.slice(1).filter((l) => l.outputSize > 1).map((l) => l.inputSize * (l.outputSize + 1))) : 0;
    let buffers: Float64Array<ArrayBuffer>[];
    try {
      buffers = this.dense().allocate([rows * this.featureCount, ...widths, ...widths, stageLength, stageLength, transposeLength], widest);
    } catch (err) {
      if (!staged || !(err instanceof RangeError)) throw err;
      // WebAssembly memory stops at 4 GiB (less in some runtimes): a batch too large for it runs
      // on the JavaScript kernels, which give the same results.
      this.backend = createDenseBackend('js');
      this.acts = [];
      this.ensureCapacity(count);
      return;
    }
    this.acts = buffers.slice(0, L + 1);
    this.deltas = buffers.slice(L + 1, 2 * L + 1);
    this.paramStage = buffers[2 * L + 1];
    this.gradStage = buffers[2 * L + 2];
    this.transposeStage = buffers[2 * L + 3];
  }

  /** Copies rows (rows[k], or start + k when rows is null) into acts[0] as a dense batch. */
  private gatherRows(data: Matrix, rows: Uint32Array | null, start: number, count: number): void {
    const d = this.featureCount;
    const x = data.x;
    const input = this.acts[0];
    // Block-shuffled minibatches (and predict's chunks) are runs of consecutive rows: one copy.
    const first = rows ? rows[0] : start;
    let consecutive = true;
    if (rows) for (let k = 1; k < count && consecutive; k++) consecutive = rows[k] === first + k;
    if (consecutive) {
      if (count > 0) input.set(x.subarray(first * d, (first + count) * d));
      return;
    }
    // A copy loop, not set(subarray) per row: a subarray is an object allocated per row.
    for (let k = 0, to = 0; k < count; k++) {
      const src = (rows ? rows[k] : start + k) * d;
      for (let j = 0; j < d; j++, to++) input[to] = x[src + j];
    }
  }

  /** acts[l+1] = act(acts[l]·W_l + b_l) for hidden layers; the output layer keeps the logit. */
  private forward(params: Float64Array, count: number): void {
    const last = this.layers.length - 1;
    for (let l = 0; l < last; l++) this.forwardHidden(params, l, count);
    const { inputSize, weightOffset, biasOffset } = this.layers[last];
    denseForwardOneUnit(params, weightOffset, biasOffset, this.acts[last], inputSize, this.acts[last + 1], count);
  }

  private forwardHidden(params: Float64Array, l: number, count: number): void {
    const { inputSize, outputSize, weightOffset, biasOffset } = this.layers[l];
    const output = this.acts[l + 1];
    // WebAssembly SIMD or register-blocked JavaScript: bit-identical to the plain loops.
    const relu = this.activation === 'relu';
    this.dense().denseForward(params, weightOffset, biasOffset, this.acts[l], inputSize, output, outputSize, count, relu);
    if (!relu) for (let j = 0, end = count * outputSize; j < end; j++) output[j] = Math.tanh(output[j]);
  }

  /**
   * Given deltas[l], accumulates ∂/∂W_l = Σ_k a_in[k] ⊗ δ[k] and ∂/∂b_l = Σ_k δ[k] into grad.
   */
  private accumulateLayerGradient(l: number, count: number, grad: Float64Array): void {
    const { inputSize, outputSize, weightOffset, biasOffset } = this.layers[l];
    const input = this.acts[l];
    const delta = this.deltas[l];
    if (outputSize === 1) {
      // The one-unit output layer: scalar δ per row.
      let biasGrad = 0;
      for (let k = 0; k < count; k++) biasGrad += delta[k];
      denseWeightGradientOneUnit(input, inputSize, delta, count, grad, weightOffset);
      grad[biasOffset] += biasGrad;
      return;
    }
    this.dense().columnSums(delta, outputSize, count, grad, biasOffset);
    // ∂W[i, o] = Σ_k a[k, i]·δ[k, o], summed over the batch in registers (model/dense-backend.ts),
    // so each gradient entry is read and written once per batch rather than once per row.
    this.dense().denseWeightGradient(input, inputSize, delta, outputSize, count, grad, weightOffset);
  }

  /**
   * δ_{l−1} = (δ_l·W_lᵀ) ⊙ act′ (l ≥ 1), with act′ read off the stored activation (ReLU: a > 0;
   * tanh: 1 − a²). The first layer's input is data, so nothing propagates below it.
   */
  private propagateDelta(params: Float64Array, l: number, count: number): void {
    const { inputSize, outputSize, weightOffset } = this.layers[l];
    const input = this.acts[l];
    const delta = this.deltas[l];
    const below = this.deltas[l - 1];
    const backend = this.dense();
    if (outputSize === 1) {
      backend.propagateOneUnit(this.activation, params, weightOffset, delta, input, below, inputSize, count);
      return;
    }
    backend.propagateDense(params, weightOffset, inputSize, outputSize, delta, below, count, this.transposeStage);
    backend.activationDerivative(this.activation, input, below, count * inputSize);
  }

  /** Adds λ·W to the weight gradients; returns (λ/2)·Σ‖W_l‖². */
  private addL2(params: Float64Array, grad: Float64Array): number {
    const l2 = this.l2;
    if (l2 === 0) return 0;
    let sq = 0;
    for (const { inputSize, outputSize, weightOffset } of this.layers) {
      const end = weightOffset + inputSize * outputSize;
      for (let j = weightOffset; j < end; j++) {
        const w = params[j];
        sq += w * w;
        grad[j] += l2 * w;
      }
    }
    return 0.5 * l2 * sq;
  }
}
