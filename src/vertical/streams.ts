/**
 * The seeded streams of a vertical experiment (random/rng.ts): every arm draws its minibatch
 * order from the same 'shuffle' stream, so that arms differ only in what they compute, and
 * split learning with one party replays central training exactly.
 */
import { Xoshiro128, streamState } from '../random/rng.js';

export function verticalStream(seed: number, name: string): Xoshiro128 {
  return new Xoshiro128(streamState(seed, 'vertical', name));
}

/** A uniform [0, 1) source (the model layer's `random` type) from a named stream. */
export function uniformSource(seed: number, name: string): () => number {
  const s = verticalStream(seed, name);
  return () => s.uniform();
}

/** The minibatch-order source every arm uses (one fresh copy per arm). */
export function shuffleSource(seed: number): () => number {
  return uniformSource(seed, 'shuffle');
}
