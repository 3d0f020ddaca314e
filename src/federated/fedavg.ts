/**
 * FedAvg: McMahan, Moore, Ramage, Hampson & Agüera y Arcas 2017, "Communication-Efficient
 * Learning of Deep Networks from Decentralized Data", AISTATS, Algorithm 1 (FederatedAveraging).
 *
 * Each participant k runs local minibatch training from the global model x and uploads its
 * model y_k; the server takes the example-weighted mean x ← Σ_k (n_k / n)·y_k (aggregate.ts).
 * No server state beyond x, no client state.
 *
 * FedAvg is also the base of the strategies that change one thing: FedProx (the client's
 * gradient), FedAvgM and the FedOpt family (the server step) — as in Flower, where FedProx,
 * FedAvgM and FedOpt subclass FedAvg.
 */
import { compareIds, weightedAverage } from './aggregate.js';
import { trainClient, type GradientAdjustment } from './client-training.js';
import type {
  AggregatedUpdate,
  ClientInfo,
  ClientInstruction,
  ClientState,
  ClientUpdate,
  ClientUpdateInput,
  ClientUpdateResult,
  ServerState,
  Strategy,
  StrategyDefinition,
} from './strategy.js';

export const EMPTY_CLIENT_STATE: ClientState = Object.freeze({ vectors: Object.freeze({}) });

/** The population sorted by id, validated (unique ids, non-negative integer counts). */
export function sortedPopulation(population: readonly ClientInfo[]): ClientInfo[] {
  const sorted = [...population].sort((a, b) => compareIds(a.id, b.id));
  for (let k = 0; k < sorted.length; k++) {
    const c = sorted[k];
    if (k > 0 && c.id === sorted[k - 1].id) throw new RangeError(`duplicate client id '${c.id}'`);
    if (!(Number.isInteger(c.exampleCount) && c.exampleCount >= 0)) {
      throw new RangeError(`client '${c.id}' example count must be a non-negative integer, got ${c.exampleCount}`);
    }
  }
  return sorted.map((c) => ({ id: c.id, exampleCount: c.exampleCount }));
}

/** The weighted mean of the participants' models (McMahan et al. 2017, Algorithm 1). */
export function averageModels(updates: readonly ClientUpdate[]): { params: Float64Array; exampleCount: number; participants: string[] } {
  const params = weightedAverage(updates.map((u) => ({ id: u.clientId, weight: u.exampleCount, values: u.params })));
  let exampleCount = 0;
  for (const u of updates) exampleCount += u.exampleCount;
  const participants = updates.map((u) => u.clientId).sort(compareIds);
  return { params, exampleCount, participants };
}

export class FedAvg implements Strategy {
  readonly name: string = 'fedavg';

  initialize(initialParams: Float64Array, population: readonly ClientInfo[]): ServerState {
    return {
      round: 0,
      params: initialParams.slice(),
      vectors: this.initialServerVectors(initialParams.length),
      population: sortedPopulation(population),
    };
  }

  /** Server optimizer state at round 0 (none for FedAvg). */
  protected initialServerVectors(_paramCount: number): Record<string, Float64Array> {
    return {};
  }

  configureRound(state: ServerState, participants: readonly string[]): ClientInstruction[] {
    const config = this.clientConfig();
    return participants.map((clientId) => ({ clientId, round: state.round + 1, globalParams: state.params, vectors: {}, config }));
  }

  /** Scalar settings sent to clients (FedProx: proxMu). */
  protected clientConfig(): Record<string, number> {
    return {};
  }

  clientUpdate(input: ClientUpdateInput): ClientUpdateResult {
    const { params, result } = trainClient(input, this.gradientAdjustment(input));
    return {
      update: {
        clientId: input.instruction.clientId,
        exampleCount: input.data.n,
        params,
        vectors: {},
        trainLoss: result.lastLoss,
        steps: result.steps,
        examplesSeen: result.examplesSeen,
      },
      clientState: input.clientState ?? EMPTY_CLIENT_STATE,
    };
  }

  /** The local-gradient hook (none for FedAvg: plain local SGD). */
  protected gradientAdjustment(_input: ClientUpdateInput): GradientAdjustment | undefined {
    return undefined;
  }

  aggregate(updates: readonly ClientUpdate[], _state: ServerState): AggregatedUpdate {
    return { ...averageModels(updates), vectors: {} };
  }

  /** x ← x̄. */
  serverStep(state: ServerState, aggregated: AggregatedUpdate): ServerState {
    return { ...state, round: state.round + 1, params: aggregated.params };
  }
}

export const FEDAVG: StrategyDefinition<'fedavg'> = {
  name: 'fedavg',
  summary: 'FedAvg (McMahan et al. 2017): the example-weighted mean of the client models',
  defaults: {},
  create: () => new FedAvg(),
};
