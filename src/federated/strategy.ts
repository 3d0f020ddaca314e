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
import type { LabeledData, LocalTrainingOptions, LocalTrainingResult, Model, Optimizer, OptimizerConfig } from '../model/types.js';

/**
 * One client's local training loop, injected into the federated layer: minibatch SGD
 * (model/train.ts) by default, DP-SGD (privacy/dp-local-trainer.ts) for sample-level DP. The
 * federated layer never imports privacy/: it only calls this.
 */
export interface LocalTrainer {
  /** A short name for logs and the experiment plan, e.g. "sgd" or "dp-sgd". */
  readonly kind: string;
  /** Trains `params` in place from the instruction's global model. */
  train(model: Model, params: Float64Array, data: LabeledData, input: LocalTrainerInput): LocalTrainingResult;
}

export interface LocalTrainerInput {
  readonly batchSize: number;
  readonly epochs?: number;
  readonly steps?: number;
  /** A fresh optimizer for this client and round. */
  readonly optimizer: Optimizer;
  /** The client's shuffling (or Poisson-sampling) stream for this round. */
  readonly random: () => number;
  /** The strategy's gradient hook (FedProx's proximal term, SCAFFOLD's correction). */
  readonly adjustGradient?: (params: Float64Array, grad: Float64Array) => void;
  /** Minibatch order (SGD trainer only; DP-SGD keeps Poisson sampling). */
  readonly sampling?: LocalTrainingOptions['sampling'];
  readonly clientId: string;
  /** The round being played (1-based). */
  readonly round: number;
}

/** The knobs a strategy may read (each strategy's file documents the ones it uses). */
export interface StrategySettings {
  /** Server learning rate η (FedAvgM, FedOpt family, SCAFFOLD global step); FedAvg/FedProx use 1. */
  serverLearningRate?: number;
  /** FedAvgM server momentum β. */
  serverMomentum?: number;
  /** FedProx proximal strength μ. */
  proxMu?: number;
  /** FedOpt: β1, β2 and τ (adaptivity) as in Reddi et al. 2021. */
  beta1?: number;
  beta2?: number;
  tau?: number;
}

/**
 * One entry of the strategy registry (registry.ts): everything the CLI help, the scenario
 * schema's enum, the bench's defaults and the factory need. A strategy's file exports its
 * definition; adding a strategy is that file plus one line in registry.ts.
 */
export interface StrategyDefinition<N extends string = string> {
  readonly name: N;
  /** One line for help texts and docs, with the paper. */
  readonly summary: string;
  /** The defaults the bench uses and the constructor falls back to (the only place they live). */
  readonly defaults: Readonly<StrategySettings>;
  /** The strategy for these settings (already range-checked by the registry). */
  create(settings: StrategySettings): Strategy;
}

export interface LocalConfig {
  batchSize: number;
  epochs?: number;
  steps?: number;
  optimizer: OptimizerConfig;
  /** The local training loop; default minibatch SGD. Sample-level DP injects DP-SGD here. */
  trainer?: LocalTrainer;
  /** Minibatch order of the default SGD trainer (model/types.ts LocalTrainingOptions.sampling). */
  sampling?: LocalTrainingOptions['sampling'];
}

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
  /** The registry name (registry.ts), e.g. 'fedavg'. */
  readonly name: string;
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
