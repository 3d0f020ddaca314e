/**
 * The logistic-regression inner loops, four rows at a time (issue 19): the hot path of every
 * benchmark arm (lossAndGrad), of DP-SGD (clippedGradSum) and of the per-round evaluation
 * (predict).
 *
 * Why four rows and not four accumulators per dot product: a dot product w·x_i summed over one
 * running sum in column order is a latency-bound chain (one add must finish before the next
 * starts). Splitting the sum over lanes breaks the chain but rounds differently when two columns
 * trade places, and the design matrix's column order is not fixed by the data's content (one-hot
 * levels follow the file's dictionary order, which differs between an Arrow directory and its
 * Parquet export; model/logistic.ts `dot`). Four ROWS at once give four independent chains
 * instead, each still one running sum in column order: every row's logit, residual and loss
 * are the bits of the one-row loop, and the weights are loaded once for four rows.
 *
 * The gradient accumulation is fused the same way: for each column j the four rows' terms are
 * added to gradOut[j] in row order, the order of the one-row loop (out[j] += r_k·x_kj for
 * k = 0, 1, …), so the sum is bit-identical, with one load and one store of gradOut[j] per four
 * rows instead of per row. test/model/logistic-kernels.test.ts checks both against the one-row
 * loops, bit for bit.
 */

/** start + Σ_{j<d} w[j]·x[off + j], one running sum in column order. */
function rowLogit(w: Float64Array, x: Float64Array, off: number, d: number, start: number): number {
  let s = start;
  for (let j = 0; j < d; j++) s += w[j] * x[off + j];
  return s;
}

/** out[j] += alpha·x[off + j] for j < d. */
function addScaledRow(alpha: number, x: Float64Array, off: number, out: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) out[j] += alpha * x[off + j];
}

/** BCE(y, σ(z)) in the overflow-free form of model/logistic.ts bceWithLogit, sharing one exp with the residual. */
function residualAndLoss(z: number, y: number, out: Float64Array, slot: number): void {
  const e = Math.exp(-Math.abs(z));
  const inv = 1 / (1 + e);
  out[slot] = (z >= 0 ? inv : e * inv) - y; // ∂BCE/∂z = σ(z) − y
  out[slot + 4] = (z > 0 ? z : 0) - y * z + Math.log1p(e);
}

/**
 * Σ over rows[0..count) of (σ(w·x_r + b) − y_r)·x_r added into gradOut[0..d) (NOT zeroed here),
 * the residuals' sum into sums[0]; returns Σ BCE_r. `scratch` holds ≥ 8 values.
 */
export function logisticBatchGradient(
  params: Float64Array,
  x: Float64Array,
  y: Float64Array,
  d: number,
  rows: Uint32Array,
  count: number,
  gradOut: Float64Array,
  sums: Float64Array,
  scratch: Float64Array,
): number {
  const bias = params[d];
  let lossSum = 0;
  let biasSum = 0;
  let k = 0;
  for (; k + 3 < count; k += 4) {
    const r0 = rows[k];
    const r1 = rows[k + 1];
    const r2 = rows[k + 2];
    const r3 = rows[k + 3];
    const o0 = r0 * d;
    const o1 = r1 * d;
    const o2 = r2 * d;
    const o3 = r3 * d;
    let z0 = bias;
    let z1 = bias;
    let z2 = bias;
    let z3 = bias;
    for (let j = 0; j < d; j++) {
      const w = params[j];
      z0 += w * x[o0 + j];
      z1 += w * x[o1 + j];
      z2 += w * x[o2 + j];
      z3 += w * x[o3 + j];
    }
    residualAndLoss(z0, y[r0], scratch, 0);
    residualAndLoss(z1, y[r1], scratch, 1);
    residualAndLoss(z2, y[r2], scratch, 2);
    residualAndLoss(z3, y[r3], scratch, 3);
    const e0 = scratch[0];
    const e1 = scratch[1];
    const e2 = scratch[2];
    const e3 = scratch[3];
    for (let j = 0; j < d; j++) {
      let g = gradOut[j];
      g += e0 * x[o0 + j];
      g += e1 * x[o1 + j];
      g += e2 * x[o2 + j];
      g += e3 * x[o3 + j];
      gradOut[j] = g;
    }
    lossSum += scratch[4];
    lossSum += scratch[5];
    lossSum += scratch[6];
    lossSum += scratch[7];
    biasSum += e0;
    biasSum += e1;
    biasSum += e2;
    biasSum += e3;
  }
  for (; k < count; k++) {
    const r = rows[k];
    const off = r * d;
    residualAndLoss(rowLogit(params, x, off, d, bias), y[r], scratch, 0);
    addScaledRow(scratch[0], x, off, gradOut, d);
    lossSum += scratch[4];
    biasSum += scratch[0];
  }
  sums[0] = biasSum;
  return lossSum;
}

