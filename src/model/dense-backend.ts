/**
 * Where the MLP's dense-layer loops run (issue 19, target 1: MLP [32] at ≥ 1 M samples/s):
 * WebAssembly 128-bit SIMD (model/wasm/dense-kernels.wat) when the runtime has it, the
 * register-blocked JavaScript loops (model/dense-kernels.ts) otherwise. Both give the same bits
 * (each output one running sum in plain-loop order; test/model/dense-wasm.test.ts), so which one
 * ran never changes a result; perf:train-loop measures the WebAssembly kernels at 3.0–3.1× the
 * JavaScript ones for an MLP [32] at d = 70 (1.06–1.09 M samples/s), ~4× for [64, 32].
 *
 * WebAssembly reads only its own linear memory, so a backend also owns the MLP's buffers: the
 * activations, deltas, a staged copy of the parameters and a gradient accumulator are views
 * into that memory, and the kernels take those views (same signatures as the JavaScript loops).
 * Growing the memory detaches every earlier view, so `allocate` hands out a complete new set and
 * the caller drops the old one.
 */
import { denseForward as denseForwardJs, denseWeightGradient as denseWeightGradientJs } from './dense-kernels.js';
import { denseKernelsWasmBase64 } from './wasm/dense-kernels-bytes.js';

export type DenseKernelChoice = 'auto' | 'wasm' | 'js';

/** model/dense-kernels.ts denseForward's arguments, then whether to apply ReLU. */
type DenseForward = (...args: [...Parameters<typeof denseForwardJs>, relu: boolean]) => void;

export interface DenseBackend {
  readonly name: 'wasm-simd' | 'js';
  /**
   * Zero-filled float64 buffers of the given lengths; for WebAssembly, views into its memory,
   * valid until the next `allocate`. `scratchLength`: the widest layer (room for the kernels'
   * duplicate odd row).
   */
  allocate(lengths: readonly number[], scratchLength: number): Float64Array<ArrayBuffer>[];
  /**
   * As model/dense-kernels.ts denseForward, then with `relu` x < 0 ? 0 : x on every output (-0
   * and NaN kept, as `if (x < 0) x = 0`). Every array must come from `allocate`.
   */
  denseForward: DenseForward;
  /** As model/dense-kernels.ts denseWeightGradient; every array must come from `allocate`. */
  denseWeightGradient: typeof denseWeightGradientJs;
  /**
   * The deltas of a one-unit layer (weights at params[weightOffset ..]) back into the layer below,
   * times its activation's derivative: below[k, i] = w[i]·delta[k]·act′ (ReLU: act > 0 ? · : 0;
   * tanh: ·(1 − act²)).
   */
  propagateOneUnit(
    kind: 'relu' | 'tanh',
    params: Float64Array,
    weightOffset: number,
    delta: Float64Array,
    act: Float64Array,
    below: Float64Array,
    inputSize: number,
    count: number,
  ): void;
  /** grad[biasOffset + o] += delta[k, o], row by row in row order (a layer's bias gradient). */
  columnSums(delta: Float64Array, outputSize: number, count: number, grad: Float64Array, biasOffset: number): void;
  /**
   * The deltas of a dense layer (W [inputSize × outputSize] at params[weightOffset ..]) back to
   * its input, before the activation's derivative: below[k, i] = Σ_o W[i, o]·delta[k, o], each a
   * running sum from 0 in unit order. `transposed`: scratch of inputSize·(outputSize + 1) values.
   */
  propagateDense(params: Float64Array, weightOffset: number, inputSize: number, outputSize: number, delta: Float64Array, below: Float64Array, count: number, transposed: Float64Array): void;
  /** delta[j] ×= the activation's derivative read off its value a: ReLU a > 0 ? 1 : 0 (as +0), tanh 1 − a². */
  activationDerivative(kind: 'relu' | 'tanh', activation: Float64Array, delta: Float64Array, length: number): void;
}

/** below[k, i] = w[i]·delta[k]: a one-unit layer's deltas back to its inputs, before the activation's derivative. */
function oneUnitBack(params: Float64Array, weightOffset: number, delta: Float64Array, below: Float64Array, inputSize: number, count: number): void {
  for (let k = 0; k < count; k++) {
    const dv = delta[k];
    const inRow = k * inputSize;
    for (let i = 0; i < inputSize; i++) below[inRow + i] = params[weightOffset + i] * dv;
  }
}

