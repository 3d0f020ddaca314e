/**
 * FedProx: Li, Sahu, Zaheer, Sanjabi, Talwalkar & Smith 2020, "Federated Optimization in
 * Heterogeneous Networks", MLSys, Algorithm 2.
 *
 * FedAvg plus a proximal term and nothing else: each client minimizes
 * F_k(w) + (μ/2)·‖w − w_global‖², i.e. adds μ(w − w_global) to every local minibatch gradient.
 * The server sends μ in the client config (as Flower's FedProx adds `proximal_mu` to the fit
 * config and otherwise is FedAvg); aggregation and the server step are FedAvg's.
 *
 * With μ = 0 no hook is installed at all, so FedProx(μ=0) equals FedAvg bit for bit.
 *
 * Default μ = 0.01 (types.ts): a middle value of the grid {0.001, 0.01, 0.1, 1} that Li et al.
 * 2020 (Section 5) tune μ over; the best μ is data-dependent, so benchmarks should sweep it.
 */
import type { GradientAdjustment } from './client-training.js';
import { FedAvg } from './fedavg.js';
import type { ClientUpdateInput, StrategyDefinition } from './strategy.js';

/** μ = 0.01: the smallest value of Li et al. 2020's grid {0.001, 0.01, 0.1, 1}. */
export const FEDPROX_DEFAULTS = { proxMu: 0.01 } as const;

export class FedProx extends FedAvg {
  override readonly name: string = 'fedprox';
  readonly proxMu: number;

  constructor(options: { proxMu?: number } = {}) {
    super();
    this.proxMu = options.proxMu ?? FEDPROX_DEFAULTS.proxMu;
  }

  protected override clientConfig(): Record<string, number> {
    return { proxMu: this.proxMu };
  }

  protected override gradientAdjustment(input: ClientUpdateInput): GradientAdjustment | undefined {
    const mu = input.instruction.config.proxMu ?? 0;
    if (mu === 0) return undefined;
    const anchor = input.instruction.globalParams;
    return (params, grad) => {
      for (let j = 0; j < grad.length; j++) grad[j] += mu * (params[j] - anchor[j]);
    };
  }
}

export const FEDPROX: StrategyDefinition<'fedprox'> = {
  name: 'fedprox',
  summary: 'FedProx (Li et al. 2020): FedAvg with a proximal term μ/2·‖w − w_global‖² in local training',
  defaults: FEDPROX_DEFAULTS,
  create: (s) => new FedProx({ proxMu: s.proxMu }),
};
