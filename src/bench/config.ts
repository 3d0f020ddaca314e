/**
 * The resolved bench configuration: the scenario's (or config file's) `bench:` section with
 * every default filled in, then command-line overrides. results.json records this object, so a
 * run can be repeated from it exactly.
 */
import { UsageError } from '../errors.js';
import type { BenchSettingsInput } from '../scenario/bench-schema.js';
import { BENCH_ARM_KINDS } from '../scenario/bench-schema.js';
import { STRATEGY_NAMES, strategyDefinition } from '../federated/registry.js';
import type { ModelKind, OptimizerConfig } from '../model/types.js';
import type { StrategyConfig, StrategyName } from '../federated/types.js';
import type { Normalization, SplitFractions } from '../data/prepare/types.js';
import type { Target } from '../scenario/targets.js';
import { DEFAULT_STATISTIC_BOUNDS } from '../privacy/dp-statistics.js';
import { PRIVACY_ARM_KINDS, type PrivacySettingsInput } from '../scenario/privacy-schema.js';

export type ArmKind = (typeof BENCH_ARM_KINDS)[number];
export type ModelInit = 'zeros' | 'uniform-fan-in';

export interface TrainingBudget {
  optimizer: OptimizerConfig;
  batchSize: number;
  epochs?: number;
  steps?: number;
}

export interface BenchConfig {
  /** null: the scenario's (or data directory's) own target. */
  target: Target | null;
  model: { kind: ModelKind; hiddenUnits: number[]; activation: 'relu' | 'tanh'; l2: number; backend: 'js' | 'tfjs'; init: ModelInit };
  arms: ArmKind[];
  seeds: number[];
  /** Fractions of a seeded stratified split, or 'fixed': the data's own `split` column. */
  split: SplitFractions | 'fixed';
  preprocessing: {
    normalization: Normalization;
    harmonizeUnits: boolean;
    missingIndicators: boolean;
    scaleBinary: boolean;
    centralStatistics: 'same' | 'pooled';
  };
  evaluation: {
    /** Fixed decision threshold; null: the F1-optimal threshold on validation predictions. */
    threshold: number | null;
    summary: 'pooled' | 'site-mean';
  };
  /** Central and local (site-alone) arms. */
  training: TrainingBudget;
  federated: {
    rounds: number;
    clientFraction: number;
    batchSize: number;
    localEpochs?: number;
    localSteps?: number;
    /** Client optimizer per strategy (the learning rate may differ per strategy, as in FLamby). */
    strategies: Record<StrategyName, { strategy: StrategyConfig; clientOptimizer: OptimizerConfig }>;
  };
  convergenceFraction: number;
  /**
   * Minibatch order of the non-private SGD arms (central, local, federated clients; client-level
   * DP included): 'block-shuffle' (default) trains on the training rows permuted once per seed
   * and site, then shuffles blocks of whole minibatches every epoch — faster, equivalent in
   * distribution per epoch (model/train.ts blockShuffleInto); 'reshuffle' permutes every row
   * every epoch. Sample-level DP arms always use Poisson sampling (their accountant's assumption).
   */
  sampling: 'block-shuffle' | 'reshuffle';
  /**
   * Federated arms evaluate the global model on the pooled test set (convergence curve,
   * rounds-to-target) after rounds k, 2k, … and always after the last round; the other rounds
   * record pooledAuc null. Training is unaffected: only the curve's resolution changes.
   */
  evaluateEvery: number;
  gates: string[];
  maxGap: number | null;
  /** Differentially private arms; null: none. */
  privacy: PrivacyConfig | null;
  /** Secure aggregation twins of the federated arms (issue 14); null: none. */
  secureAggregation: SecureAggregationSettings | null;
  /** Compression spec of the wrapped federated arms (q8, topk:0.1, randk:0.1...); null: none. */
  compression: string | null;
}

/** Resolved secure-aggregation settings (Flower's SecAgg+ knob names and defaults). */
export interface SecureAggregationSettings {
  kind: 'masking' | 'ckks';
  clippingRange: number;
  quantizationRange: number;
  modulusRange: number;
  /** null: max(1000, the largest site's training rows), fixed at plan time. */
  maxWeight: number | null;
  graph: 'complete' | 'k-regular';
  numShares: number | null;
  reconstructionThreshold: number;
  dropoutProbability: number;
  release: 'server' | 'sites';
}

