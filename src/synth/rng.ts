/**
 * Seeded random streams. Every variable of a site draws from its own stream, derived from
 * (master seed, site id, stream name) by SHA-256, so that:
 *  - a site's data depends only on (seed, site id): adding a site never changes another one;
 *  - output does not depend on the batch size (each stream is consumed in patient order);
 *  - adding a new variable later does not shift the draws of existing ones.
 * The generator is xoshiro128** (Blackman & Vigna 2018): 32-bit state words suit V8's int32
 * fast paths. Not for DP noise: that uses a cryptographically secure source (privacy/).
 */
import { createHash } from 'node:crypto';
import { normalQuantile } from './normal.js';

const TWO_POW_MINUS_32 = 2 ** -32;

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(state: Uint32Array) {
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return r;
  }

  /** Uniform in the open interval (0, 1): never 0 or 1, so log() and quantiles are safe. */
  uniform(): number {
    return (this.nextU32() + 0.5) * TWO_POW_MINUS_32;
  }

  /** Standard normal by inversion: exactly one uniform per draw, so streams stay aligned. */
  normal(): number {
    return normalQuantile(this.uniform());
  }

  bernoulli(p: number): number {
    return this.uniform() < p ? 1 : 0;
  }
}

/** Derives a stream's 128-bit state from its labels. */
export function streamState(seed: number, ...labels: string[]): Uint32Array {
  const digest = createHash('sha256').update(JSON.stringify(['fedage/v1', seed, ...labels])).digest();
  return new Uint32Array(digest.buffer.slice(digest.byteOffset, digest.byteOffset + 16));
}

/** Lazily created named streams of one site. */
export class SiteStreams {
  private readonly streams = new Map<string, Xoshiro128>();
  constructor(
    readonly seed: number,
    readonly siteId: string,
  ) {}

  get(name: string): Xoshiro128 {
    let s = this.streams.get(name);
    if (!s) {
      s = new Xoshiro128(streamState(this.seed, this.siteId, name));
      this.streams.set(name, s);
    }
    return s;
  }
}
