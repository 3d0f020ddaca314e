/**
 * TensorFlow.js implementations of the same models (logistic, MLP), as a cross-check of the
 * hand-written gradients and as an optional backend. Same Model interface, same flat parameter
 * layout (borrowed from the typed-array model), autodiff over the flat vector: the objective
 * slices and reshapes the one parameter tensor inside the tape, so the gradient comes back flat.
 *
 * tfjs computes in float32: losses and gradients agree with the float64 typed path to ~1e-6
 * relative, not to the last bit. It is also far slower per minibatch of 32 (kernel dispatch and
 * tensor allocation dominate), which perf/train.ts measures.
 *
 * Nothing here imports tfjs at module load (types only): it is a large package, and most runs
 * never use it. Call `await loadTfjs()` once; after that `createModel({ backend: 'tfjs' })` works.
 */
import type * as TfModule from '@tensorflow/tfjs';
import type { LabeledData, Matrix, Model } from './types.js';
import { LogisticRegression, assertMatrixWidth, probabilityOf } from './logistic.js';
import { Mlp } from './mlp.js';

export type Tf = typeof TfModule;
export type TfjsBackendName = 'tfjs-node' | 'tfjs-cpu';

export interface LoadedTfjs {
  tf: Tf;
  backend: TfjsBackendName;
}

export interface BackendDescription {
  name: 'js-typed-array' | TfjsBackendName;
  /** tfjs-core version, for tfjs backends. */
  version?: string;
}

let loading: Promise<LoadedTfjs> | null = null;
let loaded: LoadedTfjs | null = null;

/**
 * Loads tfjs once per process: the native `@tensorflow/tfjs-node` when it is installed and
 * loads (it is an optional dependency and often absent), else pure-JS `@tensorflow/tfjs` on its
 * 'cpu' backend. Silences tfjs's console hints (prod mode), since a library must not print.
 */
export function loadTfjs(): Promise<LoadedTfjs> {
  loading ??= loadOnce().then((result) => (loaded = result));
  return loading;
}

async function loadOnce(): Promise<LoadedTfjs> {
  // A specifier in a variable keeps tsc from requiring tfjs-node's types, which are absent
  // whenever the optional dependency is.
  const nodeSpecifier = '@tensorflow/tfjs-node';
  try {
    const tf = (await import(nodeSpecifier)) as Tf;
    quiet(tf);
    await tf.ready();
    return { tf, backend: 'tfjs-node' };
  } catch {
    // Not installed, or its native binding failed to load: the pure-JS build still works.
  }
  const tf = await import('@tensorflow/tfjs');
  quiet(tf);
  // Choose 'cpu' explicitly: left to itself tfjs first tries 'webgl', which cannot work in Node.
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'tfjs-cpu' };
}

/**
 * tfjs's cpu backend warns "Hi, looks like you are running TensorFlow.js in Node.js…" on the
 * first tensor write unless the PROD (or IS_TEST) flag is set (tfjs-core/dist/log.js `warn`);
 * prod mode is the documented way to set it. It must happen before any tensor exists.
 */
function quiet(tf: Tf): void {
  tf.enableProdMode();
}

/** The tfjs loaded by loadTfjs(), or null before it has finished. */
export function loadedTfjs(): LoadedTfjs | null {
  return loaded;
}

/**
 * Which backend computes a model's gradients: 'js-typed-array' for the hand-written models,
 * 'tfjs-node'/'tfjs-cpu' (with tfjs-core's version) for TfjsModel. Without a model: the tfjs
 * backend loaded in this process, or 'js-typed-array' when tfjs was never loaded.
 */
export function describeBackend(model?: Model): BackendDescription {
  const tfjs = model === undefined ? loaded : model instanceof TfjsModel ? model.loaded : null;
  return tfjs ? { name: tfjs.backend, version: tfjs.tf.version_core } : { name: 'js-typed-array' };
}

/** Rows per tfjs call in predict: large enough to amortize dispatch, small enough for memory. */
const PREDICT_CHUNK_ROWS = 4096;

/**
 * A Model whose loss and gradient come from tfjs autodiff. `layout` is the typed-array model of
 * the same architecture: it supplies the parameter layout, init, and the empty-batch case.
 */
export class TfjsModel implements Model {
  readonly kind: 'logistic' | 'mlp';
  readonly featureCount: number;
  readonly paramCount: number;
  readonly l2: number;
  private readonly tf: Tf;
  /** Float32 staging buffers, grown on demand (tfjs copies them into tensors). */
  private xBatch = new Float32Array(0);
  private yBatch = new Float32Array(0);
  private readonly params32: Float32Array;

  constructor(
    readonly loaded: LoadedTfjs,
    readonly layout: LogisticRegression | Mlp,
  ) {
    this.tf = loaded.tf;
    this.kind = layout.kind;
    this.featureCount = layout.featureCount;
    this.paramCount = layout.paramCount;
    this.l2 = layout.l2;
    this.params32 = new Float32Array(layout.paramCount);
  }

  init(random: () => number): Float64Array {
    return this.layout.init(random);
  }

