/**
 * The Strategy interface: a federated algorithm as a handful of hooks with explicit state, in the
 * manner of Flower's `Strategy` (framework/py/flwr/server/strategy/strategy.py: configure_fit,
 * aggregate_fit) but with the state Flower lacks: a persistent `ServerState` at the server and
 * a persistent `ClientState` per client, so SCAFFOLD's control variates (Karimireddy et al.
 * 2020) outlive a round and survive rounds in which a client is not sampled.
 *
 * One round, as sequenced by runFederated (the only round loop):
 *
 *   state₀ = initialize(x₀, population)
 *   per round: instructions = configureRound(state, participants)          server → clients
 *              { update, clientState } = clientUpdate(...) per participant  on each client
 *              aggregated = aggregate(updates, state)                       pure math (the hook
 *                                                                           DP / secure aggregation wrap)
 *              state = serverStep(state, aggregated)                        server optimizer
 *
 * Every hook returns new objects; nothing a hook receives is mutated, so states can be kept,
 * compared and (later) checkpointed.
 *
 * Wrapping (differential privacy, secure aggregation): a wrapper is a Strategy that delegates
 * to an inner one and replaces `aggregate`: client updates in, aggregated update out. Client
 * uploads are full models y_k (as Flower's FitRes.parameters); a wrapper that clips updates
 * forms Δ_k = y_k − x from `state.params` (see `modelDelta`), clips, and hands the inner
 * aggregate x + clip(Δ_k), then adds noise to the result — the shape of Flower's
 * DifferentialPrivacyServerSideFixedClipping. Pass a wrapper through
 * FederatedRunOptions.wrapStrategy.
 */
import type { LabeledData, Model } from '../model/types.js';
import { FedAdagrad } from './fedadagrad.js';
import { FedAdam } from './fedadam.js';
import { FedAvg } from './fedavg.js';
import { FedAvgM } from './fedavgm.js';
import { FedProx } from './fedprox.js';
import { FedYogi } from './fedyogi.js';
import { Scaffold } from './scaffold.js';
import type { LocalConfig, StrategyConfig, StrategyName } from './types.js';

/** What the server knows about a client before any round: its id and its training-set size. */
export interface ClientInfo {
  readonly id: string;
  readonly exampleCount: number;
}

/** Named float vectors of a state, instruction or upload (each counts toward the wire bytes). */
export type Vectors = Readonly<Record<string, Float64Array>>;

/** Server-side state, persistent across rounds. */
export interface ServerState {
  /** Rounds completed (0 after initialize). */
  readonly round: number;
  /** The global model x. */
  readonly params: Float64Array;
  /** Server optimizer state: FedAvgM `momentum`; FedOpt `m`, `v`; SCAFFOLD `control` (c). */
  readonly vectors: Vectors;
  /** All clients, sorted by id (SCAFFOLD needs N and the population's example count). */
  readonly population: readonly ClientInfo[];
}

/** Client-side state, persistent across rounds (also across rounds the client sits out). */
export interface ClientState {
  /** SCAFFOLD: `control` (c_i). Empty for stateless strategies. */
  readonly vectors: Vectors;
}

/** What the server sends one participant: everything counted in the bytes down. */
export interface ClientInstruction {
  readonly clientId: string;
  /** The round being played (1-based). */
  readonly round: number;
  /** The global model x (shared between participants: never mutate it). */
  readonly globalParams: Float64Array;
  /** Extra vectors sent down (SCAFFOLD: `control`, the server control variate c). */
  readonly vectors: Vectors;
  /** Scalar settings (FedProx: `proxMu`), as Flower's FitIns.config; not counted in bytes. */
  readonly config: Readonly<Record<string, number>>;
}

/** The inputs of one client's local update. */
export interface ClientUpdateInput {
  readonly model: Model;
  readonly data: LabeledData;
  readonly local: LocalConfig;
  readonly instruction: ClientInstruction;
  /** undefined the first time this client takes part. */
  readonly clientState: ClientState | undefined;
  /** Uniform [0, 1) stream for shuffling, derived from (seed, label, client id, round). */
  readonly random: () => number;
}

/** What one participant uploads: everything counted in the bytes up (except the scalars). */
export interface ClientUpdate {
  readonly clientId: string;
  /** Aggregation weight n_k: the client's number of training examples. */
  readonly exampleCount: number;
  /** The client's model after local training, y_k. */
  readonly params: Float64Array;
  /** Extra vectors sent up (SCAFFOLD: `controlDelta`, Δc_k). */
  readonly vectors: Vectors;
  /** Mean training loss of the client's last local epoch (see trainLocal). */
  readonly trainLoss: number;
  /** Local optimizer steps taken (K). */
  readonly steps: number;
  /** Training examples processed in those steps (with repeats across epochs). */
  readonly examplesSeen: number;
}