/** Flower's SecAgg+ defaults (secaggplus workflow), and fedage's for the rest. */
export const SECURE_AGGREGATION_DEFAULTS = {
  clippingRange: 8,
  quantizationRange: 2 ** 22,
  modulusRange: 2 ** 32,
  graph: 'complete' as const,
  reconstructionThreshold: 0.5,
  dropoutProbability: 0,
  release: 'server' as const,
};

export type SecureAggregationOverrides = Partial<Omit<SecureAggregationSettings, 'maxWeight' | 'numShares'>> & { maxWeight?: number; numShares?: number };

export function resolveSecureAggregation(settings: BenchSettingsInput['secureAggregation'] | undefined, overrides: SecureAggregationOverrides = {}): SecureAggregationSettings | null {
  const kind = overrides.kind ?? settings?.kind;
  if (!kind) {
    if (Object.values(overrides).some((v) => v !== undefined)) throw new UsageError('secure-aggregation knobs given without --secure-aggregation masking|ckks');
    return null;
  }
  const s = settings ?? { kind };
  const d = SECURE_AGGREGATION_DEFAULTS;
  const out: SecureAggregationSettings = {
    kind,
    clippingRange: overrides.clippingRange ?? s.clippingRange ?? d.clippingRange,
    quantizationRange: overrides.quantizationRange ?? s.quantizationRange ?? d.quantizationRange,
    modulusRange: overrides.modulusRange ?? s.modulusRange ?? d.modulusRange,
    maxWeight: overrides.maxWeight ?? s.maxWeight ?? null,
    graph: overrides.graph ?? s.graph ?? d.graph,
    numShares: overrides.numShares ?? s.numShares ?? null,
    reconstructionThreshold: overrides.reconstructionThreshold ?? s.reconstructionThreshold ?? d.reconstructionThreshold,
    dropoutProbability: overrides.dropoutProbability ?? s.dropoutProbability ?? d.dropoutProbability,
    release: overrides.release ?? s.release ?? d.release,
  };
  const bits = Math.log2(out.modulusRange);
  if (!Number.isInteger(bits) || bits < 2 || bits > 32) throw new UsageError(`secureAggregation.modulusRange: expected a power of two between 2^2 and 2^32, found ${out.modulusRange}`);
  if (out.graph === 'complete' && out.numShares !== null) throw new UsageError('secureAggregation.numShares applies to graph: k-regular (SecAgg+) only; the complete graph shares with every site');
  return out;
}

export type PrivacyArmKind = (typeof PRIVACY_ARM_KINDS)[number];

export interface PrivacyConfig {
  level: 'sample' | 'client';
  /** Target ε per arm (σ calibrated per target); null when noiseMultiplier is fixed. */
  epsilons: number[] | null;
  noiseMultiplier: number | null;
  /** null: the default from the data, a power of ten below 1/(10 n) of the smallest site. */
  delta: number | null;
  /** How δ was chosen (filled by the runner), stated in results. */
  deltaRule?: string;
  clipNorm: number;
  arms: PrivacyArmKind[];
  /** ε cap per site; null: the arm's target ε (calibrated arms) or no cap (fixed σ). */
  budget: number | null;
  adaptiveClipping: { targetQuantile: number; learningRate: number } | null;
  /** Seeded, NOT secure noise (tests, reproduction); null: node:crypto noise. */
  noiseSeed: number | null;
  /**
   * DP preprocessing statistics (privacy/dp-statistics.ts): the per-site counts and sums the
   * federated preprocessing uses, released by the Gaussian mechanism; null: released exactly.
   * `noiseMultiplier` is fixed, or calibrated (runner) so the release alone costs `targetEpsilon`.
   */
  preprocessing?: PreprocessingPrivacy | null;
}

export interface PreprocessingPrivacy {
  targetEpsilon: number | null;
  noiseMultiplier: number | null;
  /** Clipping bounds per numeric column (canonical units); defaults for fedage's columns, binary [0, 1]. */
  bounds: Record<string, [number, number]>;
}

export const PRIVACY_DEFAULTS = {
  level: 'sample' as const,
  epsilons: [0.1, 1, 5],
  clipNorm: 1,
  sampleArms: ['central', 'fedavg'] as PrivacyArmKind[],
  clientArms: ['fedavg'] as PrivacyArmKind[],
  // Andrew et al. 2021: median of update norms, η_C = 0.2.
  adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2 },
};

