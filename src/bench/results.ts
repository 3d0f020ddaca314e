/**
 * The bench result: what results.json holds (format "fedage-bench-results", versioned). It
 * contains no wall-clock time, so that the same input, config and seeds give identical results.
 * Timings go to stderr, and the wrapped arms' measured times to timings.json
 * (report/timings-file.ts); the distributed `transport` section is the one exception (#16).
 */
import type { BinaryEvaluation } from '../metrics/evaluate.js';
import type { Summary } from '../metrics/summarize.js';
import type { BenchConfig } from './config.js';
import type { FeatureDescriptor } from '../data/prepare/types.js';

import type { ArmPlan } from './arm-plan.js';
export const RESULTS_FORMAT = 'fedage-bench-results';
export const RESULTS_FORMAT_VERSION = 1;

export type ArmFamily = 'central' | 'local' | 'federated';

export type MetricName = 'auc' | 'auprc' | 'f1' | 'accuracy' | 'brier' | 'ece';
export const SUMMARY_METRICS: readonly MetricName[] = ['auc', 'auprc', 'f1', 'accuracy', 'brier', 'ece'];

export interface RoundRecord {
  round: number;
  /** AUC of the global model on the pooled test set after this round. */
  pooledAuc: number | null;
  participants: string[];
  bytesUp: number;
  bytesDown: number;
  /** Wrapped arms with secure aggregation: the round's protocol bytes (part of bytesUp / bytesDown). */
  secureAggregation?: { bytesUp: number; bytesDown: number };
}

export interface Communication {
  rounds: number;
  bytesUpPerSite: Record<string, number>;
  bytesDownPerSite: Record<string, number>;
  totalBytesUp: number;
  totalBytesDown: number;
}

/**
 * One data holder's mechanisms and the ε they compose to: `fedage privacy epsilon --sample-rate q
 * --noise-multiplier σ --steps T --delta δ --orders bench [--preprocessing-noise-multiplier σ_pre]`
 * gives `epsilon` (report/privacy-ledger.ts prints that command per row).
 */
export interface SitePrivacy {
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
  epsilon: number;
  alpha: number | null;
  /** With --dp-preprocessing: σ of the Gaussian release of the site's preprocessing statistics. */
  preprocessingNoiseMultiplier?: number;
}

/** The privacy of a DP arm: what a privacy officer signs off on. */
export interface ArmPrivacy {
  /** sample: DP-SGD protects each patient record; client: DP-FedAvg protects a whole site's participation. */
  level: 'sample' | 'client';
  /** The target ε σ was calibrated to; null when σ was fixed. */
  targetEpsilon: number | null;
  delta: number;
  clipNorm: number;
  accountant: 'rdp';
  conversion: string;
  /** Noise from node:crypto (true) or a seeded, NOT secure generator (false). */
  secureNoise: boolean;
  /** Per site: the mechanism each site's data went through and the ε it spent. */
  sites: Record<string, SitePrivacy>;
  /** The largest ε spent by any site (the guarantee is per site; this is the one to sign). */
  maxEpsilon: number;
  /** The ε cap that training was held to (null: none). */
  budget: number | null;
  /** Set when training stopped before its planned end to stay within the budget. */
  stoppedAtBudget: { completed: number; planned: number; unit: 'steps' | 'rounds'; message: string } | null;
  notes: string[];
}

/** One arm's model(s) evaluated for one seed. */
export interface ArmSeedResult {
  arm: string;
  family: ArmFamily;
  /** The site a local arm trained on. */
  trainedOn?: string;
  seed: number;
  /** F1 threshold selected on validation predictions (pooled; for a local arm its own site's). */
  threshold: number | null;
  pooled: BinaryEvaluation;
  sites: Record<string, BinaryEvaluation>;
  worstSite: { site: string; auc: number } | null;
  /** With `evaluation.summary: site-mean`: each metric's unweighted mean over the sites' test sets. */
  siteMean?: Record<MetricName, number | null>;
  training: { steps: number; examplesSeen: number };
  convergence?: RoundRecord[];
  communication?: Communication;
  /** First round whose pooled test AUC reaches convergenceFraction × central AUC (same seed). */
  roundsToTarget?: number | null;
  /** Differentially private arms only. */
  privacy?: ArmPrivacy;
  /** Arms with compression and/or secure aggregation (issue 14). */
  wrappers?: ArmWrappers;
}

