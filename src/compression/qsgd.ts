/**
 * Unbiased stochastic uniform quantization with b bits per coordinate, after QSGD (Alistarh,
 * Grubic, Li, Tomioka & Vojnovic, "QSGD: Communication-Efficient SGD via Gradient Quantization
 * and Encoding", NeurIPS 2017, §3.1): the vector is cut into buckets; within a bucket of scale m,
 * |v_i| / m · s is rounded stochastically to one of the levels 0 … s (up with probability equal
 * to the fractional part), and sent with the sign. One bit is the sign, b − 1 bits the level:
 * s = 2^(b−1) − 1 (127 for 8 bits, 7 for 4, 1 for 2, i.e. ternary {−m, 0, m} as in TernGrad).
 *
 * Scale: the bucket's max-norm m = max|v_i| (QSGD's analysis uses the L2 norm; the max-norm is
 * never larger, so levels are finer). Lemma 3.1's variance bound still holds for the max-norm:
 * per coordinate the variance is (m/s)² p(1−p) with p the fractional part; when the level is 0,
 * (m/s)·p = |v_i| so it is ≤ (m/s)|v_i|; when it is ≥ 1, |v_i| ≥ m/s so (m/s)²/4 ≤ (m/s)|v_i|.
 * Summing, Var ≤ (m/s)‖v‖₁ ≤ (√B/s)‖v‖₂², and also ≤ B m²/(4s²) ≤ (B/s²)‖v‖₂²: together
 * E‖Q(v) − v‖² ≤ min(B/s², √B/s)·‖v‖² per bucket of B coordinates, QSGD's bound.
 *
 * Message: header (format, dimension, bits, bucket size), one float32 scale per bucket, then the
 * codes bit-packed at b bits. Scales are rounded to float32 before use, so the decoder's levels
 * are exactly the encoder's (the estimate stays unbiased).
 */
import { packWords, unpackWords } from '../secagg/wire.js';
import { ByteReader, ByteWriter, readHeader } from './bytes.js';
import { FORMAT, type CompressionContext, type Compressor, type CompressorState } from './types.js';

export type QuantizationBits = 2 | 4 | 8;

export class QsgdCompressor implements Compressor {
  readonly kind = 'quantize' as const;
  readonly sharedSupport = false;
  readonly unbiased = true;
  readonly spec: string;
  readonly levels: number;

  constructor(
    readonly bits: QuantizationBits,
    readonly bucketSize = 256,
  ) {
    if (![2, 4, 8].includes(bits)) throw new RangeError(`quantization bits: expected 2, 4 or 8, found ${bits}`);
    if (!Number.isInteger(bucketSize) || bucketSize < 1 || bucketSize > 65535) throw new RangeError(`quantization bucket size: expected an integer in [1, 65535], found ${bucketSize}`);
    this.spec = `q${bits}`;
    this.levels = 2 ** (bits - 1) - 1;
  }

  newState(): CompressorState {
    return { residual: null };
  }

  /** QSGD's bound on E‖Q(v) − v‖² for one vector: Σ over buckets of min(B/s², √B/s)·‖v_bucket‖². */
  varianceBound(update: ArrayLike<number>): number {
    const s = this.levels;
    let total = 0;
    for (let start = 0; start < update.length; start += this.bucketSize) {
      const end = Math.min(update.length, start + this.bucketSize);
      const B = end - start;
      let sq = 0;
      for (let i = start; i < end; i++) sq += update[i] * update[i];
      total += Math.min(B / (s * s), Math.sqrt(B) / s) * sq;
    }
    return total;
  }

  encode(update: ArrayLike<number>, _state: CompressorState, ctx: CompressionContext): Uint8Array {
    const d = update.length;
    const s = this.levels;
    const nb = Math.ceil(d / this.bucketSize);
    const scales = new Float32Array(nb);
    const codes = new Uint32Array(d);
    const signBit = 2 ** (this.bits - 1);
    for (let b = 0; b < nb; b++) {
      const start = b * this.bucketSize;
      const end = Math.min(d, start + this.bucketSize);
      let m = 0;
      for (let i = start; i < end; i++) {
        const a = Math.abs(update[i]);
        if (!Number.isFinite(a)) throw new RangeError(`quantization: update has a non-finite value at index ${i}`);
        if (a > m) m = a;
      }
      // float32 rounding up, so that |v_i| / m ≤ 1 still holds with the transmitted scale.
      let m32 = Math.fround(m);
      if (m32 < m) m32 = Math.fround(m * (1 + 2 ** -23));
      scales[b] = m32;
      if (m32 === 0) continue;
      for (let i = start; i < end; i++) {
        const v = update[i];
        const r = (Math.abs(v) / m32) * s;
        const l = Math.floor(r);
        const level = Math.min(s, l + (ctx.rng.uniform() < r - l ? 1 : 0));
        codes[i] = (v < 0 && level > 0 ? signBit : 0) + level;
      }
    }
    const w = new ByteWriter();
    w.u8(FORMAT.quantize);
    w.u32(d);
    w.u8(this.bits);
    w.u32(this.bucketSize);
    for (const m of scales) w.f32(m);
    w.bytes(packWords(codes, this.bits));
    return w.finish();
  }

  decode(message: Uint8Array, dimension: number): Float64Array {
    const r = new ByteReader(message);
    readHeader(r, FORMAT.quantize, dimension, this.spec);
    const bits = r.u8();
    const bucket = r.u32();
    if (bits !== this.bits || bucket !== this.bucketSize) throw new RangeError(`${this.spec}: message has ${bits} bits, bucket ${bucket}`);
    const nb = Math.ceil(dimension / bucket);
    const scales = Array.from({ length: nb }, () => r.f32());
    const codes = unpackWords(r.bytes(Math.ceil((dimension * bits) / 8)), dimension, bits);
    r.end();
    const s = this.levels;
    const signBit = 2 ** (bits - 1);
    const out = new Float64Array(dimension);
    for (let i = 0; i < dimension; i++) {
      const c = codes[i];
      const level = c & (signBit - 1);
      const mag = (level * scales[Math.floor(i / bucket)]) / s;
      out[i] = c & signBit ? -mag : mag;
    }
    return out;
  }
}
