/**
 * The experiment plan's types, and the trainer plans of the non-private arms (plan.ts puts
 * them together with the DP arms of privacy-arms.ts). An ArmPlan is plain data.
 *
 * `planArms(config, sites)` (plan.ts) is the only place that decides what an arm is — its family, its
 * trainer (pooled data, one site, or a federated strategy), its step budget and its wrappers
 * (differential privacy, compression, secure aggregation) — and, for
 * DP arms, the noise multiplier σ calibrated to the target ε, each site's sampling rate q and
 * δ. `runArm` (run-arm.ts) executes one plan; `fedage bench --dry-run` prints the plans;
 * results.json records them (`plan`), so every resolved setting of a run can be read back.
 *
 * Pure: a function of the resolved configuration and the sites' training-set sizes (which the
 * split fixes for every seed: stratified largest-remainder counts do not depend on the seed).
 */
import { InputError } from '../errors.js';
import type { StrategyConfig, StrategyName } from '../federated/registry.js';
import type { OptimizerConfig } from '../model/types.js';
import { armBudget, type BenchConfig } from './config.js';

/** A site as the planner sees it: its id and its number of training rows. */
export interface SitePlanInput {
  id: string;
  trainRows: number;
}

/** Central: one model trained on the pooled training rows of every site. */
export interface PooledTrainerPlan {
  kind: 'pooled';
  optimizer: OptimizerConfig;
  batchSize: number;
  /** Exactly one of epochs or steps (armBudget in config.ts). */
  epochs?: number;
  steps?: number;
  /** Training rows (all sites). */
  rows: number;
  /** Optimizer steps the budget gives (DP-SGD: before any budget stop). */
  plannedSteps: number;
}

/** Local: one model trained on one site's rows alone. */
export interface SiteTrainerPlan {
  kind: 'site';
  site: string;
  optimizer: OptimizerConfig;
  batchSize: number;
  epochs?: number;
  steps?: number;
  rows: number;
  plannedSteps: number;
}

/** Federated: a registry strategy over the round loop (federated/run-federated.ts). */
export interface StrategyTrainerPlan {
  kind: 'strategy';
  strategy: StrategyConfig;
  clientOptimizer: OptimizerConfig;
  batchSize: number;
  rounds: number;
  clientFraction: number;
  /** fixed: round(fraction·N) sites per round; poisson: each site joins with probability q (client-level DP). */
  clientSampling: 'fixed' | 'poisson';
  localEpochs?: number;
  localSteps?: number;
  /** Sites that take part (those with training rows), with their local steps per round. */
  clients: { id: string; rows: number; stepsPerRound: number }[];
}

export type TrainerPlan = PooledTrainerPlan | SiteTrainerPlan | StrategyTrainerPlan;

/** The privacy wrapper of an arm: everything the accountant and the budget guard need. */
export interface PrivacyPlan {
  /** sample: DP-SGD on each site's records (Abadi et al. 2016); client: DP-FedAvg (McMahan et al. 2018). */
  level: 'sample' | 'client';
  /** The ε σ was calibrated to; null when σ was fixed. */
  targetEpsilon: number | null;
  /** σ: noise standard deviation over the clip norm (calibrated here, or fixed by the configuration). */
  noiseMultiplier: number;
  delta: number;
  clipNorm: number;
  /** ε no site may exceed (null: no cap); training stops before a step that would. */
  budget: number | null;
  accountant: 'rdp';
  /** What one accountant step is: a DP-SGD step (sample level) or a round (client level). */
  unit: 'steps' | 'rounds';
  /**
   * Per site: the Poisson sampling rate q of its mechanism and the steps it composes if it
   * takes every planned step. Client level: q is the per-round site sampling rate and every site
   * shares the federation's one accountant.
   */
  sites: Record<string, { sampleRate: number; plannedSteps: number }>;
  /** Central and local DP-SGD: the steps that fit the budget (the run stops there if fewer than planned). */
  stepsWithinBudget?: number;
  /** Client level: expected sites per round (the divisor of the noised sum). */
  expectedClientsPerRound?: number;
  /** Client level: adaptive clipping (Andrew et al. 2021), when on. */
  adaptiveClipping?: { targetQuantile: number; learningRate: number };
  /** Seeded, NOT secure noise (tests, reproduction) when set; null: node:crypto noise. */
  noiseSeed: number | null;
  /**
   * Sample level with --dp-preprocessing: the Gaussian release of each site's preprocessing
   * statistics (privacy/dp-statistics.ts), composed into every site's ε ahead of training as
   * the accountant entry { σ: noiseMultiplier, q: 1, steps: 1 }.
   */
  preprocessing?: { noiseMultiplier: number };
}