  lossAndGrad(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, gradOut: Float64Array): number {
    assertMatrixWidth(data, this.featureCount);
    // tfjs's mean over zero rows is NaN; the typed model defines the empty batch (penalty only).
    if (count === 0) return this.layout.lossAndGrad(params, data, rows, count, gradOut);
    const d = this.featureCount;
    if (this.yBatch.length < count) {
      this.xBatch = new Float32Array(count * d);
      this.yBatch = new Float32Array(count);
    }
    const xBatch = this.xBatch;
    for (let k = 0; k < count; k++) {
      const r = rows[k];
      // Float64Array → Float32Array copy rounds each value (TypedArray#set converts).
      xBatch.set(data.x.subarray(r * d, r * d + d), k * d);
      this.yBatch[k] = data.y[r];
    }
    this.params32.set(params);
    const tf = this.tf;
    let loss = Number.NaN;
    tf.tidy(() => {
      const theta = tf.tensor1d(this.params32);
      const x = tf.tensor2d(xBatch.subarray(0, count * d), [count, d]);
      const y = tf.tensor1d(this.yBatch.subarray(0, count));
      const objective = (t: TfModule.Tensor1D): TfModule.Scalar => this.objective(t, x, y);
      const { value, grad } = tf.valueAndGrad(objective)(theta);
      loss = value.dataSync()[0];
      gradOut.set(grad.dataSync());
    });
    return loss;
  }

  predict(params: Float64Array, data: Matrix, out?: Float64Array): Float64Array {
    assertMatrixWidth(data, this.featureCount);
    const n = data.n;
    const d = this.featureCount;
    const result = out ?? new Float64Array(n);
    if (result.length < n) throw new RangeError(`predict: out has length ${result.length}, need ${n}`);
    const tf = this.tf;
    this.params32.set(params);
    for (let start = 0; start < n; start += PREDICT_CHUNK_ROWS) {
      const count = Math.min(PREDICT_CHUNK_ROWS, n - start);
      tf.tidy(() => {
        const theta = tf.tensor1d(this.params32);
        const x = tf.tensor2d(Float32Array.from(data.x.subarray(start * d, (start + count) * d)), [count, d]);
        const logits = this.logits(theta, x).dataSync();
        // Same clamped sigmoid as the typed path, applied to tfjs's float32 logits.
        for (let k = 0; k < count; k++) result[start + k] = probabilityOf(logits[k]);
      });
    }
    return result;
  }

  /** Mean BCE + (λ/2)·‖weights‖², differentiable in the flat parameter tensor theta. */
  private objective(theta: TfModule.Tensor1D, x: TfModule.Tensor2D, y: TfModule.Tensor1D): TfModule.Scalar {
    const tf = this.tf;
    const z = this.logits(theta, x);
    // BCE(z, y) = softplus(z) − y·z: softplus is stable in tfjs's kernels and its registered
    // gradient is σ(z), so ∂/∂z = σ(z) − y exactly, also at z = 0 (a zero start), where the
    // max(z,0) − yz + log1p(e^−|z|) form gets relu′(0) = |·|′(0) = 0 wrong under autodiff.
    // (tf.logSigmoid would do too, but its customGrad fails on tfjs-cpu 4.22 when its input is
    // an intermediate of the tape: "Cannot read properties of undefined (reading 'backend')".)
    const bce = tf.sub(tf.softplus(z), tf.mul(y, z));
    let objective: TfModule.Scalar = tf.mean(bce);
    if (this.l2 > 0) {
      let sq: TfModule.Scalar = tf.scalar(0);
      for (const w of this.weightSlices(theta)) sq = tf.add(sq, tf.sum(tf.square(w)));
      objective = tf.add(objective, tf.mul(0.5 * this.l2, sq));
    }
    return objective;
  }

  /** The logit per row, shape [n]. */
  private logits(theta: TfModule.Tensor1D, x: TfModule.Tensor2D): TfModule.Tensor1D {
    const tf = this.tf;
    const layout = this.layout;
    if (layout instanceof LogisticRegression) {
      const d = layout.featureCount;
      const w = tf.reshape(tf.slice(theta, 0, d), [d, 1]);
      const b = tf.slice(theta, d, 1);
      return tf.add(tf.reshape(tf.matMul(x, w), [-1]), b);
    }
    const last = layout.layers.length - 1;
    let a: TfModule.Tensor2D = x;
    layout.layers.forEach((layer, l) => {
      const w = tf.reshape(tf.slice(theta, layer.weightOffset, layer.inputSize * layer.outputSize), [layer.inputSize, layer.outputSize]);
      const b = tf.slice(theta, layer.biasOffset, layer.outputSize);
      const pre = tf.add<TfModule.Tensor2D>(tf.matMul(a, w), b);
      a = l < last ? (layout.activation === 'tanh' ? tf.tanh(pre) : tf.relu(pre)) : pre;
    });
    return tf.reshape(a, [-1]);
  }

  /** The weight blocks of theta (biases excluded from the penalty). */
  private weightSlices(theta: TfModule.Tensor1D): TfModule.Tensor1D[] {
    const layout = this.layout;
    if (layout instanceof LogisticRegression) return [this.tf.slice(theta, 0, layout.featureCount)];
    return layout.layers.map((layer) => this.tf.slice(theta, layer.weightOffset, layer.inputSize * layer.outputSize));
  }
}
