/** The audit's result records (results.json `audit`; the report's "Privacy audit" section reads them). */
import type { AttackMetrics } from './attack-metrics.js';
import type { AuditConfig } from './config.js';
import type { CanaryKind } from './canaries.js';
import type { MultiRunBound, MultiRunCounts } from './multi-run-epsilon.js';

export type ScoreKind = 'loss' | 'lira' | 'white-box';

/** One guess rule of the one-run audit and the ε it proves at the (Bonferroni-corrected) level. */
export interface OneRunTest {
  /** primary: the pre-registered test the invariant is checked on; exploratory: every other rule (own Bonferroni family). */
  family: 'primary' | 'exploratory';
  kind: CanaryKind;
  score: 'loss' | 'white-box';
  canaries: number;
  guessIn: number;
  guessOut: number;
  guesses: number;
  correct: number;
  /** The p-value threshold this test used (the audit's p-value over the number of tests in its family). */
  level: number;
  epsilonLowerBound: number;
  /** Whether the arm's guarantee covers the view this score needs (see AuditArmRecord.checked). */
  coveredByGuarantee: boolean;
}

export interface AuditArmRecord {
  arm: string;
  site: string;
  family: 'central' | 'local' | 'federated';
  /** DP level of the arm (null: no DP). */
  dpLevel: 'sample' | 'client' | null;
  /** The accountant's ε for the canary site (null: no DP, nothing claimed) and its δ. */
  accountantEpsilon: number | null;
  delta: number;
  /** Canaries: total, included, per kind. */
  canaries: { total: number; included: number; byKind: Record<CanaryKind, { total: number; included: number }> };
  /** The one-run tests (Steinke et al. 2023), every guess rule tried. */
  oneRun: OneRunTest[];
  /** ε̂ of the primary test (max over its rules, Bonferroni): at confidence 1 − pValue; the invariant is checked on it. */
  epsilonLowerBound: number;
  /** The primary rule that gave it. */
  best: OneRunTest | null;
  /** Max ε̂ over the exploratory tests the guarantee covers (their own 1 − pValue family). */
  exploratoryEpsilonLowerBound: number;
  confidence: number;
  /** True when the arm claims DP and ε̂ > the accountant's ε: a bug in clipping, noise, sampling or accounting. */
  violation: boolean;
  /** Attack metrics per score and canary kind (all: both kinds together). */
  attacks: { score: ScoreKind; kind: CanaryKind | 'all'; metrics: AttackMetrics }[];
  /** The multi-run audit (Jagielski et al. 2020) of one canary over `runs` trainings; its bound also sets `violation`. */
  multiRun: (MultiRunCounts & MultiRunBound & { runs: number; threshold: number; canaryKind: CanaryKind; score: 'loss' | 'white-box' }) | null;
  notes: string[];
}

export interface ReconstructionCell {
  batchSize: number;
  localSteps: number;
  view: 'plain' | 'secure-aggregation' | 'dp';
  method: 'exact' | 'optimization';
  trials: number;
  /** Mean fraction of feature values reconstructed within tolerance. */
  fractionWithinTolerance: number;
  /** Records reconstructed with every feature within tolerance, over trials × batch size. */
  recordsRecovered: number;
  records: number;
  /** Labels recovered (exact attack). */
  labelsRecovered: number | null;
}

export interface ReconstructionRecord {
  site: string;
  tolerance: number;
  learningRate: number;
  l2: number;
  /** The DP view's σ and clip norm. */
  noiseMultiplier: number;
  clipNorm: number;
  secureAggregationSites: number;
  cells: ReconstructionCell[];
  notes: string[];
}

export interface AuditViolation {
  arm: string;
  site: string;
  accountantEpsilon: number;
  epsilonLowerBound: number;
  canaries: number;
  guesses: number;
  correct: number;
  message: string;
}

export interface AuditResult {
  format: 'fedage-audit';
  formatVersion: 1;
  fedageVersion: string;
  scenarioName: string;
  seed: number;
  config: AuditConfig;
  canarySources: Record<string, string>;
  arms: AuditArmRecord[];
  reconstruction: ReconstructionRecord[];
  violations: AuditViolation[];
  /** Plain-language reading for a privacy officer. */
  reading: string[];
  warnings: string[];
  /** Gates (`audit.violations == 0`) and how they came out. */
  gates: { expression: string; passed: boolean; value: number; message: string }[];
}
