/**
 * FedAdagrad: Reddi et al. 2021, "Adaptive Federated Optimization", ICLR, Algorithm 2
 * (FedAdagrad branch): v ← v + Δ². β2 is not used. The rest of the server step (including the
 * β1 momentum the paper keeps for FedAdagrad), the defaults and how they differ from Flower's
 * are in fedopt.ts.
 */
import { FedOpt } from './fedopt.js';
import type { StrategyName } from './types.js';

export class FedAdagrad extends FedOpt {
  override readonly name: StrategyName = 'fedadagrad';

  protected override secondMoment(v: number, deltaSquared: number): number {
    return v + deltaSquared;
  }
}
