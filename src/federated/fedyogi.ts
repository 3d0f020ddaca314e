/**
 * FedYogi: Reddi et al. 2021, "Adaptive Federated Optimization", ICLR, Algorithm 2 (FedYogi
 * branch; the Yogi rule of Zaheer et al. 2018, NeurIPS): v ← v − (1 − β2)·Δ²·sign(v − Δ²).
 * The rest of the server step, the defaults and how they differ from Flower's are in fedopt.ts.
 */
import { FEDOPT_DEFAULTS, FedOpt, type FedOptOptions } from './fedopt.js';
import type { StrategyDefinition } from './strategy.js';

/** η = 0.03 with τ = 1e-3, as FedAdam (see fedadam.ts). */
export const FEDYOGI_DEFAULTS = { serverLearningRate: 0.03, beta1: FEDOPT_DEFAULTS.beta1, beta2: FEDOPT_DEFAULTS.beta2, tau: FEDOPT_DEFAULTS.tau } as const;

export class FedYogi extends FedOpt {
  override readonly name: string = 'fedyogi';

  constructor(options: FedOptOptions = {}) {
    super(options, FEDYOGI_DEFAULTS);
  }

  protected override secondMoment(v: number, deltaSquared: number): number {
    return v - (1 - this.beta2) * deltaSquared * Math.sign(v - deltaSquared);
  }
}

export const FEDYOGI: StrategyDefinition<'fedyogi'> = {
  name: 'fedyogi',
  summary: 'FedYogi (Reddi et al. 2021): Yogi at the server on the mean client delta',
  defaults: FEDYOGI_DEFAULTS,
  create: (s) => new FedYogi({ serverLearningRate: s.serverLearningRate, beta1: s.beta1, beta2: s.beta2, tau: s.tau }),
};