/** One round of a wrapped arm: measured bytes, time, dropouts and the secure sum's accuracy. */
export interface WrappedRoundRecord {
  round: number;
  participants: string[];
  /** Sites whose updates are in the aggregate (participants minus dropouts). */
  contributors: string[];
  /** Sites that dropped out this round (their masks were removed from survivors' shares). */
  dropouts: string[];
  /** Why secure aggregation refused to produce a sum (the model was not updated), or null. */
  aborted: string | null;
  /** Bytes of the encoded messages each site sent (compressed message, or every protocol message). */
  bytesUpPerSite: Record<string, number>;
  /** Protocol bytes each site received, on top of the model broadcast. */
  bytesDownPerSite: Record<string, number>;
  /** Local training of the round (all sites, one after another in this simulation), ms. Measured: in timings.json, not results.json (report/timings-file.ts). */
  computeMs?: number;
  /** Compression encode + decode, ms (timings.json). */
  codecMs?: number;
  /** Secure aggregation's critical path (slowest site per stage + server), ms (timings.json). */
  cryptoMs?: number;
  /** Update values saturated at ±clippingRange (masking). */
  clippedValues: number;
  /** The protocol's bound on |secure mean − exact mean| per coordinate. */
  errorBound: number;
  /** Measured max |secure mean − plaintext mean| over coordinates (same inputs, computed alongside); null: not measured (a distributed masking run: the aggregator never holds the plaintext updates). */
  maxAbsDiff: number | null;
}

export interface ArmWrappers {
  /** The unwrapped arm this one is the twin of (its AUC is the reference of the cost). */
  baseArm: string;
  compression: string | null;
  secureAggregation: { kind: 'masking' | 'ckks'; protocol: string; threshold: number | null; serverSeesSum: boolean; dropoutProbability: number } | null;
  rounds: WrappedRoundRecord[];
  dropoutsSurvived: number;
  roundsAborted: number;
  clippedValues: number;
  /** Largest per-round bound on |secure − plaintext| of the mean update. */
  quantizationErrorBound: number;
  /** null: not measured (a distributed masking run). */
  maxAbsDiffVsPlaintext: number | null;
  /** Means of the measured times above (timings.json, absent from results.json). */
  meanComputeMsPerRound?: number;
  meanCryptoMsPerRound?: number;
  meanCodecMsPerRound?: number;
  warnings: string[];
}

export interface OracleSeedResult {
  seed: number;
  /** AUC of true_risk (P(true event)) against the recorded label: "oracle (true event)". */
  pooledAuc: number | null;
  sites: Record<string, number | null>;
  /** AUC of label_risk (P(recorded label = 1)): "oracle (recorded label)", the ceiling; null without label_risk. */
  labelPooledAuc: number | null;
  labelSites: Record<string, number | null> | null;
}

export interface SiteSplitCounts {
  site: string;
  train: number;
  validation: number;
  test: number;
  excluded: number;
  trainPositives: number;
  testPositives: number;
}

export interface ArmSummary {
  arm: string;
  family: ArmFamily | 'derived';
  /** Pooled metrics over seeds. */
  metrics: Record<MetricName | 'worst_site_auc', Summary | null>;
  /** AUC per site over seeds. */
  siteAuc: Record<string, Summary | null>;
  /** With `evaluation.summary: site-mean`: the site-mean metrics over seeds, and accuracy per site. */
  siteMean?: Record<MetricName, Summary | null>;
  siteAccuracy?: Record<string, Summary | null>;
  /** Paired per-seed differences arm − central (AUC and F1). */
  gapToCentral: { auc: Summary | null; f1: Summary | null } | null;
  /** Paired per-seed differences arm − best local (AUC and F1). */
  gainOverBestLocal: { auc: Summary | null; f1: Summary | null } | null;
  roundsToTarget?: Summary | null;
  communication?: { meanTotalBytes: number; bytesPerRoundPerSite: number } | null;
  /** DP arms: the target, the largest ε any site spent (over seeds), δ and σ range. */
  privacy?: {
    level: 'sample' | 'client';
    targetEpsilon: number | null;
    maxEpsilonSpent: number;
    delta: number;
    noiseMultiplier: { min: number; max: number };
    secureNoise: boolean;
    stoppedAtBudget: number;
  };
}

