/**
 * What the bench's data pipeline hands to training: per seed, per site, standardized design
 * matrices for train / validation / test, built the way a real federation would (only
 * sufficient statistics leave a site).
 */
import type { FeatureSource } from './preprocess.js';
import type { Table } from 'apache-arrow';
import type { Manifest } from '../manifest.js';
import type { LabeledData } from '../../model/types.js';

/** One site's patient table as loaded (from a data directory or generated in memory). */
export interface SiteTable {
  id: string;
  name: string;
  table: Table;
  /** Column units at this site (manifest `sites[].units`). */
  units: Record<string, string>;
}

/** A bench input: a scenario generated in memory or a data directory checked against its manifest. */
export interface BenchDataset {
  kind: 'scenario' | 'directory';
  /** The scenario file or the data directory, as given. */
  origin: string;
  manifest: Manifest;
  /** SHA-256 of manifest.json as written (for a scenario: of the manifest generate would write). */
  manifestSha256: string;
  sites: SiteTable[];
}

export const SPLIT_TRAIN = 0;
export const SPLIT_VALIDATION = 1;
export const SPLIT_TEST = 2;
/** Rows without a usable label (target null: not eligible or not observed). */
export const SPLIT_EXCLUDED = -1;

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

export type Normalization = 'federated' | 'per-site' | 'none';

export interface PrepareOptions {
  seed: number;
  /** Fractions of a seeded stratified split, or 'fixed': each site's `split` column (train/validation/test). */
  split: SplitFractions | 'fixed';
  /**
   * federated: means/SDs/imputation from per-site counts, sums and sums of squares of the
   * training rows, aggregated across sites (no raw row leaves a site); per-site: each site uses
   * its own training statistics (FLamby's Fed-Heart-Disease protocol); none: raw values.
   */
  normalization: Normalization;
  /** Convert site units to one canonical unit per column (mg/dL, %, kg…) before anything else. */
  harmonizeUnits: boolean;
  /** Add a 0/1 "was missing" column for every numeric feature with any missing training value. */
  missingIndicators: boolean;
  /** Also center and scale binary and one-hot columns (default false: they stay 0/1). */
  scaleBinary?: boolean;
  /**
   * 'pooled': also build the central arm's training matrix with pooled training statistics
   * (PreparedSeed.centralTrain), whatever `normalization` is — FLamby's pooled baseline.
   */
  centralStatistics?: 'same' | 'pooled';
  /**
   * How each site releases its training statistics to the federation: by default exactly; the
   * bench passes the Gaussian mechanism of privacy/dp-statistics.ts under --dp-preprocessing.
   * `values`: each numeric/binary column's observed training values.
   */
  releaseStatistics?: (exact: SiteStats, values: Record<string, Float64Array>, binaryColumns: ReadonlySet<string>) => SiteStats;
}

export interface FeatureDescriptor {
  /** Column name in the design matrix, e.g. `age_years`, `sex=M`, `glucose__missing`. */
  name: string;
  source: string;
  kind: 'numeric' | 'binary' | 'one-hot' | 'missing-indicator';
  /** For numeric columns: the canonical unit after harmonization. */
  unit?: string;
  /** For one-hot columns: the category level this column indicates. */
  level?: string;
}

/** The column a fixed split is read from (`fedage import` with a split table writes it). */
export const SPLIT_COLUMN = 'split';

export interface PreparedSplit {
  data: LabeledData;
  /** Patient ids of the rows, in row order. */
  patientIds: string[];
  /** Ground-truth risk of the rows (synthetic data only), for the oracle AUC (true event). */
  trueRisk: Float64Array | null;
  /** P(recorded label = 1 | latent state) of the rows (synthetic data only): the label oracle, the ceiling. */
  labelRisk?: Float64Array | null;
}

export interface PreparedSite {
  id: string;
  train: PreparedSplit;
  validation: PreparedSplit;
  test: PreparedSplit;
  /** Split code of every row of the site table, in table order (SPLIT_* constants). */
  splitOfRow: Int8Array;
  /** All patient ids of the site table, in table order. */
  patientIds: string[];
}

/** The aggregated preprocessing statistics (what the federation agreed on). */
export interface FittedPreprocessing {
  normalization: Normalization;
  features: FeatureDescriptor[];
  /** Per design column (federated/none) — or per site id for per-site normalization. */
  center: Float64Array | Record<string, Float64Array>;
  scale: Float64Array | Record<string, Float64Array>;
  /** Imputation value per numeric source column, in canonical units. */
  imputation: Record<string, number>;
  /**
   * Per-site normalization only: each site's own imputation value per numeric/binary source
   * column (its training mean; the pooled value where a site has none observed).
   */
  imputationBySite?: Record<string, Record<string, number>>;
  /**
   * Manifest features without a design column because no pooled training row observed them
   * (every value missing: the column would be a constant).
   */
  droppedFeatures?: string[];
  /** Unit conversions applied: site id → column → { from, to, factor, offset }. */
  unitConversions: Record<string, Record<string, { from: string; to: string; factor?: number; offset?: number }>>;
}

export interface PreparedSeed {
  seed: number;
  featureNames: string[];
  preprocessing: FittedPreprocessing;
  /** Sites in the dataset's order. */
  sites: PreparedSite[];
  /**
   * The central arm's training matrix when it differs from the union of the sites' training
   * matrices (centralStatistics 'pooled' with per-site normalization); absent otherwise.
   */
  centralTrain?: LabeledData;
  /**
   * What a site needs to prepare its own rows exactly as here (a distributed run sends it with
   * the fitted preprocessing): the feature sources, the target column and the options.
   */
  inputs?: { sources: FeatureSource[]; target: string; options: PrepareOptions };
  /**
   * Each site's sufficient statistics of its training rows (canonical units): what the sites
   * shared to fit the federated preprocessing, kept for the data summary of the report.
   */
  trainingStats?: SiteStats[];
}

/** Federated sufficient statistics (preprocess.ts computes and pools them). */
export interface NumericSufficientStats {
  /** Non-missing training values. */
  count: number;
  sum: number;
  sumSquares: number;
  missing: number;
}

export interface CategoryCounts {
  /** Levels in dictionary order; counts[k] training rows have level levels[k]. */
  levels: string[];
  counts: number[];
  missing: number;
}

/** A site's training-row sufficient statistics (nothing here identifies a row). */
export interface SiteStats {
  siteId: string;
  /** Training rows. */
  rows: number;
  /** Numeric and binary features. */
  numeric: Record<string, NumericSufficientStats>;
  categorical: Record<string, CategoryCounts>;
}

/** The sum of every site's statistics. */
export interface PooledStats {
  sites: string[];
  rows: number;
  numeric: Record<string, NumericSufficientStats>;
  categorical: Record<string, CategoryCounts>;
}
