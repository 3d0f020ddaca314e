/**
 * SCAFFOLD: Karimireddy, Kale, Mohri, Reddi, Stich & Suresh 2020, "SCAFFOLD: Stochastic
 * Controlled Averaging for Federated Learning", ICML, Algorithm 1 with option II.
 *
 * State: a server control variate c (ServerState.vectors.control) and one control variate c_i
 * per client (ClientState.vectors.control), both starting at 0. A client's c_i persists across
 * rounds, including rounds in which it is not sampled (the round loop keeps every client's
 * state).
 *
 * Round, for each sampled client i (server sends x and c: twice FedAvg's download):
 *   y_i ← x; K local steps  y_i ← y_i − η_l·(g_i(y_i) + c − c_i)      (line 10: the gradient
 *                                                                      adjustment adds c − c_i)
 *   c_i⁺ ← c_i − c + (x − y_i)/(K·η_l)                                (line 12, option II)
 *   upload (y_i, Δc_i = c_i⁺ − c_i); keep c_i ← c_i⁺                  (twice FedAvg's upload;
 *                                                                      y_i stands for Δy_i = y_i − x)
 * Server:
 *   x ← x + η_g·Σ_{i∈S} (n_i/n_S)·Δy_i                                 (line 16)
 *   c ← c + Σ_{i∈S} (n_i/n_all)·Δc_i                                   (line 17)
 *
 * Weighting: the paper's uniform means, (1/|S|)·Σ Δy_i and (|S|/N)·(1/|S|)·Σ Δc_i, are these
 * with equal example counts. Weighting by examples keeps SCAFFOLD on the same objective as
 * FedAvg, Σ_i (n_i/n_all)·f_i, and keeps the invariant c = Σ_i (n_i/n_all)·c_i exactly (each
 * sampled client's change enters c with its population weight), so the fixed point has c = 0
 * at the weighted optimum.
 *
 * Option II's (x − y_i)/(K·η_l) is the average corrected gradient for plain SGD; K is the number
 * of local steps actually taken and η_l the local optimizer's learning rate. With momentum or
 * Adam locally it is only a heuristic (the paper analyses SGD).
 *
 * Default η_g = 1 (the global step size the paper uses in its experiments).
 * The server step is written x ← x̄ + (η_g − 1)·(x̄ − x), algebraically equal to line 16, so
 * that η_g = 1 gives the weighted average x̄ exactly.
 */
import { weightedCombination } from './aggregate.js';
import { trainClient } from './client-training.js';
import { averageModels, FedAvg } from './fedavg.js';
import type { AggregatedUpdate, ClientInstruction, ClientUpdate, ClientUpdateInput, ClientUpdateResult, ServerState, StrategyDefinition } from './strategy.js';

/** Global step η_g = 1 (Karimireddy et al. 2020's experiments). */
export const SCAFFOLD_DEFAULTS = { serverLearningRate: 1 } as const;

export class Scaffold extends FedAvg {
  override readonly name: string = 'scaffold';
  readonly serverLearningRate: number;

  constructor(options: { serverLearningRate?: number } = {}) {
    super();
    this.serverLearningRate = options.serverLearningRate ?? SCAFFOLD_DEFAULTS.serverLearningRate;
  }

  protected override initialServerVectors(paramCount: number): Record<string, Float64Array> {
    return { control: new Float64Array(paramCount) };
  }

  override configureRound(state: ServerState, participants: readonly string[]): ClientInstruction[] {
    const control = state.vectors.control;
    return participants.map((clientId) => ({ clientId, round: state.round + 1, globalParams: state.params, vectors: { control }, config: {} }));
  }

  override clientUpdate(input: ClientUpdateInput): ClientUpdateResult {
    const x = input.instruction.globalParams;
    const c = input.instruction.vectors.control;
    const ci = input.clientState?.vectors.control ?? new Float64Array(x.length);
    if (c.length !== x.length || ci.length !== x.length) throw new RangeError('SCAFFOLD control variates must have one value per parameter');
    const correction = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) correction[j] = c[j] - ci[j];
    const { params: y, result } = trainClient(input, (_params, grad) => {
      for (let j = 0; j < grad.length; j++) grad[j] += correction[j];
    });
    const ciNew = new Float64Array(x.length);
    const controlDelta = new Float64Array(x.length);
    if (result.steps > 0) {
      const scale = 1 / (result.steps * input.local.optimizer.learningRate);
      for (let j = 0; j < x.length; j++) {
        ciNew[j] = ci[j] - c[j] + (x[j] - y[j]) * scale;
        controlDelta[j] = ciNew[j] - ci[j];
      }
    } else {
      ciNew.set(ci); // no local step: nothing learned about the client's gradient
    }
    return {
      update: {
        clientId: input.instruction.clientId,
        exampleCount: input.data.n,
        params: y,
        vectors: { controlDelta },
        trainLoss: result.lastLoss,
        steps: result.steps,
        examplesSeen: result.examplesSeen,
      },
      clientState: { vectors: { control: ciNew } },
    };
  }

  override aggregate(updates: readonly ClientUpdate[], state: ServerState): AggregatedUpdate {
    let populationExamples = 0;
    for (const c of state.population) populationExamples += c.exampleCount;
    const controlDelta = weightedCombination(
      updates.map((u) => ({ id: u.clientId, weight: u.exampleCount, values: u.vectors.controlDelta })),
      populationExamples,
    );
    return { ...averageModels(updates), vectors: { controlDelta } };
  }

  override serverStep(state: ServerState, aggregated: AggregatedUpdate): ServerState {
    const x = state.params;
    const avg = aggregated.params;
    const cPrev = state.vectors.control;
    const dc = aggregated.vectors.controlDelta;
    const etaMinus1 = this.serverLearningRate - 1;
    const params = new Float64Array(x.length);
    const control = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      params[j] = avg[j] + etaMinus1 * (avg[j] - x[j]);
      control[j] = cPrev[j] + dc[j];
    }
    return { ...state, round: state.round + 1, params, vectors: { ...state.vectors, control } };
  }
}

export const SCAFFOLD: StrategyDefinition<'scaffold'> = {
  name: 'scaffold',
  summary: 'SCAFFOLD (Karimireddy et al. 2020): control variates correct client drift',
  defaults: SCAFFOLD_DEFAULTS,
  create: (s) => new Scaffold({ serverLearningRate: s.serverLearningRate }),
};
