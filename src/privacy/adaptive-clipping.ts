/**
 * Adaptive clipping for client-level DP: Andrew, Thakkar, McMahan & Ramaswamy 2021,
 * "Differentially Private Learning with Adaptive Clipping", NeurIPS, Algorithm 1 (geometric
 * update) and Theorem 1.
 *
 * The clip norm S follows the γ-quantile of the clients' update norms. Each round each
 * participant reports one bit b_k = 1[‖Δ_k‖ ≤ S]; the server releases the noised mean
 *   b̄ = (Σ_k (b_k − ½) + N(0, σ_b²)) / m̄ + ½
 * (centered bits have sensitivity ½ under add/remove; m̄ = expected participants per round) and
 * updates geometrically
 *   S ← S·exp(−η_C·(b̄ − γ)).
 * When more than a γ fraction of updates fit under S, S shrinks; when fewer, it grows.
 *
 * Theorem 1: releasing the update sum with noise multiplier σ_Δ and the bit sum with σ_b is,
 * for privacy, one Gaussian mechanism with multiplier z = (σ_Δ⁻² + (2σ_b)⁻²)^(−1/2). So to keep
 * the privacy of a fixed-clipping run with multiplier z, the updates get
 *   σ_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2)   (needs σ_b > z/2),
 * and the accountant is fed z. Defaults are the paper's: γ = 0.5, η_C = 0.2, σ_b = m̄/20.
 */

export const DEFAULT_TARGET_QUANTILE = 0.5;
export const DEFAULT_CLIP_LEARNING_RATE = 0.2;
/** σ_b = m̄ / 20 (Andrew et al. 2021, §3: "σ_b = m/20"). */
export const DEFAULT_COUNT_NOISE_FRACTION = 1 / 20;

export interface AdaptiveClippingOptions {
  /** γ ∈ (0, 1): the quantile of update norms the clip norm tracks (default 0.5, the median). */
  targetQuantile?: number;
  /** η_C > 0: the geometric step size (default 0.2). */
  learningRate?: number;
  /** σ_b ≥ 0: sd of the noise on the bit sum (default m̄/20). Must exceed z/2 when z > 0. */
  countNoiseMultiplier?: number;
}

export interface ResolvedAdaptiveClipping {
  targetQuantile: number;
  learningRate: number;
  countNoiseMultiplier: number;
}

export function resolveAdaptiveClipping(options: AdaptiveClippingOptions, expectedClients: number): ResolvedAdaptiveClipping {
  const targetQuantile = options.targetQuantile ?? DEFAULT_TARGET_QUANTILE;
  const learningRate = options.learningRate ?? DEFAULT_CLIP_LEARNING_RATE;
  const countNoiseMultiplier = options.countNoiseMultiplier ?? expectedClients * DEFAULT_COUNT_NOISE_FRACTION;
  if (!(targetQuantile > 0 && targetQuantile < 1)) throw new RangeError(`adaptive clipping target quantile γ must be in (0, 1), got ${targetQuantile}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new RangeError(`adaptive clipping learning rate η_C must be finite and > 0, got ${learningRate}`);
  if (!(countNoiseMultiplier >= 0) || !Number.isFinite(countNoiseMultiplier)) {
    throw new RangeError(`adaptive clipping count noise σ_b must be finite and >= 0, got ${countNoiseMultiplier}`);
  }
  return { targetQuantile, learningRate, countNoiseMultiplier };
}

/**
 * σ_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (Andrew et al. 2021, Theorem 1, solved for σ_Δ): the update
 * noise multiplier that, together with the count noise σ_b, costs as much privacy as one
 * Gaussian release with multiplier z. z = 0 (no privacy) gives 0.
 */
export function adaptiveUpdateNoiseMultiplier(noiseMultiplier: number, countNoiseMultiplier: number): number {
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) throw new RangeError(`noise multiplier must be finite and >= 0, got ${noiseMultiplier}`);
  if (noiseMultiplier === 0) return 0;
  const twoSigmaB = 2 * countNoiseMultiplier;
  if (!(twoSigmaB > noiseMultiplier)) {
    throw new RangeError(
      `adaptive clipping with noise multiplier z = ${noiseMultiplier} needs count noise σ_b > z/2 = ${noiseMultiplier / 2}, got ${countNoiseMultiplier} ` +
        '(Andrew et al. 2021, Theorem 1: σ_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2))',
    );
  }
  const inv = noiseMultiplier ** -2 - twoSigmaB ** -2;
  return inv ** -0.5;
}

/**
 * b̄ = (Σ_k (b_k − ½) + countNoise) / m̄ + ½ with b_k = 1[norm_k ≤ S]; countNoise is one
 * N(0, σ_b²) draw supplied by the caller.
 */
export function noisedFractionUnder(norms: readonly number[], clipNorm: number, expectedClients: number, countNoise: number): number {
  if (!(expectedClients > 0)) throw new RangeError(`expected clients per round must be > 0, got ${expectedClients}`);
  let centered = 0;
  for (const norm of norms) centered += norm <= clipNorm ? 0.5 : -0.5;
  return (centered + countNoise) / expectedClients + 0.5;
}

/** S ← S·exp(−η_C·(b̄ − γ)) (Andrew et al. 2021, Algorithm 1, geometric update). */
export function nextClipNorm(clipNorm: number, fractionUnder: number, targetQuantile: number, learningRate: number): number {
  return clipNorm * Math.exp(-learningRate * (fractionUnder - targetQuantile));
}
