/**
 * Top-k sparsification with error feedback: send the k coordinates of largest magnitude of
 * (update + residual), keep what was not sent as the next residual (Stich, Cordonnier & Jaggi,
 * "Sparsified SGD with Memory", NeurIPS 2018; Karimireddy et al., "Error Feedback Fixes SignSGD
 * and other Gradient Compression Schemes", ICML 2019). Biased in any one round; the residual
 * makes every coordinate's mass arrive eventually.
 *
 * Each site picks its own coordinates, so messages cannot be added position-wise under masking
 * or CKKS, and the indices would tell the server where each site's update is largest: the
 * compatibility check refuses top-k with secure aggregation.
 *
 * Message: header (format, dimension), k, the ascending indices as LEB128 varints of their gaps,
 * then k float32 values. The residual is computed against the float32 values actually sent.
 */
import { ByteReader, ByteWriter, readHeader } from './bytes.js';
import { FORMAT, type CompressionContext, type Compressor, type CompressorState } from './types.js';

export function checkFraction(fraction: number, name: string): void {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`${name}: expected a fraction in (0, 1], found ${fraction}`);
}

export function countOf(fraction: number, dimension: number): number {
  return Math.max(1, Math.min(dimension, Math.ceil(fraction * dimension)));
}

export class TopKCompressor implements Compressor {
  readonly kind = 'topk' as const;
  readonly sharedSupport = false;
  readonly unbiased = false;
  readonly spec: string;

  constructor(
    readonly fraction: number,
    readonly errorFeedback = true,
  ) {
    checkFraction(fraction, 'top-k');
    this.spec = `topk:${fraction}`;
  }

  newState(dimension: number): CompressorState {
    return { residual: this.errorFeedback ? new Float64Array(dimension) : null };
  }

  encode(update: ArrayLike<number>, state: CompressorState, _ctx: CompressionContext): Uint8Array {
    const d = update.length;
    const acc = new Float64Array(d);
    const res = state.residual;
    if (res && res.length !== d) throw new RangeError(`top-k: residual has ${res.length} values, update ${d}`);
    for (let i = 0; i < d; i++) acc[i] = update[i] + (res ? res[i] : 0);
    const k = countOf(this.fraction, d);
    // The k-th largest magnitude by a native sort of the magnitudes; ties go to lower indices.
    const mags = Float64Array.from(acc, Math.abs).sort();
    const cut = mags[d - k];
    let above = 0;
    for (let i = 0; i < d; i++) if (Math.abs(acc[i]) > cut) above++;
    let ties = k - above;
    const idx: number[] = [];
    for (let i = 0; i < d; i++) {
      const a = Math.abs(acc[i]);
      if (a > cut || (a === cut && ties-- > 0)) idx.push(i);
    }
    const w = new ByteWriter();
    w.u8(FORMAT.topk);
    w.u32(d);
    w.u32(k);
    let prev = 0;
    for (const i of idx) {
      w.varint(i - prev);
      prev = i;
    }
    const sent = new Float64Array(d);
    for (const i of idx) {
      const v = Math.fround(acc[i]);
      w.f32(v);
      sent[i] = v;
    }
    if (res) for (let i = 0; i < d; i++) res[i] = acc[i] - sent[i];
    return w.finish();
  }

  decode(message: Uint8Array, dimension: number): Float64Array {
    const r = new ByteReader(message);
    readHeader(r, FORMAT.topk, dimension, this.spec);
    const k = r.u32();
    if (k > dimension) throw new RangeError(`${this.spec}: ${k} coordinates for dimension ${dimension}`);
    const idx = new Array<number>(k);
    let prev = 0;
    for (let j = 0; j < k; j++) {
      prev += r.varint();
      if (prev >= dimension) throw new RangeError(`${this.spec}: index ${prev} out of range`);
      idx[j] = prev;
    }
    const out = new Float64Array(dimension);
    for (let j = 0; j < k; j++) out[idx[j]] = r.f32();
    r.end();
    return out;
  }
}