export interface GateRecord {
  expression: string;
  passed: boolean;
  left: number | null;
  right: number | null;
  message: string;
}

/** Count, mean and sample SD (n − 1) of one feature's observed training values; null when undefined. */
export interface NumericColumnSummary {
  count: number;
  missing: number;
  mean: number | null;
  sd: number | null;
}

/**
 * Per-site distributions of the features over the training rows of one seed (canonical units,
 * before standardization); built from the sufficient statistics the sites shared for the
 * federated preprocessing (bench/data-summary.ts). Optional: results.json files written before
 * it existed have none.
 */
export interface DataSummary {
  /** The seed whose training rows are summarized (the first seed of the run). */
  seed: number;
  /** Training rows per site. */
  rows: Record<string, number>;
  /** Numeric and binary features (a binary feature's mean is its rate). */
  numeric: { column: string; featureType: 'numeric' | 'binary'; unit?: string; sites: Record<string, NumericColumnSummary>; pooled: NumericColumnSummary }[];
  /** Categorical features: training rows per level (levels in pooled first-seen order). */
  categorical: {
    column: string;
    levels: string[];
    sites: Record<string, { counts: number[]; missing: number }>;
    pooled: { counts: number[]; missing: number };
  }[];
}

export interface BenchResult {
  format: typeof RESULTS_FORMAT;
  formatVersion: number;
  fedageVersion: string;
  backend: { name: string; version?: string };
  data: {
    kind: 'scenario' | 'directory';
    origin: string;
    scenarioName: string;
    manifestSha256: string;
    target: string;
    sites: string[];
    synthetic: boolean;
  };
  config: BenchConfig;
  /** The experiment plan: every arm's resolved settings (trainer, budget, σ, q per site, δ), as `fedage bench --dry-run` prints it. */
  plan?: ArmPlan[];
  features: FeatureDescriptor[];
  splits: Record<string, SiteSplitCounts[]>;
  perSeed: ArmSeedResult[];
  oracle: { perSeed: OracleSeedResult[]; pooledAuc: Summary | null; labelPooledAuc: Summary | null } | null;
  summary: ArmSummary[];
  gates: GateRecord[];
  warnings: string[];
  /** Set when the run had DP arms: the common settings and any stop at a privacy budget. */
  privacy: {
    level: 'sample' | 'client';
    delta: number;
    deltaRule: string;
    accountant: 'rdp';
    secureNoise: boolean;
    /** One message per arm and seed that stopped early to stay within its budget (exit 3). */
    budgetStops: string[];
  } | null;
  /** How patient ids were written to predictions.arrow / splits.arrow (bench --ids; set with --out). */
  outputIds?: 'plain' | 'hashed' | 'none';
  /** Per-site feature distributions (training rows of the first seed); absent in older files. */
  dataSummary?: DataSummary;
  /**
   * The command-line arguments after `fedage` that produced this result (set by the CLI, absent
   * when the library was called directly), so the report can say how to reproduce it.
   */
  argv?: string[];
  /**
   * A distributed run (`fedage serve` / `federate`): how the sites were reached and everything
   * that happened on the network (joins, refusals, drops, deadlines). Absent in-process; the
   * only part of results.json (with timings) that differs from the in-process run.
   */
  transport?: TransportRecord;
}

export interface TransportRecord {
  mode: 'grpc';
  protocol: string;
  tls: 'mutual';
  listen: string;
  minSites: number;
  roundDeadlineSeconds: number;
  /** Seconds from start until every site had joined (or the join timeout). */
  startupSeconds: number;
  /** Bytes of protocol messages (headers and float64 payloads, without gRPC/TLS framing). */
  bytesSent: number;
  bytesReceived: number;
  rounds: Array<{ seed: number; arm: string; round: number; seconds: number; answered: number; sampled: number }>;
  events: Array<{ atMs: number; kind: string; site?: string; seed?: number; arm?: string; round?: number; message: string }>;
}
