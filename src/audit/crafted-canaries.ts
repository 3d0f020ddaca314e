/**
 * Crafted canaries in the manner of ClipBKD (Jagielski, Ullman & Oprea 2020, "Auditing
 * Differentially Private Machine Learning", Algorithm 1): a record placed along a direction in
 * which the training data barely vary (a right singular vector with a small singular value), far
 * enough out that its gradient dominates that direction, with a label of its own. The model can
 * fit such a record only by moving along a direction no other record constrains, which is the
 * worst case the DP guarantee must still cover. Each canary gets its own direction (the
 * least-variance eigenvectors of the site's feature covariance, in order), so canaries do not
 * interfere; there are therefore at most d of them.
 */
import type { LabeledData } from '../model/types.js';

/** Eigenvalues (ascending) and unit eigenvectors of a symmetric d×d matrix (cyclic Jacobi rotations). */
export function symmetricEigen(matrix: Float64Array, d: number): { values: Float64Array; vectors: Float64Array[] } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[i * d + i] - a[j * d + j] || i - j);
  return {
    values: Float64Array.from(order, (i) => a[i * d + i]),
    vectors: order.map((i) => Float64Array.from({ length: d }, (_, k) => v[k * d + i])),
  };
}

/**
 * `count` (≤ d) crafted records. The directions are the least-energy eigenvectors v of the
 * augmented second moment (1/n)·Σ [x;1][x;1]ᵀ (bias included, as the model sees a record): along
 * such a v every record's gradient r·[x;1] has (almost) no component, so the parameter θ·v stays
 * where it started unless the canary is in. The record is x = s·v_x (v = (v_x, v_b)) with
 * s = sign(v_b)·max(1/|v_b|, R/‖v_x‖): at s = 1/v_b its augmented vector is exactly v/v_b, so
 * a model that never saw it scores it θ·v/v_b ≈ its starting value (an unsure prediction); when
 * that record would be short, it is pushed out to norm R = `normMultiple` × the largest record
 * norm, so that its gradient is clipped at C under DP-SGD (the most a record can move the model)
 * for as long as it is not fit. Labels are fair coins from `random`.
 */
export function craftCanaries(data: LabeledData, count: number, random: () => number, normMultiple = 2): LabeledData {
  const { n, d } = data;
  if (count > d) throw new RangeError(`at most ${d} crafted canaries (one per direction), ${count} requested`);
  const D = d + 1;
  const moment = new Float64Array(D * D);
  let maxNorm = 0;
  const row = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      row[j] = data.x[i * d + j];
      norm += row[j] * row[j];
    }
    row[d] = 1;
    for (let j = 0; j < D; j++) for (let k = j; k < D; k++) moment[j * D + k] += (row[j] * row[k]) / n;
    maxNorm = Math.max(maxNorm, Math.sqrt(norm));
  }
  for (let j = 0; j < D; j++) for (let k = 0; k < j; k++) moment[j * D + k] = moment[k * D + j];
  const { vectors } = symmetricEigen(moment, D);
  const R = normMultiple * (maxNorm || 1);
  const x = new Float64Array(count * d);
  const y = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    const v = vectors[c];
    let vxNorm = 0;
    for (let j = 0; j < d; j++) vxNorm += v[j] * v[j];
    vxNorm = Math.sqrt(vxNorm) || 1;
    const vb = v[d];
    const s = (vb < 0 ? -1 : 1) * Math.max(vb === 0 ? 0 : 1 / Math.abs(vb), R / vxNorm);
    for (let j = 0; j < d; j++) x[c * d + j] = s * v[j];
    y[c] = random() < 0.5 ? 1 : 0;
  }
  return { n: count, d, x, y };
}