/**
 * The secure-aggregation wrapper of a federated arm: the updates of a round are summed by a
 * protocol whose server side sees only masked vectors (masking) or ciphertexts (CKKS). Every
 * setting the protocol uses is resolved here (maxWeight included), so the plan reads back alone.
 */
export interface SecureAggregationPlan {
  kind: 'masking' | 'ckks';
  /** masking: fixed-point encoding (Flower's SecAgg+ knobs). */
  clippingRange: number;
  quantizationRange: number;
  modulusRange: number;
  /** Largest weight (training rows) the encoding carries; weights are rows / maxWeight. */
  maxWeight: number;
  graph: 'complete' | 'k-regular';
  numShares: number | null;
  reconstructionThreshold: number;
  /** Per-round probability that a site drops out (simulated), after sharing keys. */
  dropoutProbability: number;
  /** ckks: who learns the decrypted sum. */
  release: 'server' | 'sites';
}

/** The compression wrapper: each site's update (Δ against the global model) sent as an encoded message. */
export interface CompressionPlan {
  /** q8, q4, q2, topk:<fraction>, randk:<fraction> (compression/registry.ts). */
  spec: string;
  kind: 'quantize' | 'topk' | 'randk';
}

export interface ArmPlan {
  /** The arm's name in results, e.g. `central`, `local:site-a`, `fedavg`, `fedavg+dp(eps=1)`. */
  name: string;
  /** central: pooled data; local: one site alone; federated: a strategy (results.ts ArmFamily). */
  family: 'central' | 'local' | 'federated';
  trainer: TrainerPlan;
  /** Wrappers, innermost first: privacy, then compression, then secure aggregation. */
  privacy?: PrivacyPlan;
  compression?: CompressionPlan;
  secureAggregation?: SecureAggregationPlan;
}

/** Minibatch SGD steps of `epochs` passes (or `steps`) over `rows` rows (as model/train.ts counts). */
export function sgdSteps(budget: { epochs?: number; steps?: number }, rows: number, batchSize: number): number {
  if (rows === 0) return 0;
  if (budget.steps !== undefined) return budget.steps;
  return (budget.epochs ?? 0) * Math.ceil(rows / Math.min(Math.floor(batchSize), rows));
}

/** The pooled (central) trainer of a config over these sites. */
export function pooledTrainer(config: BenchConfig, sites: readonly SitePlanInput[]): PooledTrainerPlan {
  const budget = armBudget(config, 'central', sites.length);
  const rows = sites.reduce((a, s) => a + s.trainRows, 0);
  const t = config.training;
  return { kind: 'pooled', optimizer: t.optimizer, batchSize: t.batchSize, ...budget, rows, plannedSteps: sgdSteps(budget, rows, t.batchSize) };
}

export function siteTrainer(config: BenchConfig, site: SitePlanInput, siteCount: number): SiteTrainerPlan {
  const budget = armBudget(config, 'local', siteCount);
  const t = config.training;
  return { kind: 'site', site: site.id, optimizer: t.optimizer, batchSize: t.batchSize, ...budget, rows: site.trainRows, plannedSteps: sgdSteps(budget, site.trainRows, t.batchSize) };
}

/**
 * A strategy's trainer. `stepsPerRound` defaults to the minibatch steps of the local budget;
 * sample-level DP passes its DP-SGD step count (epochs·⌊1/q_k⌋).
 */
export function strategyTrainer(
  config: BenchConfig,
  name: StrategyName,
  sites: readonly SitePlanInput[],
  clientSampling: 'fixed' | 'poisson' = 'fixed',
  stepsPerRound?: (site: SitePlanInput) => number,
): StrategyTrainerPlan {
  const f = config.federated;
  const { strategy, clientOptimizer } = f.strategies[name];
  const local = f.localSteps !== undefined ? { steps: f.localSteps } : { epochs: f.localEpochs };
  const clients = sites.filter((s) => s.trainRows > 0);
  if (clients.length === 0) throw new InputError([{ file: 'input', path: '', expected: 'at least one site with training rows', found: 'none' }]);
  return {
    kind: 'strategy',
    strategy,
    clientOptimizer,
    batchSize: f.batchSize,
    rounds: f.rounds,
    clientFraction: f.clientFraction,
    clientSampling,
    ...(f.localSteps !== undefined ? { localSteps: f.localSteps } : { localEpochs: f.localEpochs }),
    clients: clients.map((s) => ({ id: s.id, rows: s.trainRows, stepsPerRound: stepsPerRound ? stepsPerRound(s) : sgdSteps(local, s.trainRows, f.batchSize) })),
  };
}

