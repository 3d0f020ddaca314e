/**
 * Random-k sparsification with a shared seed: every site of a round sends the same k
 * coordinates, drawn from (shared seed, round) by a partial Fisher–Yates shuffle, so no index
 * travels and messages can be added position-wise: the one sparsifier compatible with masking
 * and CKKS (those then run on the k selected values). Values are scaled by d/k, which makes the
 * estimate unbiased (Wangni, Wang, Liu & Zhang, "Gradient Sparsification for
 * Communication-Efficient Distributed Optimization", NeurIPS 2018; Stich et al. 2018 study it with
 * memory instead): E[decode] = x, with variance (d/k − 1)·‖x‖².
 *
 * Message: header (format, dimension), k, k float32 values in the order of the drawn coordinates.
 */
import { Xoshiro128, streamState } from '../random/rng.js';
import { ByteReader, ByteWriter, readHeader } from './bytes.js';
import { checkFraction, countOf } from './topk.js';
import { FORMAT, type CompressionContext, type Compressor, type CompressorState } from './types.js';

/** The round's k coordinates, the same at every site (and at the server). */
export function sharedCoordinates(dimension: number, k: number, sharedSeed: number, round: number): Uint32Array {
  const rng = new Xoshiro128(streamState(sharedSeed, 'randk', String(round)));
  const perm = new Uint32Array(dimension);
  for (let i = 0; i < dimension; i++) perm[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.uniform() * (dimension - i));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm.slice(0, k);
}

export class RandKCompressor implements Compressor {
  readonly kind = 'randk' as const;
  readonly sharedSupport = true;
  readonly unbiased = true;
  readonly spec: string;

  constructor(readonly fraction: number) {
    checkFraction(fraction, 'random-k');
    this.spec = `randk:${fraction}`;
  }

  newState(): CompressorState {
    return { residual: null };
  }

  encode(update: ArrayLike<number>, _state: CompressorState, ctx: CompressionContext): Uint8Array {
    const d = update.length;
    const k = countOf(this.fraction, d);
    const idx = sharedCoordinates(d, k, ctx.sharedSeed, ctx.round);
    const scale = d / k;
    const w = new ByteWriter();
    w.u8(FORMAT.randk);
    w.u32(d);
    w.u32(k);
    for (const i of idx) w.f32(update[i] * scale);
    return w.finish();
  }

  decode(message: Uint8Array, dimension: number, ctx: CompressionContext): Float64Array {
    const r = new ByteReader(message);
    readHeader(r, FORMAT.randk, dimension, this.spec);
    const k = r.u32();
    if (k !== countOf(this.fraction, dimension)) throw new RangeError(`${this.spec}: ${k} values, expected ${countOf(this.fraction, dimension)}`);
    const idx = sharedCoordinates(dimension, k, ctx.sharedSeed, ctx.round);
    const out = new Float64Array(dimension);
    for (const i of idx) out[i] = r.f32();
    r.end();
    return out;
  }
}
