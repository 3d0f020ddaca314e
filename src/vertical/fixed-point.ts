/**
 * Fixed-point encoding for the vertical logistic-regression protocols: a real v becomes the
 * integer round(v·2^F). Both protocols (Paillier, masked) compute on these integers exactly —
 * sums and products of integers, no rounding — so the only error against floating-point training
 * is the quantization of each input, |v − round(v·2^F)/2^F| ≤ 2^−(F+1). With the default
 * F = 20 that is 4.8e-7 per feature value and per logit; a gradient coordinate, a product of two
 * encoded values summed over the batch and divided by 2^(2F), carries a relative error of the
 * same order (test/vertical/vertical-lr.test.ts bounds the effect on trained weights).
 *
 * The integers live in Z_N (Paillier: N = the public modulus; masked: N = 2^64), negative values
 * as N − |v|; every opened sum must stay below N/2 in magnitude, which `assertRange` checks with
 * the bound B·max|x|·max|D|·2^(2F) before a batch is processed.
 */
export const DEFAULT_FRACTION_BITS = 20;

export function quantize(v: number, fractionBits: number): number {
  const q = Math.round(v * 2 ** fractionBits);
  if (!Number.isSafeInteger(q)) throw new RangeError(`fixed point: ${v} · 2^${fractionBits} is not a safe integer (a diverging model?)`);
  return q;
}

/** x_int[i] = round(x[i]·2^F), as doubles (exact: |x_int| < 2^53 is checked once, on the largest). */
export function quantizeAll(x: Float64Array, fractionBits: number): Float64Array {
  const out = new Float64Array(x.length);
  const scale = 2 ** fractionBits;
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) {
    const q = Math.round(x[i] * scale);
    out[i] = q;
    const a = q < 0 ? -q : q;
    if (a > maxAbs) maxAbs = a;
  }
  if (!(maxAbs <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`fixed point: a value times 2^${fractionBits} is not a safe integer (a diverging model?)`);
  return out;
}

/** The signed integer of a residue modulo `modulus` (the upper half is negative). */
export function signedResidue(r: bigint, modulus: bigint): bigint {
  const m = ((r % modulus) + modulus) % modulus;
  return m > modulus / 2n ? m - modulus : m;
}

/** Throws unless every sum Σ_i x_int·D_int (count terms) is below modulus/2 in magnitude. */
export function assertRange(count: number, maxAbsX: number, maxAbsD: number, modulus: bigint, what: string): void {
  const bound = BigInt(count) * BigInt(Math.ceil(maxAbsX)) * BigInt(Math.ceil(maxAbsD));
  if (bound * 2n >= modulus) throw new RangeError(`${what}: fixed-point sums could reach ${bound}, beyond half the modulus (2^${modulus.toString(2).length - 1}); use fewer fraction bits or a smaller batch`);
}
