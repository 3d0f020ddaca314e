/**
 * `planArms(config, sites) → ArmPlan[]`: every arm of a bench run, as plain data, before
 * anything trains (the types and what an arm's plan holds: arm-plan.ts). `runArm` (run-arm.ts)
 * executes one plan, `runSeed` loops over them, `fedage bench --dry-run` prints them and
 * results.json records them.
 */
import { checkCombination, IncompatibleOptionsError } from '../compression/compatibility.js';
import { createCompressor } from '../compression/registry.js';
import type { StrategyName } from '../federated/registry.js';
import { validateFixedPointConfig } from '../secagg/fixed-point.js';
import { buildGraph } from '../secagg/graph.js';
import type { BenchConfig, SecureAggregationSettings } from './config.js';
import { pooledTrainer, siteTrainer, strategyTrainer, type ArmPlan, type CompressionPlan, type SecureAggregationPlan, type SitePlanInput } from './arm-plan.js';
import { planPrivacyArms } from './privacy-arms.js';

export * from './arm-plan.js';

const isStrategy = (arm: string): arm is StrategyName => arm !== 'central' && arm !== 'local';

/**
 * Every arm of a run, in the order they train and are reported: central, local (one per
 * site), the federated strategies, then the DP arms (per target ε: central, local, strategies),
 * then, with secure aggregation or compression, a wrapped twin of every federated arm (plain
 * and DP), e.g. `fedavg+q8`, `fedavg+secagg`, `fedprox+dp(eps=1)+ckks`: the unwrapped arm
 * stays in the run as the reference of the twin's AUC cost. Combinations that cannot run
 * (checkCombination) are refused here, before anything trains (exit 2).
 */
export function planArms(config: BenchConfig, sites: readonly SitePlanInput[]): ArmPlan[] {
  const plans: ArmPlan[] = [];
  if (config.arms.includes('central')) plans.push({ name: 'central', family: 'central', trainer: pooledTrainer(config, sites) });
  if (config.arms.includes('local')) {
    for (const site of sites) plans.push({ name: `local:${site.id}`, family: 'local', trainer: siteTrainer(config, site, sites.length) });
  }
  for (const name of config.arms.filter(isStrategy)) plans.push({ name, family: 'federated', trainer: strategyTrainer(config, name, sites) });
  if (config.privacy) plans.push(...planPrivacyArms(config, config.privacy, sites));
  if (config.secureAggregation || config.compression) plans.push(...planWrappedArms(config, plans, sites));
  return plans;
}

/** Strategies whose server step keeps optimizer state from the plaintext mean. */
const SERVER_OPTIMIZERS = new Set(['fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']);

/** The suffix of a wrapped arm's name: +q8, +secagg (masking), +ckks, in wrapper order. */
export function wrapperSuffix(compression: CompressionPlan | undefined, secure: SecureAggregationPlan | undefined): string {
  return `${compression ? `+${compression.spec}` : ''}${secure ? (secure.kind === 'masking' ? '+secagg' : '+ckks') : ''}`;
}

function planWrappedArms(config: BenchConfig, plans: readonly ArmPlan[], sites: readonly SitePlanInput[]): ArmPlan[] {
  const compression = config.compression ? compressionPlan(config.compression) : undefined;
  const secure = config.secureAggregation ? secureAggregationPlan(config.secureAggregation, sites) : undefined;
  const out: ArmPlan[] = [];
  for (const plan of plans) {
    if (plan.trainer.kind !== 'strategy') continue;
    try {
      checkCombination({
        compression: compression?.kind ?? null,
        ...(compression ? { compressionSpec: compression.spec } : {}),
        secureAggregation: secure?.kind ?? null,
        ...(secure ? { ckksRelease: secure.release } : {}),
        serverOptimizer: SERVER_OPTIMIZERS.has(plan.trainer.strategy.name) ? plan.trainer.strategy.name : null,
        clientLevelDp: plan.privacy?.level === 'client',
      });
    } catch (err) {
      if (err instanceof IncompatibleOptionsError) throw new IncompatibleOptionsError(`arm ${plan.name}${wrapperSuffix(compression, secure)}: ${err.message}`);
      throw err;
    }
    out.push({ ...plan, name: `${plan.name}${wrapperSuffix(compression, secure)}`, ...(compression ? { compression } : {}), ...(secure ? { secureAggregation: secure } : {}) });
  }
  if (out.length === 0) throw new IncompatibleOptionsError(`${secure ? 'secure aggregation' : 'compression'} wraps federated arms, and this run has none; add one with --arms (e.g. fedavg)`);
  return out;
}

function compressionPlan(spec: string): CompressionPlan {
  const c = createCompressor(spec);
  return { spec: c.spec, kind: c.kind };
}

function secureAggregationPlan(s: SecureAggregationSettings, sites: readonly SitePlanInput[]): SecureAggregationPlan {
  const largest = Math.max(0, ...sites.map((x) => x.trainRows));
  // Flower's default maxWeight is 1000; a bigger site would be refused, so the default grows to fit.
  const maxWeight = s.maxWeight ?? Math.max(1000, largest);
  if (largest > maxWeight) {
    throw new IncompatibleOptionsError(`secure aggregation maxWeight ${maxWeight}: the largest site has ${largest} training rows, its weight would not fit; raise maxWeight to at least ${largest} or leave it unset`);
  }
  if (s.kind === 'masking') {
    // Refused here, before training, rather than in round 1: a modulus too small for the sum, a bad threshold.
    const n = sites.filter((x) => x.trainRows > 0).length;
    const cfg = { clippingRange: s.clippingRange, quantizationRange: s.quantizationRange, modulusRange: s.modulusRange, maxWeight };
    validateFixedPointConfig(cfg, n);
    buildGraph(n, { kind: s.graph, ...(s.numShares !== null ? { numShares: s.numShares } : {}), reconstructionThreshold: s.reconstructionThreshold, seed: 0 });
  }
  return {
    kind: s.kind,
    clippingRange: s.clippingRange,
    quantizationRange: s.quantizationRange,
    modulusRange: s.modulusRange,
    maxWeight,
    graph: s.graph,
    numShares: s.numShares,
    reconstructionThreshold: s.reconstructionThreshold,
    dropoutProbability: s.dropoutProbability,
    release: s.release,
  };
}
