/**
 * Differentially private preprocessing statistics: the per-site counts, sums and sums of squares
 * that the federated preprocessing (data/prepare/preprocess.ts) pools into means, SDs, imputation
 * values and one-hot levels, released through the Gaussian mechanism instead of exactly.
 *
 * The released vector of one site (its training rows):
 *   rows;
 *   per numeric or binary column j with clipping bounds [lo_j, hi_j] (midpoint m_j, half-width h_j):
 *     count_j, Σ (clip(v) − m_j), Σ (clip(v) − m_j)²   over the non-missing values;
 *   per categorical column: the count of every dictionary level, and of missing values.
 * Neighbouring data sets differ by adding or removing one record (as DP-SGD with Poisson
 * sampling, Opacus). One record changes rows by 1, each numeric column's three entries by at most
 * (1, h_j, h_j²) (or nothing when its value is missing), and one count per categorical column by
 * 1. Dividing each entry by its bound (1, h_j, h_j²) the record moves the normalized vector by at
 * most Δ = √(1 + 3·N_numeric + N_categorical) in L2. Adding N(0, (σΔ·bound)²) to every entry is
 * the Gaussian mechanism with L2 sensitivity Δ and noise σΔ on the normalized vector:
 *   RDP of order α: α / (2σ²)                      (Mironov 2017, Prop. 7),
 *   (ε, δ)-DP for ε < 1 when σ ≥ √(2 ln(1.25/δ)) / ε (Dwork & Roth 2014, Thm A.1).
 * Its RDP curve is that of the Poisson-subsampled Gaussian at q = 1 for one step, so the bench
 * composes it into each site's accountant as the history entry { σ, q: 1, steps: 1 } ahead of
 * training (RDP composition, Mironov 2017 Prop. 1) and `fedage privacy epsilon
 * --preprocessing-noise-multiplier σ` reproduces the composed ε.
 *
 * Everything derived from the noisy vector — missing = rows − count, means, SDs, which one-hot
 * levels exist — is post-processing and costs nothing more. Values outside the bounds are clipped
 * (the statistics are then of the clipped values); the bounds must not depend on the data.
 * Not covered: the level names of a categorical column (the schema's dictionary for synthetic
 * data, the values seen for imported data) and which columns exist.
 */
import type { GaussianNoise } from './noise-types.js';

/** Clipping bounds per numeric or binary column, in the canonical unit the statistics use. */
export type StatisticBounds = Readonly<Record<string, readonly [number, number]>>;

/**
 * Data-independent bounds for the columns fedage generates (canonical units after harmonization:
 * mg/dL, %, kg). Wide physiological or instrument ranges, so clipping rarely bites; binary
 * columns are [0, 1] without being listed.
 */
export const DEFAULT_STATISTIC_BOUNDS: StatisticBounds = Object.freeze({
  age_years: [40, 110],
  education_years: [0, 30],
  mmse: [0, 30],
  moca: [0, 30],
  cdr_sb: [0, 18],
  icv_cm3: [900, 2200],
  hippocampus_cm3: [3, 11],
  hippocampus_icv_adj_cm3: [3, 11],
  entorhinal_thickness_mm: [1.5, 5],
  ventricles_cm3: [5, 200],
  wmh_cm3: [0, 100],
  height_cm: [130, 210],
  weight: [30, 200],
  bmi: [12, 60],
  gait_speed_m_s: [0, 2.5],
  grip_strength_kg: [0, 80],
  fried_count: [0, 5],
  steps_per_day: [0, 30000],
  sleep_hours: [0, 16],
  glucose: [40, 400],
  hba1c: [3, 15],
  cholesterol_total: [80, 400],
  creatinine: [0.2, 10],
} as const);

/** One numeric column's sufficient statistics (as data/prepare/types.ts NumericSufficientStats). */
export interface NumericStatistic {
  count: number;
  sum: number;
  sumSquares: number;
  missing: number;
}

/** One categorical column's level counts (dictionary order) and missing count. */
export interface CategoricalStatistic {
  levels: string[];
  counts: number[];
  missing: number;
}

/** A site's statistics as the preprocessing uses them. */
export interface SiteStatistics {
  siteId: string;
  rows: number;
  numeric: Record<string, NumericStatistic>;
  categorical: Record<string, CategoricalStatistic>;
}

/** The values a site computes before noise: centred, clipped sums (see the module comment). */
export interface ClippedValues {
  /** Per numeric column: the raw observed values of the training rows (NaN never; missing left out). */
  numeric: Record<string, ArrayLike<number>>;
}

/** Normalized L2 sensitivity Δ = √(1 + 3·numeric + categorical) of the released vector. */
export function statisticsSensitivity(numericColumns: number, categoricalColumns: number): number {
  if (!Number.isInteger(numericColumns) || numericColumns < 0 || !Number.isInteger(categoricalColumns) || categoricalColumns < 0) {
    throw new RangeError(`column counts: expected integers >= 0, found ${numericColumns} and ${categoricalColumns}`);
  }
  return Math.sqrt(1 + 3 * numericColumns + categoricalColumns);
}