export interface ClientUpdateResult {
  readonly update: ClientUpdate;
  readonly clientState: ClientState;
}

/** The output of aggregation, the input of the server step. */
export interface AggregatedUpdate {
  /** Example-weighted mean of the participants' models, x̄ = Σ (n_k/n)·y_k. */
  readonly params: Float64Array;
  /** Aggregated extra vectors (SCAFFOLD: `controlDelta`, Σ_{k∈S} (n_k/n_all)·Δc_k). */
  readonly vectors: Vectors;
  /** Σ n_k over the participants. */
  readonly exampleCount: number;
  /** Participant ids, sorted. */
  readonly participants: readonly string[];
}

export interface Strategy {
  readonly name: StrategyName;
  /** The server state before round 1: x₀ (copied) plus zeroed optimizer state. */
  initialize(initialParams: Float64Array, population: readonly ClientInfo[]): ServerState;
  /** One instruction per participant, in the order given. */
  configureRound(state: ServerState, participants: readonly string[]): ClientInstruction[];
  /**
   * Local training (trainLocal with this strategy's gradient adjustment) from the instruction's
   * global model; returns the upload and the client's new state.
   */
  clientUpdate(input: ClientUpdateInput): ClientUpdateResult;
  /**
   * Pure aggregation math: client updates in (any order), aggregated update out; bit-identical
   * for any order of `updates`. `state` is read-only context (x, population). The hook that
   * DP and secure aggregation wrap.
   */
  aggregate(updates: readonly ClientUpdate[], state: ServerState): AggregatedUpdate;
  /** The server optimizer: the next global model and server state (round + 1). */
  serverStep(state: ServerState, aggregated: AggregatedUpdate): ServerState;
}

/** Bytes of a float32 on the wire. */
export const FLOAT32_BYTES = 4;

function vectorValues(vectors: Vectors): number {
  let n = 0;
  for (const v of Object.values(vectors)) n += v.length;
  return n;
}

/** Bytes the server sends one participant: 4 × (model + extra vectors). */
export function downloadBytes(instruction: ClientInstruction): number {
  return FLOAT32_BYTES * (instruction.globalParams.length + vectorValues(instruction.vectors));
}

/** Bytes one participant uploads: 4 × (model + extra vectors). */
export function uploadBytes(update: ClientUpdate): number {
  return FLOAT32_BYTES * (update.params.length + vectorValues(update.vectors));
}

/** Δ_k = y_k − x: a client's model delta against the round's global model (for clipping). */
export function modelDelta(update: ClientUpdate, globalParams: Float64Array): Float64Array {
  const out = new Float64Array(globalParams.length);
  for (let j = 0; j < out.length; j++) out[j] = update.params[j] - globalParams[j];
  return out;
}

function checkPositive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be finite and > 0, got ${value}`);
  return value;
}

function checkUnitInterval(name: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new RangeError(`${name} must be in [0, 1), got ${value}`);
  return value;
}

/**
 * The strategy named by `config`, with defaults filled in (each documented in its own file):
 * FedAvgM β 0.9, η 1; FedProx μ 0.01; SCAFFOLD η_g 1; FedAdam/FedYogi/FedAdagrad η 0.01,
 * β1 0.9, β2 0.99, τ 1e-3. Throws RangeError on an out-of-range setting.
 */
export function createStrategy(config: StrategyConfig): Strategy {
  const lr = config.serverLearningRate;
  if (lr !== undefined) checkPositive('serverLearningRate', lr);
  if (config.serverMomentum !== undefined) checkUnitInterval('serverMomentum', config.serverMomentum);
  if (config.beta1 !== undefined) checkUnitInterval('beta1', config.beta1);
  if (config.beta2 !== undefined) checkUnitInterval('beta2', config.beta2);
  if (config.tau !== undefined) checkPositive('tau', config.tau);
  if (config.proxMu !== undefined && !(config.proxMu >= 0 && Number.isFinite(config.proxMu))) {
    throw new RangeError(`proxMu must be finite and >= 0, got ${config.proxMu}`);
  }
  const fedOpt = { serverLearningRate: lr, beta1: config.beta1, beta2: config.beta2, tau: config.tau };
  switch (config.name) {
    case 'fedavg':
      return new FedAvg();
    case 'fedavgm':
      return new FedAvgM({ serverLearningRate: lr, serverMomentum: config.serverMomentum });
    case 'fedprox':
      return new FedProx({ proxMu: config.proxMu });
    case 'scaffold':
      return new Scaffold({ serverLearningRate: lr });
    case 'fedadam':
      return new FedAdam(fedOpt);
    case 'fedyogi':
      return new FedYogi(fedOpt);
    case 'fedadagrad':
      return new FedAdagrad(fedOpt);
    default: {
      const name: never = config.name;
      throw new RangeError(`unknown strategy '${String(name)}'`);
    }
  }
}