const jsBackend: DenseBackend = {
  name: 'js',
  allocate: (lengths) => lengths.map((length) => new Float64Array(length)),
  denseForward(params, weightOffset, biasOffset, input, inputSize, output, outputSize, count, relu) {
    denseForwardJs(params, weightOffset, biasOffset, input, inputSize, output, outputSize, count);
    // A separate pass keeps the branch out of the multiply loops.
    if (relu) for (let j = 0, end = count * outputSize; j < end; j++) if (output[j] < 0) output[j] = 0;
  },
  denseWeightGradient: denseWeightGradientJs,
  propagateOneUnit(kind, params, weightOffset, delta, act, below, inputSize, count) {
    oneUnitBack(params, weightOffset, delta, below, inputSize, count);
    jsBackend.activationDerivative(kind, act, below, count * inputSize);
  },
  columnSums(delta, outputSize, count, grad, biasOffset) {
    for (let k = 0; k < count; k++) {
      const outRow = k * outputSize;
      for (let o = 0; o < outputSize; o++) grad[biasOffset + o] += delta[outRow + o];
    }
  },
  propagateDense(params, weightOffset, inputSize, outputSize, delta, below, count) {
    for (let k = 0; k < count; k++) {
      const inRow = k * inputSize;
      const outRow = k * outputSize;
      for (let i = 0; i < inputSize; i++) {
        const w = weightOffset + i * outputSize;
        let back = 0;
        for (let o = 0; o < outputSize; o++) back += params[w + o] * delta[outRow + o];
        below[inRow + i] = back;
      }
    }
  },
  activationDerivative(kind, activation, delta, length) {
    if (kind === 'tanh') {
      for (let j = 0; j < length; j++) {
        const a = activation[j];
        delta[j] *= 1 - a * a;
      }
    } else {
      for (let j = 0; j < length; j++) if (!(activation[j] > 0)) delta[j] = 0;
    }
  },
};

/**
 * The part of the WebAssembly JS API used here: TypeScript's ES2022 lib and @types/node 20 do not
 * declare it (only the DOM and web-worker libs do).
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface DenseKernelExports {
  memory: WasmMemory;
  denseForward(W: number, B: number, input: number, inputSize: number, output: number, outputSize: number, count: number, scratch: number, relu: number): void;
  columnSums(delta: number, outputSize: number, count: number, grad: number): void;
  propagateOneUnitRelu(w: number, delta: number, act: number, below: number, inputSize: number, count: number): void;
  reluMask(act: number, delta: number, length: number): void;
  tanhDerivative(act: number, delta: number, length: number): void;
  denseWeightGradient(input: number, inputSize: number, delta: number, outputSize: number, count: number, grad: number, scratch: number): void;
}

let compiled: WasmModule | null | undefined;

/** The kernels' module, compiled once per thread; null when this runtime lacks WebAssembly SIMD. */
function denseKernelModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  const bytes = Buffer.from(denseKernelsWasmBase64, 'base64');
  compiled = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
  return compiled;
}

/** Whether the WebAssembly kernels can run here. */
export function wasmDenseKernelsAvailable(): boolean {
  return denseKernelModule() !== null;
}

const PAGE_BYTES = 65_536;

/** One WebAssembly instance (and memory) per model: models on one thread never share buffers. */
class WasmDenseBackend implements DenseBackend {
  readonly name = 'wasm-simd' as const;
  private readonly kernels: DenseKernelExports;
  private scratchByteOffset = 0;

  constructor(module: WasmModule) {
    this.kernels = new wasmApi!.Instance(module, {}).exports as DenseKernelExports;
  }

  allocate(lengths: readonly number[], scratchLength: number): Float64Array<ArrayBuffer>[] {
    // Every region starts on a 16-byte boundary (an even number of doubles before it).
    const padded = (length: number) => length + (length % 2);
    let doubles = padded(scratchLength);
    for (const length of lengths) doubles += padded(length);
    const memory = this.kernels.memory;
    const needed = doubles * 8;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
    const buffer = memory.buffer;
    new Uint8Array(buffer, 0, needed).fill(0);
    this.scratchByteOffset = 0;
    let at = padded(scratchLength) * 8;
    return lengths.map((length) => {
      const view = new Float64Array(buffer, at, length);
      at += padded(length) * 8;
      return view;
    });
  }

