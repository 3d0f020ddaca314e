/**
 * FedAdam: Reddi et al. 2021, "Adaptive Federated Optimization", ICLR, Algorithm 2 (FedAdam
 * branch): v ← β2·v + (1 − β2)·Δ². The rest of the server step, the defaults and how they
 * differ from Flower's are in fedopt.ts.
 */
import { FedOpt } from './fedopt.js';
import type { StrategyName } from './types.js';

export class FedAdam extends FedOpt {
  override readonly name: StrategyName = 'fedadam';

  protected override secondMoment(v: number, deltaSquared: number): number {
    return this.beta2 * v + (1 - this.beta2) * deltaSquared;
  }
}
