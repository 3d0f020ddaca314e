/** A seeded Gaussian noise source for tests (never for real DP noise: `secure` is false). */
import type { GaussianNoise } from '../../src/privacy/noise-types.js';
import { streamState, Xoshiro128 } from '../../src/random/rng.js';

export class SeededGaussianNoise implements GaussianNoise {
  readonly secure = false;
  private readonly rng: Xoshiro128;
  /** Every value this source has produced, in order, when `record` is set. */
  readonly produced: number[] = [];
  constructor(
    seed: number,
    label = 'noise',
    private readonly record = false,
  ) {
    this.rng = new Xoshiro128(streamState(seed, 'test-noise', label));
  }

  fillGaussian(out: Float64Array, sd: number): void {
    for (let j = 0; j < out.length; j++) {
      out[j] = sd * this.rng.normal();
      if (this.record) this.produced.push(out[j]);
    }
  }
}

/** Mean and unbiased variance. */
export function meanVariance(values: ArrayLike<number>): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i] - mean) ** 2;
  return { mean, variance: ss / (values.length - 1) };
}

/**
 * Asserts that `values` look like i.i.d. N(0, sd²): |mean| within 5 standard errors and the
 * sample variance within 5 standard errors of sd² (se of s² ≈ sd²·√(2/(k−1)) for normal data).
 * Fixed seeds make the check deterministic; 5 se keeps it far from flaky when the seed changes.
 */
export function assertNormalWithSd(values: ArrayLike<number>, sd: number, what: string): void {
  const k = values.length;
  const { mean, variance } = meanVariance(values);
  const meanSe = sd / Math.sqrt(k);
  const varSe = sd * sd * Math.sqrt(2 / (k - 1));
  if (!(Math.abs(mean) <= 5 * meanSe)) throw new Error(`${what}: mean ${mean} not within 5 se (${meanSe}) of 0`);
  if (!(Math.abs(variance - sd * sd) <= 5 * varSe)) {
    throw new Error(`${what}: variance ${variance} not within 5 se (${varSe}) of ${sd * sd} (sd ${Math.sqrt(variance)} vs ${sd})`);
  }
}
