/**
 * L2 clipping of a vector to a norm bound: v ← v·min(1, bound/‖v‖). The building block of both
 * DP mechanisms here: per-example gradients in DP-SGD (Abadi et al. 2016, Algorithm 1, "clip
 * gradient") — done inside the models for speed, see Model.clippedGradSum — and per-client model
 * updates in DP-FedAvg (McMahan et al. 2018, Algorithm 1, ClipFn "flat clipping").
 *
 * Floating point: the result's norm is bound·(1 + O(d·2⁻⁵³)) at worst, i.e. the bound holds to
 * rounding. The Gaussian mechanism's analysis is over the reals; the gap is far below what the
 * accountant's own conservative rounding absorbs, and is the same as in Opacus and TF Privacy.
 */

/** The Euclidean norm, accumulated in order (deterministic). */
export function l2Norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  return Math.sqrt(s);
}

/** The factor min(1, bound/norm) that clips a vector of norm `norm` (1 for a zero vector or bound = ∞). */
export function clipFactor(norm: number, bound: number): number {
  if (!(bound > 0)) throw new RangeError(`clip bound must be > 0, got ${bound}`);
  if (Number.isNaN(norm)) throw new RangeError('cannot clip a vector with a NaN norm');
  return norm > bound ? bound / norm : 1;
}

export interface ClipResult {
  /** The norm before clipping. */
  norm: number;
  /** The factor applied, min(1, bound/norm). */
  factor: number;
  /** Whether the vector was scaled down. */
  clipped: boolean;
}

/**
 * Clips `v` in place to L2 norm ≤ bound. A vector already within the bound is left untouched
 * (not multiplied by 1), so an unclipped vector keeps its exact bits.
 */
export function clipInPlace(v: Float64Array, bound: number): ClipResult {
  const norm = l2Norm(v);
  const factor = clipFactor(norm, bound);
  if (factor < 1) for (let j = 0; j < v.length; j++) v[j] *= factor;
  return { norm, factor, clipped: factor < 1 };
}
