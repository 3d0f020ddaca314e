/**
 * FedAdagrad: Reddi et al. 2021, "Adaptive Federated Optimization", ICLR, Algorithm 2
 * (FedAdagrad branch): v ← v + Δ². β2 is not used. The rest of the server step (including the
 * β1 momentum the paper keeps for FedAdagrad), the defaults and how they differ from Flower's
 * are in fedopt.ts.
 */
import { FEDOPT_DEFAULTS, FedOpt, type FedOptOptions } from './fedopt.js';
import type { StrategyDefinition } from './strategy.js';

/** η = 0.1: FedAdagrad's accumulated v shrinks its steps, so it needs a larger η than FedAdam/FedYogi. β2 is unused. */
export const FEDADAGRAD_DEFAULTS = { serverLearningRate: 0.1, beta1: FEDOPT_DEFAULTS.beta1, tau: FEDOPT_DEFAULTS.tau } as const;

export class FedAdagrad extends FedOpt {
  override readonly name: string = 'fedadagrad';

  constructor(options: FedOptOptions = {}) {
    super(options, FEDADAGRAD_DEFAULTS);
  }

  protected override secondMoment(v: number, deltaSquared: number): number {
    return v + deltaSquared;
  }
}

export const FEDADAGRAD: StrategyDefinition<'fedadagrad'> = {
  name: 'fedadagrad',
  summary: 'FedAdagrad (Reddi et al. 2021): Adagrad at the server on the mean client delta',
  defaults: FEDADAGRAD_DEFAULTS,
  create: (s) => new FedAdagrad({ serverLearningRate: s.serverLearningRate, beta1: s.beta1, beta2: s.beta2, tau: s.tau }),
};
