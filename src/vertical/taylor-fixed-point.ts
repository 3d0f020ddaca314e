/**
 * The fixed-point integers both vertical-LR protocols compute (vertical/taylor-lr.ts states the
 * formulas): the encoded residual D_i = Σ_P U_{P,i} − 2·y_i·2^F, and the decoding of an exact
 * integer gradient sum into the float gradient of the mean Taylor loss. A plaintext version of
 * the whole batch (`plaintextFixedPointGradients`) is the reference the protocols must reproduce
 * integer for integer (test/vertical/vertical-lr.test.ts).
 */
import { quantize, quantizeAll } from './fixed-point.js';
import type { TaylorBatch } from './taylor-lr.js';

/** Per party: the batch's feature values in fixed point (count × cols, as exact doubles). */
export function quantizedFeatures(batch: TaylorBatch, fractionBits: number): Float64Array[] {
  return batch.x.map((x) => quantizeAll(x, fractionBits));
}

/** U_{P,i} = round(u_{P,i}·2^F) per party. */
export function quantizedLogits(batch: TaylorBatch, fractionBits: number): Float64Array[] {
  return batch.u.map((u) => quantizeAll(u, fractionBits));
}

/** The label holder's own term of D_i: U_{L,i} − 2·y_i·2^F. */
export function labelHolderTerm(uLabelHolder: number, ySigned: number, fractionBits: number): number {
  return uLabelHolder - 2 * ySigned * 2 ** fractionBits;
}

/** Float gradient coordinate from the exact integer Σ_i x_int·D_int (scaleBits = 2F) or Σ_i D_int (bias: scaleBits = F). */
export function decodeGradient(sum: bigint, count: number, scaleBits: number): number {
  return Number(sum) / 2 ** scaleBits / (4 * count);
}

/** Every party's exact integer sums in the clear, decoded: what a protocol must return. */
export function plaintextFixedPointGradients(batch: TaylorBatch, fractionBits: number): Float64Array[] {
  const F = fractionBits;
  const xInt = quantizedFeatures(batch, F);
  const uInt = quantizedLogits(batch, F);
  const D: bigint[] = [];
  for (let k = 0; k < batch.count; k++) {
    let s = labelHolderTerm(uInt[0][k], batch.ySigned[k], F);
    for (let i = 1; i < uInt.length; i++) s += uInt[i][k];
    D.push(BigInt(s));
  }
  return xInt.map((x, i) => {
    const cols = x.length / Math.max(1, batch.count);
    const g = new Float64Array(cols + (i === 0 ? 1 : 0));
    for (let j = 0; j < cols; j++) {
      let s = 0n;
      for (let k = 0; k < batch.count; k++) s += BigInt(x[k * cols + j]) * D[k];
      g[j] = decodeGradient(s, batch.count, 2 * F);
    }
    if (i === 0) g[cols] = decodeGradient(D.reduce((a, b) => a + b, 0n), batch.count, F);
    return g;
  });
}

export { quantize };