export interface PrivacyOverrides {
  level?: 'sample' | 'client';
  epsilons?: number[];
  noiseMultiplier?: number;
  delta?: number;
  clipNorm?: number;
  budget?: number;
  noiseSeed?: number;
  preprocessingEpsilon?: number;
  preprocessingNoiseMultiplier?: number;
  /** Bounds added to (or replacing) the defaults, column → [lo, hi]. */
  preprocessingBounds?: Record<string, [number, number]>;
}

export function resolvePrivacyConfig(settings: PrivacySettingsInput | null, overrides: PrivacyOverrides = {}): PrivacyConfig | null {
  const any = settings !== null || Object.values(overrides).some((v) => v !== undefined);
  if (!any) return null;
  const s = settings ?? {};
  const level = overrides.level ?? s.level ?? PRIVACY_DEFAULTS.level;
  const noiseMultiplier = overrides.noiseMultiplier ?? (overrides.epsilons ? undefined : s.noiseMultiplier) ?? null;
  const epsilons = noiseMultiplier !== null ? null : [...(overrides.epsilons ?? s.epsilons ?? PRIVACY_DEFAULTS.epsilons)].sort((a, b) => a - b);
  const arms = (s.arms ?? (level === 'client' ? PRIVACY_DEFAULTS.clientArms : PRIVACY_DEFAULTS.sampleArms)).filter((a, i, all) => all.indexOf(a) === i);
  if (level === 'client') {
    const notFederated = arms.filter((a) => a === 'central' || a === 'local');
    if (notFederated.length > 0) throw new UsageError(`privacy.arms: client-level DP applies to federated arms only, found ${notFederated.join(', ')}`);
    if (arms.includes('scaffold')) {
      throw new UsageError("privacy.arms: client-level DP cannot wrap scaffold (its control-variate uploads are not clipped, so the noise would not cover them); use level: sample for scaffold");
    }
  }
  const adaptive = s.adaptiveClipping;
  if (adaptive && level !== 'client') throw new UsageError('privacy.adaptiveClipping applies to level: client only');
  const preprocessing = resolvePreprocessingPrivacy(overrides);
  if (preprocessing && level === 'client') {
    throw new UsageError(
      '--dp-preprocessing-epsilon/--dp-preprocessing-noise-multiplier: the DP preprocessing statistics protect single records (sample level); they do not compose into a client-level guarantee, which protects a whole site. Use --dp-level sample',
    );
  }
  return {
    level,
    epsilons,
    noiseMultiplier,
    delta: overrides.delta ?? s.delta ?? null,
    clipNorm: overrides.clipNorm ?? s.clipNorm ?? PRIVACY_DEFAULTS.clipNorm,
    arms: PRIVACY_ARM_KINDS.filter((a) => arms.includes(a)),
    budget: overrides.budget ?? s.budget ?? null,
    adaptiveClipping: adaptive ? { ...PRIVACY_DEFAULTS.adaptiveClipping, ...(typeof adaptive === 'object' ? adaptive : {}) } : null,
    noiseSeed: overrides.noiseSeed ?? null,
    preprocessing,
  };
}

function resolvePreprocessingPrivacy(o: PrivacyOverrides): PreprocessingPrivacy | null {
  if (o.preprocessingEpsilon === undefined && o.preprocessingNoiseMultiplier === undefined) {
    if (o.preprocessingBounds !== undefined) throw new UsageError('--dp-preprocessing-bounds given without --dp-preprocessing-epsilon or --dp-preprocessing-noise-multiplier');
    return null;
  }
  if (o.preprocessingEpsilon !== undefined && o.preprocessingNoiseMultiplier !== undefined) {
    throw new UsageError('--dp-preprocessing-epsilon and --dp-preprocessing-noise-multiplier exclude each other (σ is either calibrated to the ε or fixed)');
  }
  const bounds: Record<string, [number, number]> = {};
  for (const [k, v] of Object.entries(DEFAULT_STATISTIC_BOUNDS)) bounds[k] = [v[0], v[1]];
  Object.assign(bounds, o.preprocessingBounds ?? {});
  return { targetEpsilon: o.preprocessingEpsilon ?? null, noiseMultiplier: o.preprocessingNoiseMultiplier ?? null, bounds };
}

