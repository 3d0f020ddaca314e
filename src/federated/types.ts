/**
 * The federated layer's interface. A strategy is a handful of hooks with explicit, persistent
 * state: `serverState` lives across rounds at the server, `clientState` lives across rounds at
 * each client (SCAFFOLD's control variates need this). The round loop (run-federated.ts) is the
 * only place that sequences them.
 */
import type { LabeledData, Model, OptimizerConfig } from '../model/types.js';
import type { GaussianNoise } from '../privacy/noise-types.js';
import type { ClientState, ServerState, Strategy } from './strategy.js';

export type StrategyName = 'fedavg' | 'fedavgm' | 'fedprox' | 'scaffold' | 'fedadam' | 'fedyogi' | 'fedadagrad';

export const STRATEGY_NAMES: readonly StrategyName[] = ['fedavg', 'fedavgm', 'fedprox', 'scaffold', 'fedadam', 'fedyogi', 'fedadagrad'];

export interface StrategyConfig {
  name: StrategyName;
  /** Server learning rate η (FedAvgM, FedOpt family, SCAFFOLD global step); FedAvg/FedProx use 1. */
  serverLearningRate?: number;
  /** FedAvgM server momentum β (default 0.9). */
  serverMomentum?: number;
  /** FedProx proximal strength μ (default 0.01). */
  proxMu?: number;
  /** FedOpt: β1, β2 and τ (adaptivity) as in Reddi et al. 2021 (defaults 0.9, 0.99, 1e-3). */
  beta1?: number;
  beta2?: number;
  tau?: number;
}

export interface FederatedClient {
  /** Stable id (site id): client RNG streams and aggregation order derive from it, never from position. */
  id: string;
  train: LabeledData;
}

export interface LocalConfig {
  batchSize: number;
  epochs?: number;
  steps?: number;
  optimizer: OptimizerConfig;
  /** Sample-level DP: every client trains with DP-SGD (privacy/dp-sgd.ts) instead of minibatch SGD. */
  dpSgd?: LocalDpSgdConfig;
}

/**
 * DP-SGD at each client. Each client is its own data holder with its own accountant: per round
 * it runs RoundLog.localSteps[id] steps of the subsampled Gaussian mechanism with
 * (noiseMultiplier, its sample rate: `clientSampleRate(local, n_k)`).
 */
export interface LocalDpSgdConfig {
  noiseMultiplier: number;
  /** Per-example clip norm C. */
  clipNorm: number;
  /** Poisson rate q for every client; default per client 1/⌈n_k/batchSize⌉ (Opacus's DPDataLoader). */
  sampleRate?: number;
  /** The noise source of one client in one round (secure in the product; seeded in tests). */
  noise: (clientId: string, round: number) => GaussianNoise;
  /**
   * Upload the client's training loss (computed from its data without noise: outside the DP
   * guarantee). Default false: the uploaded loss is NaN.
   */
  releaseTrainingLoss?: boolean;
}

export interface RoundLog {
  round: number;
  /** Client ids that took part, sorted. */
  participants: string[];
  /** Bytes each participant sent up / received down this round (float32 wire encoding: 4 bytes per value). */
  bytesUp: Record<string, number>;
  bytesDown: Record<string, number>;
  /** Example-weighted mean of the clients' final local training loss. */
  meanTrainLoss: number;
  /** Local optimizer steps and examples processed per participant this round. */
  localSteps: Record<string, number>;
  examplesSeen: Record<string, number>;
}

export interface FederatedRunOptions {
  model: Model;
  clients: FederatedClient[];
  strategy: StrategyConfig;
  rounds: number;
  /** Fraction of clients sampled per round (at least one client is always sampled). */
  clientFraction: number;
  /**
   * fixed (default): exactly max(1, round(fraction·N)) clients per round; poisson: each client
   * joins independently with probability clientFraction (client-level DP needs this).
   */
  clientSampling?: 'fixed' | 'poisson';
  local: LocalConfig;
  initialParams: Float64Array;
  /** Seed for client sampling and per-client, per-round shuffling streams. */
  seed: number;
  /** Stream label prefix, so different arms/seeds get independent streams. */
  streamLabel: string;
  /**
   * Called before each round with its sampled participants; returning false ends the run there
   * (the bench stops a DP run before a round that would exceed a site's privacy budget).
   */
  beforeRound?: (round: number, participants: readonly string[]) => boolean;
  /** Called after each round with the new global parameters (the bench evaluates convergence here). */
  onRound?: (log: RoundLog, globalParams: Float64Array) => void;
  /**
   * Wraps the strategy built from `strategy` (differential privacy, secure aggregation): the
   * wrapper delegates to the inner strategy and typically replaces its `aggregate` hook.
   */
  wrapStrategy?: (inner: Strategy) => Strategy;
}

export interface FederatedRunResult {
  params: Float64Array;
  rounds: RoundLog[];
  /** The server state after the last round (optimizer state, SCAFFOLD's c). */
  serverState?: ServerState;
  /** Each client's state after the run, by id (clients that never took part are absent). */
  clientStates?: Record<string, ClientState>;
}
