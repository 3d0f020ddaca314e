/**
 * FedAdam: Reddi et al. 2021, "Adaptive Federated Optimization", ICLR, Algorithm 2 (FedAdam
 * branch): v ← β2·v + (1 − β2)·Δ². The rest of the server step, the defaults and how they
 * differ from Flower's are in fedopt.ts.
 */
import { FEDOPT_DEFAULTS, FedOpt, type FedOptOptions } from './fedopt.js';
import type { StrategyDefinition } from './strategy.js';

/** η = 0.03 with τ = 1e-3 suits the shipped scenarios (standardized tabular features, 30 rounds); Reddi et al. tune η per task. */
export const FEDADAM_DEFAULTS = { serverLearningRate: 0.03, beta1: FEDOPT_DEFAULTS.beta1, beta2: FEDOPT_DEFAULTS.beta2, tau: FEDOPT_DEFAULTS.tau } as const;

export class FedAdam extends FedOpt {
  override readonly name: string = 'fedadam';

  constructor(options: FedOptOptions = {}) {
    super(options, FEDADAM_DEFAULTS);
  }

  protected override secondMoment(v: number, deltaSquared: number): number {
    return this.beta2 * v + (1 - this.beta2) * deltaSquared;
  }
}

export const FEDADAM: StrategyDefinition<'fedadam'> = {
  name: 'fedadam',
  summary: 'FedAdam (Reddi et al. 2021): Adam at the server on the mean client delta',
  defaults: FEDADAM_DEFAULTS,
  create: (s) => new FedAdam({ serverLearningRate: s.serverLearningRate, beta1: s.beta1, beta2: s.beta2, tau: s.tau }),
};