/** RDP of the Gaussian mechanism with noise multiplier σ (noise sd over L2 sensitivity) at order α: α/(2σ²) (Mironov 2017, Prop. 7). */
export function gaussianRdp(alpha: number, noiseMultiplier: number): number {
  return alpha / (2 * noiseMultiplier * noiseMultiplier);
}

/**
 * The classical calibration (Dwork & Roth 2014, Thm A.1): for ε ∈ (0, 1), σ = √(2 ln(1.25/δ))/ε
 * gives (ε, δ)-DP. For comparison only: the bench accounts with RDP, which is tighter.
 */
export function dworkRothNoiseMultiplier(epsilon: number, delta: number): number {
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon: Thm A.1 holds for ε in (0, 1), found ${epsilon}`);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta: expected a number in (0, 1), found ${delta}`);
  return Math.sqrt(2 * Math.log(1.25 / delta)) / epsilon;
}

/** A value clipped to [lo, hi], then centred on the midpoint. */
function centredClip(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v)) - (lo + hi) / 2;
}

export interface ReleaseOptions {
  /** σ: noise sd over the normalized sensitivity Δ. */
  noiseMultiplier: number;
  bounds: StatisticBounds;
  /** Binary columns (bounds [0, 1] unless listed). */
  binaryColumns: ReadonlySet<string>;
  noise: GaussianNoise;
}

/**
 * Exact centred-clipped statistics of one site (before noise): the values the site would put
 * into the mechanism, for a column with bounds [lo, hi]. Exposed for tests.
 */
export function centredSums(values: ArrayLike<number>, lo: number, hi: number): { count: number; sum: number; sumSquares: number } {
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const c = centredClip(values[i], lo, hi);
    sum += c;
    sumSquares += c * c;
  }
  return { count: values.length, sum, sumSquares };
}

/** The bounds of a column: listed, [0, 1] for a binary column, else an error naming it. */
export function boundsOf(column: string, bounds: StatisticBounds, binary: boolean): readonly [number, number] {
  const b = bounds[column] ?? (binary ? ([0, 1] as const) : undefined);
  if (!b) throw new MissingBoundsError([column]);
  return b;
}

/** Numeric columns without data-independent bounds (the DP release cannot clip them). */
export class MissingBoundsError extends Error {
  constructor(readonly columns: string[]) {
    super(`no clipping bounds for ${columns.join(', ')}`);
  }
}

/**
 * The noisy release of one site's statistics, as the SiteStatistics shape the preprocessing
 * reads. `values` gives each numeric column's observed training values (the exact statistics
 * are recomputed from them, centred and clipped); categorical counts are taken from `exact`.
 * Post-processing keeps the shape usable: counts are rounded and floored at 0, sums of squares
 * floored at 0, and `missing` is rows − count (≥ 0).
 */
export function releaseSiteStatistics(exact: SiteStatistics, values: ClippedValues, opts: ReleaseOptions): SiteStatistics {
  const sigma = opts.noiseMultiplier;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`noiseMultiplier: expected a finite σ > 0, found ${sigma}`);
  const numericNames = Object.keys(exact.numeric);
  const categoricalNames = Object.keys(exact.categorical);
  const missingBounds = numericNames.filter((c) => !opts.bounds[c] && !opts.binaryColumns.has(c));
  if (missingBounds.length > 0) throw new MissingBoundsError(missingBounds);
  const sd = sigma * statisticsSensitivity(numericNames.length, categoricalNames.length);
  const draw = (n: number): Float64Array => {
    const out = new Float64Array(n);
    opts.noise.fillGaussian(out, sd);
    return out;
  };
  // Rounding counts is post-processing too; it keeps a level or a missing count that is 0 at 0
  // about half of the time, so the design matrix does not gain a constant column for each.
  const count0 = (x: number) => Math.max(0, Math.round(x));
  const rows = count0(exact.rows + draw(1)[0]);
  const numeric: Record<string, NumericStatistic> = {};
  for (const name of numericNames) {
    const [lo, hi] = boundsOf(name, opts.bounds, opts.binaryColumns.has(name));
    const m = (lo + hi) / 2;
    const h = (hi - lo) / 2;
    const s = centredSums(values.numeric[name] ?? [], lo, hi);
    const z = draw(3);
    const count = count0(s.count + z[0]);
    const centredSum = s.sum + h * z[1];
    const centredSquares = Math.max(0, s.sumSquares + h * h * z[2]);
    // Back to raw sums: Σv = Σc + m·n, Σv² = Σc² + 2m·Σc + m²·n (post-processing).
    numeric[name] = {
      count,
      sum: centredSum + m * count,
      sumSquares: Math.max(0, centredSquares + 2 * m * centredSum + m * m * count),
      missing: Math.max(0, rows - count),
    };
  }
  const categorical: Record<string, CategoricalStatistic> = {};
  for (const name of categoricalNames) {
    const c = exact.categorical[name];
    const z = draw(c.counts.length + 1);
    categorical[name] = { levels: [...c.levels], counts: c.counts.map((k, i) => count0(k + z[i])), missing: count0(c.missing + z[c.counts.length]) };
  }
  return { siteId: exact.siteId, rows, numeric, categorical };
}
