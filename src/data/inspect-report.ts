/** The shape of `fedage inspect`'s report (inspect.ts fills it; cli/inspect.ts prints it). */
import type { Manifest } from './manifest.js';

export type ColumnStatKind = 'numeric' | 'binary' | 'categorical' | 'other';

export interface NumericSummary {
  type: 'numeric' | 'binary';
  /** Unit at this site (from the manifest), when it has one. */
  unit: string | null;
  /** Non-missing values. */
  n: number;
  missing: number;
  mean: number | null;
  sd: number | null;
}

export interface CategoricalSummary {
  type: 'categorical';
  n: number;
  missing: number;
  /** Share of each category among non-missing values, in dictionary order. */
  proportions: Record<string, number>;
}

export type ColumnSummaryStats = NumericSummary | CategoricalSummary;

export interface SiteInspection {
  id: string;
  name: string;
  country: string;
  file: string;
  /** Rows read from the patients file (equals the manifest's count, or inspect fails). */
  n: number;
  /** Rows with a non-null target. */
  targetEligible: number;
  targetPositive: number;
  targetPrevalence: number | null;
  age: { n: number; mean: number | null; sd: number | null } | null;
  /** APOE e4 carrier rate among patients with a known genotype. */
  apoeE4: { n: number; carrierRate: number | null } | null;
  /** Fraction missing (null, or NaN) for every column of the patients table, in file order. */
  missingness: Record<string, number>;
  /** The manifest's feature columns, in manifest order. */
  features: Record<string, ColumnSummaryStats>;
  /** This site's largest |SMD| against the pooled data, over all features. */
  maxAbsSmd: { feature: string; smd: number; flagged: boolean } | null;
  /** Features with |SMD| above the threshold at this site. */
  flaggedFeatures: string[];
}

export interface CategoryShift {
  pooledProportion: number;
  /** Site proportion minus pooled proportion, per site id. */
  proportionDifference: Record<string, number | null>;
  /** SMD of the category's 0/1 indicator, per site id. */
  smd: Record<string, number | null>;
}

export interface FeatureShift {
  feature: string;
  type: 'numeric' | 'binary' | 'categorical';
  /** Units by site id; when they differ, the SMD mixes units (a coding shift, not biology). */
  units: Record<string, string | null>;
  unitsDiffer: boolean;
  pooled: { n: number; mean: number | null; sd: number | null } | null;
  /**
   * SMD of each site against the pooled data, by site id. For a categorical feature, the
   * indicator SMD of largest magnitude over its categories (see `categories`).
   */
  smd: Record<string, number | null>;
  /** Categorical only: which category gave `smd`, per site. */
  smdCategory?: Record<string, string | null>;
  categories?: Record<string, CategoryShift>;
}

export interface GroundTruthSite {
  id: string;
  /** Mean of `true_risk` among target-eligible patients: the oracle's expected prevalence. */
  oraclePrevalence: number | null;
  /** Mean of `true_event` among target-eligible patients (before coding, censoring, noise). */
  trueEventRateAmongEligible: number | null;
  /** Every ground-truth column over all rows. */
  columns: Record<string, ColumnSummaryStats>;
}

export interface InspectReport {
  dir: string;
  scenario: { name: string; file: string; sha256: string };
  source: Manifest['source'];
  seed: number | null;
  scale: number;
  target: string;
  patients: number;
  smdThreshold: number;
  sites: SiteInspection[];
  shift: FeatureShift[];
  /**
   * GROUND TRUTH: synthetic-only columns (true diagnosis, latent liability, true risk). A real
   * site never has them; they are listed apart so nobody mistakes them for observables.
   */
  groundTruth: { note: string; columns: string[]; sites: GroundTruthSite[] };
}

export interface InspectOptions {
  /** |SMD| above which a feature is flagged (default 0.1). */
  smdThreshold?: number;
}