/**
 * The clipped form (DP-SGD, Abadi et al. 2016, Algorithm 1): row r's gradient is
 * g_r = (σ(z_r) − y_r)·[x_r, 1], of norm |σ(z_r) − y_r|·√(‖x_r‖² + 1); when that exceeds
 * clipNorm the residual is scaled by clipNorm/‖g_r‖ (the whole gradient scales with it).
 * Adds the clipped gradients' weight part into gradOut (NOT zeroed), their bias part into
 * sums[0], the number of clipped rows into sums[1]; returns Σ BCE_r. A row under the clip norm
 * contributes the bits logisticBatchGradient would.
 */
export function logisticBatchClippedGradient(
  params: Float64Array,
  x: Float64Array,
  y: Float64Array,
  d: number,
  rows: Uint32Array,
  count: number,
  clipNorm: number,
  gradOut: Float64Array,
  sums: Float64Array,
  scratch: Float64Array,
): number {
  const bias = params[d];
  let lossSum = 0;
  let biasSum = 0;
  let clipped = 0;
  let k = 0;
  for (; k + 3 < count; k += 4) {
    const r0 = rows[k];
    const r1 = rows[k + 1];
    const r2 = rows[k + 2];
    const r3 = rows[k + 3];
    const o0 = r0 * d;
    const o1 = r1 * d;
    const o2 = r2 * d;
    const o3 = r3 * d;
    let z0 = bias;
    let z1 = bias;
    let z2 = bias;
    let z3 = bias;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let q3 = 0;
    for (let j = 0; j < d; j++) {
      const w = params[j];
      const a0 = x[o0 + j];
      const a1 = x[o1 + j];
      const a2 = x[o2 + j];
      const a3 = x[o3 + j];
      z0 += w * a0;
      z1 += w * a1;
      z2 += w * a2;
      z3 += w * a3;
      q0 += a0 * a0;
      q1 += a1 * a1;
      q2 += a2 * a2;
      q3 += a3 * a3;
    }
    residualAndLoss(z0, y[r0], scratch, 0);
    residualAndLoss(z1, y[r1], scratch, 1);
    residualAndLoss(z2, y[r2], scratch, 2);
    residualAndLoss(z3, y[r3], scratch, 3);
    clipped += clipResidual(scratch, 0, q0, clipNorm);
    clipped += clipResidual(scratch, 1, q1, clipNorm);
    clipped += clipResidual(scratch, 2, q2, clipNorm);
    clipped += clipResidual(scratch, 3, q3, clipNorm);
    const e0 = scratch[0];
    const e1 = scratch[1];
    const e2 = scratch[2];
    const e3 = scratch[3];
    for (let j = 0; j < d; j++) {
      let g = gradOut[j];
      g += e0 * x[o0 + j];
      g += e1 * x[o1 + j];
      g += e2 * x[o2 + j];
      g += e3 * x[o3 + j];
      gradOut[j] = g;
    }
    lossSum += scratch[4];
    lossSum += scratch[5];
    lossSum += scratch[6];
    lossSum += scratch[7];
    biasSum += e0;
    biasSum += e1;
    biasSum += e2;
    biasSum += e3;
  }
  for (; k < count; k++) {
    const r = rows[k];
    const off = r * d;
    const z = rowLogit(params, x, off, d, bias);
    residualAndLoss(z, y[r], scratch, 0);
    let q = 0;
    for (let j = 0; j < d; j++) q += x[off + j] * x[off + j];
    clipped += clipResidual(scratch, 0, q, clipNorm);
    addScaledRow(scratch[0], x, off, gradOut, d);
    lossSum += scratch[4];
    biasSum += scratch[0];
  }
  sums[0] = biasSum;
  sums[1] = clipped;
  return lossSum;
}

/** Scales the residual in scratch[slot] so that ‖g‖ = |residual|·√(xSq + 1) ≤ clipNorm; 1 if it clipped. */
function clipResidual(scratch: Float64Array, slot: number, xSq: number, clipNorm: number): number {
  const residual = scratch[slot];
  const norm = Math.abs(residual) * Math.sqrt(xSq + 1);
  if (norm > clipNorm) {
    scratch[slot] = residual * (clipNorm / norm);
    return 1;
  }
  return 0;
}

/** out[i] = b + w·x_i (the logit) for rows i < n, four rows at a time (the same bits as one by one). */
export function logisticLogitsInto(params: Float64Array, x: Float64Array, d: number, n: number, out: Float64Array): void {
  const bias = params[d];
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o0 = i * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    let z0 = bias;
    let z1 = bias;
    let z2 = bias;
    let z3 = bias;
    for (let j = 0; j < d; j++) {
      const w = params[j];
      z0 += w * x[o0 + j];
      z1 += w * x[o1 + j];
      z2 += w * x[o2 + j];
      z3 += w * x[o3 + j];
    }
    out[i] = z0;
    out[i + 1] = z1;
    out[i + 2] = z2;
    out[i + 3] = z3;
  }
  for (; i < n; i++) out[i] = rowLogit(params, x, i * d, d, bias);
}
