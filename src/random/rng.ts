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

  /**
   * Standard normal by the ziggurat method (Marsaglia & Tsang 2000, J Stat Softw 5(8)), 128
   * layers; about 1.2 % of draws take the slow path. Each variable has its own stream, so the
   * variable number of uniforms per draw never shifts another variable.
   */
  normal(): number {
    const hz = this.nextU32() | 0;
    const iz = hz & 127;
    if (hz < ZIG_K[iz] && hz > -ZIG_K[iz]) return hz * ZIG_W[iz];
    return this.normalSlowPath(hz, iz);
  }

  /** The ziggurat's slow path for a rejected first draw: the base strip's tail, or a wedge test. */
  private normalSlowPath(hz0: number, iz0: number): number {
    let hz = hz0;
    let iz = iz0;
    for (;;) {
      if (iz === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.uniform()) / ZIG_R;
          y = -Math.log(this.uniform());
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = hz * ZIG_W[iz];
      if (ZIG_F[iz] + this.uniform() * (ZIG_F[iz - 1] - ZIG_F[iz]) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextU32() | 0;
      iz = hz & 127;
      if (hz < ZIG_K[iz] && hz > -ZIG_K[iz]) return hz * ZIG_W[iz];
    }
  }

  /**
   * `count` uniforms in (0, 1), in stream order, into a scratch buffer owned by this stream
   * (valid until the next fill call on the same stream). The state lives in locals here: this
   * bulk path is several times faster than per-draw calls.
   */
  uniforms(count: number): Float64Array {
    const out = this.scratch(count);
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < count; i++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (r + 0.5) * TWO_POW_MINUS_32;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /**
   * `count` standard normals (ziggurat) into this stream's scratch buffer; see uniforms().
   * The fast path is a tight inner loop that leaves on the rare rejected draw. |hz| < k is
   * tested as -k < hz < k: negating an int32 can overflow (hz = -2^31), and that possibility
   * alone made V8 compile the loop on doubles, 3x slower.
   */
  normals(count: number): Float64Array {
    const out = this.scratch(count);
    const K = ZIG_K;
    const W = ZIG_W;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    let i = 0;
    while (i < count) {
      let hz = 0;
      for (; i < count; i++) {
        const m = Math.imul(s1, 5);
        hz = Math.imul((m << 7) | (m >>> 25), 9);
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        const k = K[hz & 127];
        if (hz >= k || hz <= -k) break;
        out[i] = hz * W[hz & 127];
      }
      if (i < count) {
        // Rare slow path: hand the state back, use the per-draw code, take it again.
        this.s0 = s0;
        this.s1 = s1;
        this.s2 = s2;
        this.s3 = s3;
        out[i++] = this.normalSlowPath(hz, hz & 127);
        s0 = this.s0;
        s1 = this.s1;
        s2 = this.s2;
        s3 = this.s3;
      }
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  private buffer = new Float64Array(0);
  private scratch(count: number): Float64Array {
    if (this.buffer.length < count) this.buffer = new Float64Array(Math.max(count, 2 * this.buffer.length));
    return this.buffer;
  }

  /** Standard normal by inversion (exactly one uniform): for copulas and calibration. */
  normalByInversion(): number {
    return normalQuantile(this.uniform());
  }

  bernoulli(p: number): number {
    return this.uniform() < p ? 1 : 0;
  }
}

// Ziggurat tables for 128 layers (Marsaglia & Tsang 2000, section 4).
const ZIG_R = 3.442619855899;
const ZIG_K = new Float64Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
{
  const m1 = 2147483648.0;
  const vn = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = (dn / q) * m1;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m1;
  ZIG_W[127] = dn / m1;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = (dn / tn) * m1;
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / m1;
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
