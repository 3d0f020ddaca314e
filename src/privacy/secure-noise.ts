/**
 * Gaussian noise for differential privacy.
 *
 * Default: a cryptographically secure source. Random bytes come from node:crypto
 * (`randomFillSync`, the OS CSPRNG), are turned into uniforms with 52 random bits each, and into
 * standard normals by the Box–Muller transform (Box & Muller 1958). A predictable generator
 * would let anyone who knows or recovers its state subtract the noise, so the DP guarantee
 * assumes noise the adversary cannot predict.
 *
 * Seeded: only when a seed is passed explicitly (tests, reproducible benchmarks): xoshiro128**
 * streams from src/random/rng.ts with the ziggurat, derived from (seed, labels). Such noise is
 * NOT secure: anyone with the seed can reproduce and remove it. `secure` says which one was used
 * and results must report it.
 *
 * Floating-point caveat (Mironov 2012, "On Significance of the Least Significant Bits for
 * Differential Privacy", CCS): sampling continuous noise with textbook floating-point formulas
 * gives a distribution whose support has gaps that depend on the value the noise is added to, so
 * an adversary who sees the exact double output can sometimes tell neighbouring inputs apart,
 * breaking DP entirely for that release. What this module does: secure random bits, 52-bit
 * uniforms (k + ½)/2^52 in the open interval (0, 1), exact in double precision (so log never
 * sees 0 and the tails are cut only beyond |z| ≈ 8.57, probability ~1e-17), double-precision Box–Muller. What it does NOT do: it is not
 * a discrete Gaussian (Canonne, Kamath & Steinke 2020) nor a snapping mechanism, so it does not
 * defend against Mironov-style attacks on the low-order bits of a released value, nor against
 * timing side channels. We consider the risk low for DP-SGD, where noise is added to sums of
 * clipped gradients that are then used inside training rather than released bit-exactly, but
 * the formal (ε, δ) guarantee is for the idealized real-valued Gaussian mechanism, and fedage
 * does not claim more than that.
 */
import { randomFillSync } from 'node:crypto';
import { Xoshiro128, streamState } from '../random/rng.js';
import type { GaussianNoise } from './noise-types.js';

/** A GaussianNoise (what dp-sgd / client-dp take) with a name for results and in-place adding. */
export interface NoiseSource extends GaussianNoise {
  /** True when the noise comes from a cryptographically secure generator. */
  readonly secure: boolean;
  /** What generated it, for results files (e.g. "node:crypto box-muller"). */
  readonly name: string;
  /** out[i] = N(0, sd²) draws. */
  fillGaussian(out: Float64Array | Float32Array, sd: number): void;
  /** target[i] += N(0, sd²) draws (noise added to a sum in place, no temporary). */
  addGaussian(target: Float64Array | Float32Array, sd: number): void;
}

export interface NoiseSourceOptions {
  /** Explicit seed: deterministic, NOT secure noise. Omit for secure noise. */
  seed?: number;
  /** Extra stream labels for the seeded source (e.g. site id, arm), so streams stay independent. */
  labels?: readonly string[];
}

function checkSd(sd: number): void {
  if (!(sd >= 0) || !Number.isFinite(sd)) throw new RangeError(`sd: expected a finite standard deviation >= 0, found ${sd}`);
}

const TWO_POW_MINUS_52 = 2 ** -52;
const TWO_PI = 2 * Math.PI;
const WORDS_PER_REFILL = 4096; // 16 KiB of random bytes per crypto call

/**
 * Standard normals from a CSPRNG by Box–Muller. `randomFill` is injectable only so tests can feed
 * known words; production uses node:crypto.
 */
export class SecureGaussianSource implements NoiseSource {
  readonly secure = true;
  readonly name = 'node:crypto randomFillSync, 52-bit uniforms, Box-Muller';
  private readonly words = new Uint32Array(WORDS_PER_REFILL);
  private pos = WORDS_PER_REFILL;
  private spare = 0;
  private hasSpare = false;

  constructor(private readonly randomFill: (words: Uint32Array) => void = (w) => void randomFillSync(w)) {}

  private nextWord(): number {
    if (this.pos === WORDS_PER_REFILL) {
      this.randomFill(this.words);
      this.pos = 0;
    }
    return this.words[this.pos++];
  }

  /**
   * Uniform in (0, 1): (k + ½)·2^−52 with k = 26 bits · 2^26 + 26 bits < 2^52. k + ½ is exact
   * below 2^52 (with 53 bits, 2^53 − ½ would round up to 2^53, i.e. u = 1).
   */
  uniform(): number {
    const hi = this.nextWord() >>> 6;
    const lo = this.nextWord() >>> 6;
    return (hi * 67108864 + lo + 0.5) * TWO_POW_MINUS_52;
  }

  /** One standard normal; Box–Muller yields two per pair of uniforms, the second is kept. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = TWO_PI * this.uniform();
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  fillGaussian(out: Float64Array | Float32Array, sd: number): void {
    checkSd(sd);
    for (let i = 0; i < out.length; i++) out[i] = sd * this.normal();
  }

  addGaussian(target: Float64Array | Float32Array, sd: number): void {
    checkSd(sd);
    for (let i = 0; i < target.length; i++) target[i] += sd * this.normal();
  }
}

/** Deterministic normals (xoshiro128** + ziggurat) for tests and reproducibility: NOT secure. */
export class SeededGaussianSource implements NoiseSource {
  readonly secure = false;
  readonly name: string;
  private readonly rng: Xoshiro128;

  constructor(seed: number, labels: readonly string[] = []) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed: expected an integer, found ${seed}`);
    this.rng = new Xoshiro128(streamState(seed, 'dp-noise', ...labels));
    this.name = `xoshiro128** ziggurat, seed ${seed}${labels.length ? ` (${labels.join('/')})` : ''} (NOT secure)`;
  }

  fillGaussian(out: Float64Array | Float32Array, sd: number): void {
    checkSd(sd);
    const z = this.rng.normals(out.length);
    for (let i = 0; i < out.length; i++) out[i] = sd * z[i];
  }

  addGaussian(target: Float64Array | Float32Array, sd: number): void {
    checkSd(sd);
    const z = this.rng.normals(target.length);
    for (let i = 0; i < target.length; i++) target[i] += sd * z[i];
  }
}

/** Secure noise unless a seed is given explicitly. */
export function createNoiseSource(options: NoiseSourceOptions = {}): NoiseSource {
  return options.seed === undefined ? new SecureGaussianSource() : new SeededGaussianSource(options.seed, options.labels ?? []);
}
