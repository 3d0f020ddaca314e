/**
 * The pieces of a bench seed a distributed site needs too (its model and its training-row order),
 * in a module of their own so a `fedage site` process loads them without the bench's planning,
 * settings and arms (start-up time: every module a site imports is read and compiled by each
 * site process). run-seed.ts re-exports them.
 */
import { createModel } from '../model/create-model.js';
import type { Model } from '../model/types.js';
import { Xoshiro128, streamState } from '../random/rng.js';
import type { BenchConfig } from './config.js';

/** A bench random stream of one seed (a distributed site derives its training order from the same stream). */
export function streamOf(seed: number, ...labels: string[]): () => number {
  const rng = new Xoshiro128(streamState(seed, 'bench', ...labels));
  return () => rng.uniform();
}

/** The stream that permutes a data set's training rows once per seed for block-shuffled SGD (in-process and at a distributed site). */
export const trainOrderStream = (seed: number, dataSet: string): (() => number) => streamOf(seed, 'train-order', dataSet);

/** The bench's model over `featureCount` features. */
export function benchModel(config: Pick<BenchConfig, 'model'>, featureCount: number): Model {
  const d = featureCount;
  return createModel(
    config.model.kind === 'mlp'
      ? { kind: 'mlp', featureCount: d, hiddenUnits: config.model.hiddenUnits, activation: config.model.activation, l2: config.model.l2, backend: config.model.backend }
      : { kind: 'logistic', featureCount: d, l2: config.model.l2, backend: config.model.backend },
  );
}
