/**
 * The one thing the DP mechanisms need from a noise source: independent Gaussian draws.
 *
 * The mechanisms (dp-sgd.ts, client-dp.ts, adaptive-clipping.ts) take a GaussianNoise rather
 * than building one, so that the secure source (node:crypto based, privacy/secure-noise.ts) is the
 * default in the product and a seeded one can be injected only where a caller explicitly asks for
 * reproducibility (tests, `--insecure-seeded-noise`-style options); `secure` travels with the
 * source so that results can state which kind of noise was used.
 */
export interface GaussianNoise {
  /**
   * True only for a cryptographically secure source. A seeded PRNG (e.g. xoshiro128**) must say
   * false: its draws are predictable from the seed, and DP noise that can be predicted can be
   * subtracted.
   */
  readonly secure: boolean;
  /** Overwrites every entry of `out` with an independent N(0, sd²) draw (sd ≥ 0; sd = 0 gives zeros). */
  fillGaussian(out: Float64Array, sd: number): void;
}