/** Documented defaults (README "Bench settings"). */
export const BENCH_DEFAULTS = {
  model: { kind: 'logistic' as ModelKind, hiddenUnits: [32], activation: 'relu' as const, l2: 1e-3, backend: 'js' as const, init: 'zeros' as ModelInit },
  seedCount: 5,
  split: { train: 0.6, validation: 0.2, test: 0.2 },
  preprocessing: { normalization: 'federated' as Normalization, harmonizeUnits: true, missingIndicators: true, scaleBinary: false, centralStatistics: 'same' as 'same' | 'pooled' },
  evaluation: { threshold: null as number | null, summary: 'pooled' as 'pooled' | 'site-mean' },
  optimizer: 'sgd' as const,
  learningRate: 0.05,
  momentum: 0,
  batchSize: 32,
  rounds: 30,
  clientFraction: 1,
  localEpochs: 1,
  convergenceFraction: 0.95,
  sampling: 'block-shuffle' as 'block-shuffle' | 'reshuffle',
  evaluateEvery: 1,
  // Each strategy's defaults live in its own file (federated/registry.ts lists them).
};

/** Flags that override the YAML (parsed by the CLI). */
export interface BenchOverrides {
  target?: Target;
  /** Minibatch order of the non-private SGD arms (BenchConfig.sampling). */
  sampling?: 'block-shuffle' | 'reshuffle';
  /** Per-round evaluation every k rounds (BenchConfig.evaluateEvery). */
  evaluateEvery?: number;
  model?: ModelKind;
  /** MLP hidden layer widths (1-2 layers). */
  hiddenUnits?: number[];
  backend?: 'js' | 'tfjs';
  arms?: string[];
  seeds?: number[];
  rounds?: number;
  localEpochs?: number;
  localSteps?: number;
  batchSize?: number;
  learningRate?: number;
  clientFraction?: number;
  gates?: string[];
  maxGap?: number;
  privacy?: PrivacyOverrides;
  secureAggregation?: SecureAggregationOverrides;
  compression?: string;
}

function optimizerOf(kind: 'sgd' | 'adam' | undefined, learningRate: number | undefined, momentum: number | undefined): OptimizerConfig {
  const optimizer = kind ?? BENCH_DEFAULTS.optimizer;
  const lr = learningRate ?? (optimizer === 'adam' ? 1e-3 : BENCH_DEFAULTS.learningRate);
  return optimizer === 'sgd' ? { kind: 'sgd', learningRate: lr, momentum: momentum ?? BENCH_DEFAULTS.momentum } : { kind: 'adam', learningRate: lr };
}

