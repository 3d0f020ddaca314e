/** Shared fixtures for the model tests: seeded uniforms and small synthetic data sets. */
import { Xoshiro128, streamState } from '../../src/random/rng.js';
import type { LabeledData } from '../../src/model/types.js';

/** A seeded uniform (0, 1) source. */
export function uniformSource(seed: number, label = 'test'): () => number {
  const rng = new Xoshiro128(streamState(seed, label));
  return () => rng.uniform();
}

/**
 * n rows of d standard-normal-ish features (sum of uniforms, cheap and bounded), labels drawn
 * from a logistic model with random true weights, so both classes occur.
 */
export function syntheticData(n: number, d: number, seed: number, scale = 1): LabeledData {
  const rng = new Xoshiro128(streamState(seed, 'data'));
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  const w = Array.from({ length: d }, () => rng.normal());
  for (let i = 0; i < n; i++) {
    let z = 0.3;
    for (let j = 0; j < d; j++) {
      const v = rng.normal() * scale;
      x[i * d + j] = v;
      z += (w[j] * v) / Math.sqrt(d);
    }
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { n, d, x, y };
}

export function allRows(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

export function randomVector(length: number, random: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => (2 * random() - 1) * scale);
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** ‖a − b‖ / max(‖a‖, ‖b‖, tiny). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff += (a[i] - b[i]) ** 2;
  return Math.sqrt(diff) / Math.max(norm(a), norm(b), 1e-300);
}