  denseForward: DenseForward = (params, weightOffset, biasOffset, input, inputSize, output, outputSize, count, relu) => {
    this.assertOwned(params, input, output);
    this.kernels.denseForward(
      params.byteOffset + weightOffset * 8,
      params.byteOffset + biasOffset * 8,
      input.byteOffset,
      inputSize,
      output.byteOffset,
      outputSize,
      count,
      this.scratchByteOffset,
      relu ? 1 : 0,
    );
  };

  propagateOneUnit(
    kind: 'relu' | 'tanh',
    params: Float64Array,
    weightOffset: number,
    delta: Float64Array,
    act: Float64Array,
    below: Float64Array,
    inputSize: number,
    count: number,
  ): void {
    this.assertOwned(params, delta, act);
    this.assertOwned(below, below, below);
    if (kind === 'relu') {
      // Multiply and mask in one pass.
      this.kernels.propagateOneUnitRelu(params.byteOffset + weightOffset * 8, delta.byteOffset, act.byteOffset, below.byteOffset, inputSize, count);
      return;
    }
    oneUnitBack(params, weightOffset, delta, below, inputSize, count);
    this.activationDerivative(kind, act, below, count * inputSize);
  }

  propagateDense(params: Float64Array, weightOffset: number, inputSize: number, outputSize: number, delta: Float64Array, below: Float64Array, count: number, transposed: Float64Array): void {
    // Wᵀ [outputSize × inputSize] then zeros: the forward kernel with Wᵀ as weights, δ as input
    // and a zero bias computes 0 + δ_0·W[i,0] + δ_1·W[i,1] + …, the same sums as the plain loop
    // (a product's operands commute exactly), two inputs i per vector.
    if (transposed.length < inputSize * (outputSize + 1)) throw new RangeError('internal: transposed scratch too small');
    for (let i = 0; i < inputSize; i++) {
      const w = weightOffset + i * outputSize;
      for (let o = 0; o < outputSize; o++) transposed[o * inputSize + i] = params[w + o];
    }
    transposed.fill(0, outputSize * inputSize, (outputSize + 1) * inputSize);
    this.denseForward(transposed, 0, outputSize * inputSize, delta, outputSize, below, inputSize, count, false);
  }

  activationDerivative(kind: 'relu' | 'tanh', activation: Float64Array, delta: Float64Array, length: number): void {
    this.assertOwned(activation, delta, delta);
    if (kind === 'relu') this.kernels.reluMask(activation.byteOffset, delta.byteOffset, length);
    else this.kernels.tanhDerivative(activation.byteOffset, delta.byteOffset, length);
  }

  columnSums(delta: Float64Array, outputSize: number, count: number, grad: Float64Array, biasOffset: number): void {
    this.assertOwned(delta, grad, grad);
    this.kernels.columnSums(delta.byteOffset, outputSize, count, grad.byteOffset + biasOffset * 8);
  }

  denseWeightGradient(input: Float64Array, inputSize: number, delta: Float64Array, outputSize: number, count: number, grad: Float64Array, weightOffset: number): void {
    this.assertOwned(input, delta, grad);
    this.kernels.denseWeightGradient(input.byteOffset, inputSize, delta.byteOffset, outputSize, count, grad.byteOffset + weightOffset * 8, this.scratchByteOffset);
  }

  /** A view from elsewhere would make the kernel read this memory at its offsets: a bug. */
  private assertOwned(a: Float64Array, b: Float64Array, c: Float64Array): void {
    const buffer = this.kernels.memory.buffer;
    if (a.buffer !== buffer || b.buffer !== buffer || c.buffer !== buffer) {
      throw new Error('internal: a WebAssembly dense kernel was given an array outside its memory (or one from before the memory grew)');
    }
  }
}

/** A backend for one model: WebAssembly SIMD unless `choice` is 'js' or the runtime lacks it. */
export function createDenseBackend(choice: DenseKernelChoice = 'auto'): DenseBackend {
  if (choice === 'js') return jsBackend;
  const module = denseKernelModule();
  if (!module) {
    if (choice === 'wasm') throw new Error('WebAssembly SIMD is not available in this runtime');
    return jsBackend;
  }
  try {
    return new WasmDenseBackend(module);
  } catch (err) {
    // V8 reserves address space for every WebAssembly memory (~10 GiB with its guard regions):
    // under a virtual-memory limit (ulimit -v, common on shared clusters) instantiation fails.
    // The JavaScript kernels give the same results.
    if (choice === 'wasm' || !(err instanceof RangeError)) throw err;
    return jsBackend;
  }
}
