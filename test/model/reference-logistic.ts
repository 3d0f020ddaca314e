/**
 * The logistic loops as they were before issue 19 (one row at a time; src/model/logistic.ts at
 * the start of session 23), verbatim: the reference the four-row kernels are checked against
 * bit for bit (test/model/logistic-kernels.test.ts) and timed against (perf/train-loop.ts).
 */
import { LogisticRegression, dot, probabilityOf } from '../../src/model/logistic.js';
import type { ClippedGradSum, LabeledData, Matrix } from '../../src/model/types.js';

/** The pre-issue-19 lossAndGrad: one row at a time. */
export function referenceLossAndGrad(model: LogisticRegression, params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, gradOut: Float64Array): number {
  const d = model.featureCount;
  const { x, y } = data;
  const bias = params[d];
  gradOut.fill(0);
  let lossSum = 0;
  let biasGrad = 0;
  for (let k = 0; k < count; k++) {
    const r = rows[k];
    const off = r * d;
    const z = dot(params, x, off, d, 0, bias);
    const yr = y[r];
    const e = Math.exp(-Math.abs(z));
    const inv = 1 / (1 + e);
    lossSum += (z > 0 ? z : 0) - yr * z + Math.log1p(e);
    const residual = (z >= 0 ? inv : e * inv) - yr;
    for (let j = 0; j < d; j++) gradOut[j] += residual * x[off + j];
    biasGrad += residual;
  }
  const scale = count > 0 ? 1 / count : 0;
  let wSq = 0;
  for (let j = 0; j < d; j++) {
    const w = params[j];
    wSq += w * w;
    gradOut[j] = gradOut[j] * scale + model.l2 * w;
  }
  gradOut[d] = biasGrad * scale;
  return lossSum * scale + 0.5 * model.l2 * wSq;
}

/** The pre-issue-19 clippedGradSum: one row at a time. */
export function referenceClipped(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, clipNorm: number, sumOut: Float64Array, scale: number) {
  const d = data.d;
  const { x, y } = data;
  const bias = params[d];
  sumOut.fill(0);
  let lossSum = 0;
  let biasSum = 0;
  let clippedCount = 0;
  for (let k = 0; k < count; k++) {
    const r = rows[k];
    const off = r * d;
    const z = dot(params, x, off, d, 0, bias);
    const xSq = dot(x, x, off, d, off);
    const yr = y[r];
    const e = Math.exp(-Math.abs(z));
    const inv = 1 / (1 + e);
    lossSum += (z > 0 ? z : 0) - yr * z + Math.log1p(e);
    let residual = (z >= 0 ? inv : e * inv) - yr;
    const norm = Math.abs(residual) * Math.sqrt(xSq + 1);
    if (norm > clipNorm) {
      residual *= clipNorm / norm;
      clippedCount++;
    }
    for (let j = 0; j < d; j++) sumOut[j] += residual * x[off + j];
    biasSum += residual;
  }
  for (let j = 0; j < d; j++) sumOut[j] *= scale;
  sumOut[d] = biasSum * scale;
  return { clippedCount, lossSum };
}

/** LogisticRegression with the pre-issue-19 loops (for the perf script's before/after). */
export class ReferenceLogistic extends LogisticRegression {
  override lossAndGrad(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, gradOut: Float64Array): number {
    return referenceLossAndGrad(this, params, data, rows, count, gradOut);
  }

  override clippedGradSum(params: Float64Array, data: LabeledData, rows: Uint32Array, count: number, clipNorm: number, sumOut: Float64Array, scale = 1): ClippedGradSum {
    return referenceClipped(params, data, rows, count, clipNorm, sumOut, scale);
  }

  override predict(params: Float64Array, data: Matrix, out?: Float64Array): Float64Array {
    const d = this.featureCount;
    const result = out ?? new Float64Array(data.n);
    for (let i = 0; i < data.n; i++) result[i] = probabilityOf(dot(params, data.x, i * d, d, 0, params[d]));
    return result;
  }
}
