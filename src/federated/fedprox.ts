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
import type { ClientUpdateInput } from './strategy.js';
import type { StrategyName } from './types.js';

export const DEFAULT_PROX_MU = 0.01;

export class FedProx extends FedAvg {
  override readonly name: StrategyName = 'fedprox';
  readonly proxMu: number;

  constructor(options: { proxMu?: number } = {}) {
    super();
    this.proxMu = options.proxMu ?? DEFAULT_PROX_MU;
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
