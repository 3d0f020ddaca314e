/**
 * Per-example gradient norms of a stack of dense layers, for DP-SGD's clipping (privacy/dp-sgd.ts),
 * from what one batched forward and backward pass already holds: each layer's input activations
 * and output deltas, row by row (model/mlp.ts keeps them). A dense layer's per-example weight
 * gradient is the outer product a_in ⊗ δ, so ‖g_W‖² = ‖a_in‖²·‖δ‖², and its bias gradient is δ,
 * so ‖g_b‖² = ‖δ‖² (Goodfellow 2015, "Efficient per-example gradient computations",
 * arXiv:1510.01799). No per-example gradient vector is ever materialized.
 */

/** The sizes of one dense layer (model/mlp.ts DenseLayerLayout). */
interface LayerSizes {
  readonly inputSize: number;
  readonly outputSize: number;
}

/**
 * normsOut[k] = ‖g_k‖ = sqrt(Σ_l (‖a_{l,k}‖² + 1)·‖δ_{l,k}‖²) for rows k < count, where acts[l] is
 * layer l's input ([count × inputSize]) and deltas[l] its output deltas ([count × outputSize]).
 */
export function perExampleGradNormsInto(layers: readonly LayerSizes[], acts: readonly Float64Array[], deltas: readonly Float64Array[], count: number, normsOut: Float64Array): void {
  normsOut.fill(0, 0, count);
  for (let l = 0; l < layers.length; l++) {
    const { inputSize, outputSize } = layers[l];
    const input = acts[l];
    const delta = deltas[l];
    for (let k = 0; k < count; k++) {
      let aSq = 0;
      const inRow = k * inputSize;
      for (let i = 0; i < inputSize; i++) {
        const a = input[inRow + i];
        aSq += a * a;
      }
      let dSq = 0;
      const outRow = k * outputSize;
      for (let o = 0; o < outputSize; o++) {
        const dv = delta[outRow + o];
        dSq += dv * dv;
      }
      normsOut[k] += (aSq + 1) * dSq;
    }
  }
  for (let k = 0; k < count; k++) normsOut[k] = Math.sqrt(normsOut[k]);
}

/**
 * Multiplies row k's deltas at every layer by factor: clipping example k's gradient by that
 * factor, since backprop and the weight gradients are linear in the deltas.
 */
export function scaleRowDeltas(layers: readonly LayerSizes[], deltas: readonly Float64Array[], k: number, factor: number): void {
  for (let l = 0; l < layers.length; l++) {
    const { outputSize } = layers[l];
    const delta = deltas[l];
    const end = (k + 1) * outputSize;
    for (let j = k * outputSize; j < end; j++) delta[j] *= factor;
  }
}
