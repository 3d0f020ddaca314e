/**
 * The dense-layer loops of the MLP (model/mlp.ts), register-blocked (issue 19): V8 does not
 * vectorize, so speed comes from keeping partial sums in registers and loading each value once
 * for several multiply-adds.
 *
 * Every output is still ONE running sum in the order of the plain loops (a unit's
 * pre-activation: bias, then inputs i = 0, 1, …; a weight gradient: rows k = 0, 1, … of the
 * batch), so the results are bit-identical to the unblocked loops (test/model/mlp-kernels.test.ts
 * checks them against the pre-issue-19 MLP, test/model/reference-mlp.ts). What is blocked is
 * which sums run side by side: two rows × four units in the forward pass, two inputs × four
 * units in the weight gradient — eight independent chains, six loads per eight multiply-adds
 * (the plain loops: one chain, two loads per multiply-add). Larger blocks run out of the
 * sixteen x64 floating-point registers and spill.
 *
 * Layout as in model/mlp.ts: W row-major [inputSize × outputSize] at `weightOffset`
 * (W[i·outputSize + o] connects input i to unit o), then the biases at `biasOffset`;
 * activations and deltas row-major [count × width].
 */

/** output[k, o] = b[o] + Σ_i input[k, i]·W[i, o] for rows k < count (no activation). */
export function denseForward(
  params: Float64Array,
  weightOffset: number,
  biasOffset: number,
  input: Float64Array,
  inputSize: number,
  output: Float64Array,
  outputSize: number,
  count: number,
): void {
  const blocked = outputSize - (outputSize % 4);
  let k = 0;
  for (; k + 1 < count; k += 2) {
    const in0 = k * inputSize;
    const in1 = in0 + inputSize;
    const out0 = k * outputSize;
    const out1 = out0 + outputSize;
    let o = 0;
    for (; o < blocked; o += 4) {
      let a0 = params[biasOffset + o];
      let a1 = params[biasOffset + o + 1];
      let a2 = params[biasOffset + o + 2];
      let a3 = params[biasOffset + o + 3];
      let b0 = a0;
      let b1 = a1;
      let b2 = a2;
      let b3 = a3;
      for (let i = 0, w = weightOffset + o; i < inputSize; i++, w += outputSize) {
        const u = input[in0 + i];
        const v = input[in1 + i];
        const w0 = params[w];
        const w1 = params[w + 1];
        const w2 = params[w + 2];
        const w3 = params[w + 3];
        a0 += u * w0;
        a1 += u * w1;
        a2 += u * w2;
        a3 += u * w3;
        b0 += v * w0;
        b1 += v * w1;
        b2 += v * w2;
        b3 += v * w3;
      }
      output[out0 + o] = a0;
      output[out0 + o + 1] = a1;
      output[out0 + o + 2] = a2;
      output[out0 + o + 3] = a3;
      output[out1 + o] = b0;
      output[out1 + o + 1] = b1;
      output[out1 + o + 2] = b2;
      output[out1 + o + 3] = b3;
    }
    for (; o < outputSize; o++) {
      let a = params[biasOffset + o];
      let b = a;
      for (let i = 0, w = weightOffset + o; i < inputSize; i++, w += outputSize) {
        a += input[in0 + i] * params[w];
        b += input[in1 + i] * params[w];
      }
      output[out0 + o] = a;
      output[out1 + o] = b;
    }
  }
  if (k < count) {
    const inRow = k * inputSize;
    const outRow = k * outputSize;
    for (let o = 0; o < outputSize; o++) {
      let z = params[biasOffset + o];
      for (let i = 0, w = weightOffset + o; i < inputSize; i++, w += outputSize) z += input[inRow + i] * params[w];
      output[outRow + o] = z;
    }
  }
}

