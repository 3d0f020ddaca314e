/**
 * FedYogi: Reddi et al. 2021, "Adaptive Federated Optimization", ICLR, Algorithm 2 (FedYogi
 * branch; the Yogi rule of Zaheer et al. 2018, NeurIPS): v ← v − (1 − β2)·Δ²·sign(v − Δ²).
 * The rest of the server step, the defaults and how they differ from Flower's are in fedopt.ts.
 */
import { FedOpt } from './fedopt.js';
import type { StrategyName } from './types.js';

export class FedYogi extends FedOpt {
  override readonly name: StrategyName = 'fedyogi';

  protected override secondMoment(v: number, deltaSquared: number): number {
    return v - (1 - this.beta2) * deltaSquared * Math.sign(v - deltaSquared);
  }
}