export function resolveBenchConfig(settings: BenchSettingsInput, overrides: BenchOverrides = {}, privacySettings: PrivacySettingsInput | null = null): BenchConfig {
  const fed = settings.federated ?? {};
  const training = settings.training ?? {};
  const arms = resolveArms(overrides.arms ?? settings.arms);
  const seeds =
    overrides.seeds ??
    (Array.isArray(settings.seeds) ? settings.seeds : Array.from({ length: settings.seeds ?? BENCH_DEFAULTS.seedCount }, (_, i) => i));
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`seeds must be distinct, found ${seeds.join(', ')}`);

  const localSteps = overrides.localSteps ?? (overrides.localEpochs !== undefined ? undefined : fed.localSteps);
  const localEpochs = localSteps !== undefined ? undefined : (overrides.localEpochs ?? fed.localEpochs ?? BENCH_DEFAULTS.localEpochs);
  if (fed.localSteps !== undefined && fed.localEpochs !== undefined && overrides.localEpochs === undefined && overrides.localSteps === undefined) {
    throw new UsageError('bench.federated: set localEpochs or localSteps, not both');
  }
  const rounds = overrides.rounds ?? fed.rounds ?? BENCH_DEFAULTS.rounds;
  const clientFraction = overrides.clientFraction ?? fed.clientFraction ?? BENCH_DEFAULTS.clientFraction;
  const fedBatch = overrides.batchSize ?? fed.batchSize ?? BENCH_DEFAULTS.batchSize;
  const fedLr = overrides.learningRate ?? fed.learningRate;

  const strategies = {} as BenchConfig['federated']['strategies'];
  for (const name of STRATEGY_NAMES) {
    const { learningRate: strategyLr, ...strategyOverrides } = fed.strategies?.[name] ?? {};
    strategies[name] = {
      strategy: { name, ...strategyDefinition(name).defaults, ...strategyOverrides },
      clientOptimizer: optimizerOf(fed.optimizer, overrides.learningRate ?? strategyLr ?? fedLr, fed.momentum),
    };
  }

  if (training.epochs !== undefined && training.steps !== undefined) throw new UsageError('bench.training: set epochs or steps, not both');
  if (settings.model?.init === 'uniform-fan-in' && (overrides.model ?? settings.model?.kind) === 'mlp') {
    throw new UsageError('bench.model.init: uniform-fan-in is for the logistic model (the MLP has its own initialization)');
  }
  const modelKind = overrides.model ?? settings.model?.kind ?? BENCH_DEFAULTS.model.kind;
  if (overrides.hiddenUnits !== undefined && modelKind !== 'mlp') {
    throw new UsageError(`--hidden-units: applies to the MLP (--model mlp, or bench.model.kind: mlp), found model ${modelKind}`);
  }
  return {
    target: overrides.target ?? settings.target ?? null,
    model: {
      kind: overrides.model ?? settings.model?.kind ?? BENCH_DEFAULTS.model.kind,
      hiddenUnits: overrides.hiddenUnits ?? settings.model?.hiddenUnits ?? BENCH_DEFAULTS.model.hiddenUnits,
      activation: settings.model?.activation ?? BENCH_DEFAULTS.model.activation,
      l2: settings.model?.l2 ?? BENCH_DEFAULTS.model.l2,
      backend: overrides.backend ?? settings.model?.backend ?? BENCH_DEFAULTS.model.backend,
      init: settings.model?.init ?? BENCH_DEFAULTS.model.init,
    },
    arms,
    seeds,
    split: settings.split ?? BENCH_DEFAULTS.split,
    preprocessing: { ...BENCH_DEFAULTS.preprocessing, ...settings.preprocessing },
    evaluation: { ...BENCH_DEFAULTS.evaluation, ...settings.evaluation },
    training: {
      optimizer: optimizerOf(training.optimizer, overrides.learningRate ?? training.learningRate, training.momentum),
      batchSize: overrides.batchSize ?? training.batchSize ?? BENCH_DEFAULTS.batchSize,
      ...(training.steps !== undefined ? { steps: training.steps } : training.epochs !== undefined ? { epochs: training.epochs } : {}),
    },
    federated: {
      rounds,
      clientFraction,
      batchSize: fedBatch,
      ...(localSteps !== undefined ? { localSteps } : { localEpochs }),
      strategies,
    },
    convergenceFraction: settings.convergenceFraction ?? BENCH_DEFAULTS.convergenceFraction,
    sampling: overrides.sampling ?? settings.sampling ?? BENCH_DEFAULTS.sampling,
    evaluateEvery: overrides.evaluateEvery ?? settings.evaluateEvery ?? BENCH_DEFAULTS.evaluateEvery,
    gates: [...(settings.gates ?? []), ...(overrides.gates ?? [])],
    maxGap: overrides.maxGap ?? settings.maxGap ?? null,
    privacy: resolvePrivacyConfig(privacySettings, overrides.privacy),
    secureAggregation: resolveSecureAggregation(settings.secureAggregation, overrides.secureAggregation),
    compression: overrides.compression ?? settings.compression ?? null,
  };
}

function resolveArms(requested: readonly string[] | undefined): ArmKind[] {
  if (!requested) return [...BENCH_ARM_KINDS];
  const known = new Set<string>(BENCH_ARM_KINDS);
  const unknown = requested.filter((a) => !known.has(a));
  if (unknown.length > 0) throw new UsageError(`unknown arm ${unknown.map((a) => `"${a}"`).join(', ')}; known arms: ${BENCH_ARM_KINDS.join(', ')}`);
  // Canonical order, so results do not depend on how the list was written.
  return BENCH_ARM_KINDS.filter((a) => requested.includes(a));
}

/**
 * The central and local arms get the federated arms' budget unless told otherwise, so that
 * "gap to central" compares equal effort. Epoch mode: as many passes over the data as each
 * example gets in federated training (rounds × local epochs, × client fraction for central).
 * Step mode: central takes as many minibatch steps as all clients together (rounds × local
 * steps × expected participants); a site alone takes rounds × local steps.
 */
export function armBudget(config: BenchConfig, arm: 'central' | 'local', siteCount: number): { epochs?: number; steps?: number } {
  const t = config.training;
  if (t.steps !== undefined) return { steps: t.steps };
  if (t.epochs !== undefined) return { epochs: t.epochs };
  const f = config.federated;
  const participants = arm === 'central' ? Math.max(1, Math.round(f.clientFraction * siteCount)) : 1;
  if (f.localEpochs !== undefined) {
    return { epochs: Math.max(1, Math.round(f.rounds * f.localEpochs * (arm === 'central' ? f.clientFraction : 1))) };
  }
  return { steps: Math.max(1, f.rounds * (f.localSteps ?? 1) * participants) };
}
