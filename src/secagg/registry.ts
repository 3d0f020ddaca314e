/**
 * Secure-aggregation kinds: one file each, one line here. `createSecureAggregator` is what a
 * federated arm calls once per seed; the result's `sum` once per round.
 */
import { CkksSecureAggregator, ckksDefaults, type CkksConfig } from './ckks-aggregator.js';
import { MaskingAggregator, maskingDefaults, type MaskingConfig } from './masking-aggregator.js';
import type { UniformSource } from './fixed-point.js';
import type { SecureAggregator, SecureSumResult } from './secure-sum.js';

export type SecureAggregationConfig = MaskingConfig | CkksConfig;
export type SecureAggregationKind = SecureAggregationConfig['kind'];

const REGISTRY: { [K in SecureAggregationKind]: (config: Extract<SecureAggregationConfig, { kind: K }>, sites: number) => Promise<SecureAggregator> } = {
  masking: async (config, sites) => new MaskingAggregator(config, sites),
  ckks: (config) => CkksSecureAggregator.create(config),
};

export const SECURE_AGGREGATION_KINDS = Object.keys(REGISTRY) as SecureAggregationKind[];

/** Defaults of each kind (Flower's SecAgg+ knobs for masking; addition-only CKKS parameters). */
export function secureAggregationDefaults(kind: SecureAggregationKind): SecureAggregationConfig {
  return kind === 'masking' ? maskingDefaults() : ckksDefaults();
}

export function createSecureAggregator(config: SecureAggregationConfig, sites: number): Promise<SecureAggregator> {
  const make = REGISTRY[config.kind] as (c: SecureAggregationConfig, n: number) => Promise<SecureAggregator>;
  return make(config, sites);
}

/**
 * One secure sum, start to finish (keys made and freed inside): for a single round or a test.
 * A federated run should create the aggregator once and call `sum` each round instead (CKKS keys
 * are per run; masking keys are fresh every round either way).
 */
export async function secureSum(siteUpdates: readonly ArrayLike<number>[], weights: readonly number[], config: SecureAggregationConfig, rng: UniformSource, round = 0): Promise<SecureSumResult> {
  const agg = await createSecureAggregator(config, siteUpdates.length);
  try {
    return await agg.sum({ updates: siteUpdates, weights, round, rng });
  } finally {
    agg.dispose();
  }
}
