/**
 * Update compression: a site encodes its update into message bytes; the server decodes them.
 * Sizes reported anywhere are lengths of these messages. A compressor may keep per-site state
 * (error feedback's residual), which lives in an explicit state object owned by the caller, one
 * per site, carried across rounds.
 */
export interface UniformSource {
  uniform(): number;
}

export interface CompressionContext {
  round: number;
  site: number;
  /** Shared by all sites of a run: random-k derives each round's coordinates from it. */
  sharedSeed: number;
  /** The site's private randomness (stochastic rounding). */
  rng: UniformSource;
}

export interface CompressorState {
  /** Error feedback: what earlier messages left out, added to the next update. */
  residual: Float64Array | null;
}

export type CompressorKind = 'quantize' | 'topk' | 'randk';

export interface Compressor {
  /** As written in flags and results: q8, q4, q2, topk:0.1, randk:0.1. */
  readonly spec: string;
  readonly kind: CompressorKind;
  /**
   * True when every site of a round sends the same coordinates in the same positions, so
   * messages' values can be added position-wise (masking, CKKS) once decoded to that support.
   */
  readonly sharedSupport: boolean;
  /** E[decode(encode(x))] = x (ignoring error feedback, which is biased per round by design). */
  readonly unbiased: boolean;
  newState(dimension: number): CompressorState;
  encode(update: ArrayLike<number>, state: CompressorState, ctx: CompressionContext): Uint8Array;
  decode(message: Uint8Array, dimension: number, ctx: CompressionContext): Float64Array;
}

/** Message header: format tag, dimension. Shared by every compressor so a message names its format. */
export const FORMAT = { quantize: 0x51, topk: 0x54, randk: 0x52 } as const;
