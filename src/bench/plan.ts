/**
 * `planArms(config, sites) → ArmPlan[]`: every arm of a bench run, as plain data, before
 * anything trains (the types and what an arm's plan holds: arm-plan.ts). `runArm` (run-arm.ts)
 * executes one plan, `runSeed` loops over them, `fedage bench --dry-run` prints them and
 * results.json records them.
 */
import type { StrategyName } from '../federated/registry.js';
import type { BenchConfig } from './config.js';
import { pooledTrainer, siteTrainer, strategyTrainer, type ArmPlan, type SitePlanInput } from './arm-plan.js';
import { planPrivacyArms } from './privacy-arms.js';

export * from './arm-plan.js';

const isStrategy = (arm: string): arm is StrategyName => arm !== 'central' && arm !== 'local';

/**
 * Every arm of a run, in the order they train and are reported: central, local (one per
 * site), the federated strategies, then the DP arms (per target ε: central, local, strategies).
 */
export function planArms(config: BenchConfig, sites: readonly SitePlanInput[]): ArmPlan[] {
  const plans: ArmPlan[] = [];
  if (config.arms.includes('central')) plans.push({ name: 'central', family: 'central', trainer: pooledTrainer(config, sites) });
  if (config.arms.includes('local')) {
    for (const site of sites) plans.push({ name: `local:${site.id}`, family: 'local', trainer: siteTrainer(config, site, sites.length) });
  }
  for (const name of config.arms.filter(isStrategy)) plans.push({ name, family: 'federated', trainer: strategyTrainer(config, name, sites) });
  if (config.privacy) plans.push(...planPrivacyArms(config, config.privacy, sites));
  return plans;
}
