/**
 * Arm and strategy names shared by the bench and privacy schemas (own module: no import cycle).
 * The strategy names come from the strategy registry (federated/registry.ts).
 */
import { STRATEGY_NAMES } from '../federated/registry.js';

export const FEDERATED_STRATEGIES = STRATEGY_NAMES;
export const BENCH_ARM_KINDS = ['central', 'local', ...STRATEGY_NAMES] as const;
