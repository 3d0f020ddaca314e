/**
 * FedAvgM: Hsu, Qi & Brown 2019, "Measuring the Effects of Non-Identical Data Distribution for
 * Federated Visual Classification", arXiv:1909.06335, Section 3 (server momentum).
 *
 * Clients run FedAvg's local training; the server treats the averaged update as a
 * pseudo-gradient and takes a heavy-ball step (PyTorch SGD convention, as Flower's FedAvgM):
 *
 *   d = x − x̄                  (x̄ = example-weighted mean of the client models)
 *   m ← β·m + d                 (m₀ = 0, so m₁ = d as in Flower's first round)
 *   x ← x − η·m
 *
 * The last line is evaluated in the algebraically equal form x ← x̄ − ((η − 1)·d + η·β·m_prev),
 * anchored at the average, so that β = 0, η = 1 reproduces FedAvg bit for bit (Flower switches
 * its server optimizer off in exactly that case).
 *
 * Defaults: β = 0.9 (the usual heavy-ball value, inside the range Hsu et al. 2019 sweep, and
 * the types.ts default); η = 1.0 (Flower's `server_learning_rate`
 * default, and Hsu et al.'s plain update w ← w − v). With β = 0.9 the effective server step is
 * η/(1 − β) = 10× FedAvg's: lower η when that overshoots.
 */
import { FedAvg } from './fedavg.js';
import type { AggregatedUpdate, ServerState, StrategyDefinition } from './strategy.js';

/** η = 1, β = 0.9 (Hsu et al. 2019's best β on their tasks; Flower's FedAvgM default momentum is 0). */
export const FEDAVGM_DEFAULTS = { serverLearningRate: 1, serverMomentum: 0.9 } as const;

export class FedAvgM extends FedAvg {
  override readonly name: string = 'fedavgm';
  readonly serverLearningRate: number;
  readonly serverMomentum: number;

  constructor(options: { serverLearningRate?: number; serverMomentum?: number } = {}) {
    super();
    this.serverLearningRate = options.serverLearningRate ?? FEDAVGM_DEFAULTS.serverLearningRate;
    this.serverMomentum = options.serverMomentum ?? FEDAVGM_DEFAULTS.serverMomentum;
  }

  protected override initialServerVectors(paramCount: number): Record<string, Float64Array> {
    return { momentum: new Float64Array(paramCount) };
  }

  override serverStep(state: ServerState, aggregated: AggregatedUpdate): ServerState {
    const x = state.params;
    const avg = aggregated.params;
    const prev = state.vectors.momentum;
    const eta = this.serverLearningRate;
    const beta = this.serverMomentum;
    const momentum = new Float64Array(x.length);
    const params = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const d = x[j] - avg[j];
      momentum[j] = beta * prev[j] + d;
      params[j] = avg[j] - ((eta - 1) * d + eta * beta * prev[j]);
    }
    return { ...state, round: state.round + 1, params, vectors: { ...state.vectors, momentum } };
  }
}

export const FEDAVGM: StrategyDefinition<'fedavgm'> = {
  name: 'fedavgm',
  summary: 'FedAvgM (Hsu et al. 2019): FedAvg with server momentum',
  defaults: FEDAVGM_DEFAULTS,
  create: (s) => new FedAvgM({ serverLearningRate: s.serverLearningRate, serverMomentum: s.serverMomentum }),
};
