/**
 * The federated layer's interface. A strategy is a handful of hooks with explicit, persistent
 * state: `serverState` lives across rounds at the server, `clientState` lives across rounds at
 * each client (SCAFFOLD's control variates need this). The round loop (run-federated.ts) is the
 * only place that sequences them.
 */
import type { LabeledData, Model } from '../model/types.js';
import type { StrategyConfig } from './registry.js';
import type { ClientState, ServerState, Strategy } from './strategy.js';

export { STRATEGY_NAMES, type StrategyConfig, type StrategyName } from './registry.js';
export type { LocalConfig, LocalTrainer, LocalTrainerInput, StrategySettings } from './strategy.js';

export interface FederatedClient {
  /** Stable id (site id): client RNG streams and aggregation order derive from it, never from position. */
  id: string;
  train: LabeledData;
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
  local: import('./strategy.js').LocalConfig;
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