/** logits[k] = b + Σ_i input[k, i]·w[i] (a one-unit layer), four rows at a time. */
export function denseForwardOneUnit(
  params: Float64Array,
  weightOffset: number,
  biasOffset: number,
  input: Float64Array,
  inputSize: number,
  logits: Float64Array,
  count: number,
): void {
  const bias = params[biasOffset];
  let k = 0;
  for (; k + 3 < count; k += 4) {
    const r0 = k * inputSize;
    const r1 = r0 + inputSize;
    const r2 = r1 + inputSize;
    const r3 = r2 + inputSize;
    let z0 = bias;
    let z1 = bias;
    let z2 = bias;
    let z3 = bias;
    for (let i = 0; i < inputSize; i++) {
      const w = params[weightOffset + i];
      z0 += input[r0 + i] * w;
      z1 += input[r1 + i] * w;
      z2 += input[r2 + i] * w;
      z3 += input[r3 + i] * w;
    }
    logits[k] = z0;
    logits[k + 1] = z1;
    logits[k + 2] = z2;
    logits[k + 3] = z3;
  }
  for (; k < count; k++) {
    const inRow = k * inputSize;
    let z = bias;
    for (let i = 0; i < inputSize; i++) z += input[inRow + i] * params[weightOffset + i];
    logits[k] = z;
  }
}

/**
 * grad[W[i, o]] += Σ_k input[k, i]·delta[k, o] (the sum over the batch formed first, in row
 * order, then added once), two inputs × four units at a time.
 */
export function denseWeightGradient(
  input: Float64Array,
  inputSize: number,
  delta: Float64Array,
  outputSize: number,
  count: number,
  grad: Float64Array,
  weightOffset: number,
): void {
  const blocked = outputSize - (outputSize % 4);
  let i = 0;
  for (; i + 1 < inputSize; i += 2) {
    const g0 = weightOffset + i * outputSize;
    const g1 = g0 + outputSize;
    let o = 0;
    for (; o < blocked; o += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      for (let k = 0, a = i, e = o; k < count; k++, a += inputSize, e += outputSize) {
        const u = input[a];
        const v = input[a + 1];
        const d0 = delta[e];
        const d1 = delta[e + 1];
        const d2 = delta[e + 2];
        const d3 = delta[e + 3];
        s0 += u * d0;
        s1 += u * d1;
        s2 += u * d2;
        s3 += u * d3;
        t0 += v * d0;
        t1 += v * d1;
        t2 += v * d2;
        t3 += v * d3;
      }
      grad[g0 + o] += s0;
      grad[g0 + o + 1] += s1;
      grad[g0 + o + 2] += s2;
      grad[g0 + o + 3] += s3;
      grad[g1 + o] += t0;
      grad[g1 + o + 1] += t1;
      grad[g1 + o + 2] += t2;
      grad[g1 + o + 3] += t3;
    }
    for (; o < outputSize; o++) {
      let s = 0;
      let t = 0;
      for (let k = 0, a = i, e = o; k < count; k++, a += inputSize, e += outputSize) {
        s += input[a] * delta[e];
        t += input[a + 1] * delta[e];
      }
      grad[g0 + o] += s;
      grad[g1 + o] += t;
    }
  }
  if (i < inputSize) {
    const g = weightOffset + i * outputSize;
    for (let o = 0; o < outputSize; o++) {
      let s = 0;
      for (let k = 0, a = i, e = o; k < count; k++, a += inputSize, e += outputSize) s += input[a] * delta[e];
      grad[g + o] += s;
    }
  }
}

/**
 * The one-unit layer's weight gradient: grad[w[i]] += input[k, i]·delta[k] for every row k,
 * added row by row in row order (as the plain loop), four rows per load and store of grad.
 */
export function denseWeightGradientOneUnit(input: Float64Array, inputSize: number, delta: Float64Array, count: number, grad: Float64Array, weightOffset: number): void {
  let k = 0;
  for (; k + 3 < count; k += 4) {
    const r0 = k * inputSize;
    const r1 = r0 + inputSize;
    const r2 = r1 + inputSize;
    const r3 = r2 + inputSize;
    const e0 = delta[k];
    const e1 = delta[k + 1];
    const e2 = delta[k + 2];
    const e3 = delta[k + 3];
    for (let i = 0; i < inputSize; i++) {
      let g = grad[weightOffset + i];
      g += input[r0 + i] * e0;
      g += input[r1 + i] * e1;
      g += input[r2 + i] * e2;
      g += input[r3 + i] * e3;
      grad[weightOffset + i] = g;
    }
  }
  for (; k < count; k++) {
    const inRow = k * inputSize;
    const e = delta[k];
    for (let i = 0; i < inputSize; i++) grad[weightOffset + i] += input[inRow + i] * e;
  }
}
