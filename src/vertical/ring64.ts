/**
 * Arithmetic in the ring Z_{2^64} on typed arrays, for the masked vertical-LR protocol
 * (vertical/vertical-lr-masked.ts): an element is four 16-bit limbs, little-endian, in a
 * Uint16Array (element i at [4i, 4i + 4)). Why limbs and not BigInt: a product of two 16-bit
 * limbs is an exact double, so a dot product mod 2^64 is 10 multiply-adds per term into four
 * double accumulators with one carry pass at the end — measured 2.5x faster than BigInt
 * (perf/vertical-train.ts), with the same integers (test/vertical/ring64.test.ts checks against
 * BigInt).
 *
 * Accumulator bound: limb accumulator 3 receives 4 products < 2^32 per term, so a dot product of
 * up to 2^19 terms stays below 2^53 (exact); longer ones are refused.
 */
import { createCipheriv, randomBytes, randomFillSync, type Cipher } from 'node:crypto';

const L = 65536;
export const MAX_DOT_TERMS = 2 ** 19;

/** Uniform ring elements from node:crypto. */
export function randomRing(count: number): Uint16Array {
  return randomFillSync(new Uint16Array(4 * count));
}

/** Bytes of a PRG seed (an AES-128 key). */
export const SEED_BYTES = 16;

/**
 * A pseudorandom generator shared by two parties through a 16-byte seed: AES-128 in counter mode
 * over zeros (the keystream), as NIST SP 800-90A's CTR_DRBG core, so that megabytes of masks cost
 * one 16-byte message. Both holders of the seed draw the same ring elements in the same order.
 */
export class RingPrg {
  private readonly cipher: Cipher;
  private zeros = new Uint8Array(0);
  constructor(seed: Uint8Array = randomBytes(SEED_BYTES)) {
    if (seed.length !== SEED_BYTES) throw new RangeError(`a PRG seed has ${SEED_BYTES} bytes, got ${seed.length}`);
    this.cipher = createCipheriv('aes-128-ctr', seed, new Uint8Array(16));
  }

  /** The next `count` uniform ring elements of the stream. */
  next(count: number): Uint16Array {
    const bytes = 8 * count;
    if (this.zeros.length < bytes) this.zeros = new Uint8Array(bytes);
    const out = new Uint8Array(bytes);
    out.set(this.cipher.update(this.zeros.subarray(0, bytes))); // a copy: the Buffer may sit at an odd offset
    return new Uint16Array(out.buffer);
  }
}

/** Safe integers (|v| < 2^53) reduced mod 2^64 (two's complement for negatives). */
export function fromSafeIntegers(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(4 * values.length);
  for (let i = 0; i < values.length; i++) setSafeInteger(out, i, values[i]);
  return out;
}

export function setSafeInteger(out: Uint16Array, i: number, v: number): void {
  let a = Math.abs(v);
  const o = 4 * i;
  for (let l = 0; l < 4; l++) {
    const q = Math.floor(a / L);
    out[o + l] = a - q * L;
    a = q;
  }
  if (v < 0) negateAt(out, i);
}

function negateAt(a: Uint16Array, i: number): void {
  const o = 4 * i;
  let carry = 1;
  for (let l = 0; l < 4; l++) {
    const v = (~a[o + l] & 0xffff) + carry;
    a[o + l] = v & 0xffff;
    carry = v >>> 16;
  }
}

/** out[i] = a[i] + sign·b[i] mod 2^64 (sign ±1), element-wise. */
export function addInto(out: Uint16Array, a: Uint16Array, b: Uint16Array, sign: 1 | -1): Uint16Array {
  for (let o = 0; o < a.length; o += 4) {
    let carry = sign === 1 ? 0 : 1;
    for (let l = 0; l < 4; l++) {
      const v = a[o + l] + (sign === 1 ? b[o + l] : ~b[o + l] & 0xffff) + carry;
      out[o + l] = v & 0xffff;
      carry = v >>> 16;
    }
  }
  return out;
}

/**
 * out[j] = Σ_k M[k·cols + j]·v[k] mod 2^64 for j < cols (Mᵀ·v for a rows×cols row-major M).
 */
export function transposeTimesVector(M: Uint16Array, v: Uint16Array, rows: number, cols: number): Uint16Array {
  if (rows > MAX_DOT_TERMS) throw new RangeError(`ring dot products of ${rows} terms exceed the exact-accumulator bound ${MAX_DOT_TERMS}`);
  const acc = new Float64Array(4 * cols);
  for (let k = 0; k < rows; k++) {
    const b0 = v[4 * k];
    const b1 = v[4 * k + 1];
    const b2 = v[4 * k + 2];
    const b3 = v[4 * k + 3];
    for (let j = 0; j < cols; j++) {
      const o = 4 * (k * cols + j);
      const a0 = M[o];
      const a1 = M[o + 1];
      const a2 = M[o + 2];
      const a3 = M[o + 3];
      const c = 4 * j;
      acc[c] += a0 * b0;
      acc[c + 1] += a0 * b1 + a1 * b0;
      acc[c + 2] += a0 * b2 + a1 * b1 + a2 * b0;
      acc[c + 3] += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
    }
  }
  const out = new Uint16Array(4 * cols);
  for (let j = 0; j < cols; j++) {
    let carry = 0;
    for (let l = 0; l < 4; l++) {
      const s = acc[4 * j + l] + carry;
      carry = Math.floor(s / L);
      out[4 * j + l] = s - carry * L;
    }
  }
  return out;
}

/** Element i as a signed integer in [−2^63, 2^63). */
export function toSignedBigInt(a: Uint16Array, i: number): bigint {
  const o = 4 * i;
  const u = BigInt(a[o]) | (BigInt(a[o + 1]) << 16n) | (BigInt(a[o + 2]) << 32n) | (BigInt(a[o + 3]) << 48n);
  return BigInt.asIntN(64, u);
}

/** Element i as a signed double; throws unless it is a safe integer (|v| < 2^53, then exact). */
export function toSignedSafe(a: Uint16Array, i: number): number {
  const o = 4 * i;
  const top = a[o + 3] >= 0x8000 ? a[o + 3] - L : a[o + 3];
  if (top > 0x1f || top < -0x20) throw new RangeError(`ring element ${i} is outside the safe-integer range`);
  return ((top * L + a[o + 2]) * L + a[o + 1]) * L + a[o];
}
