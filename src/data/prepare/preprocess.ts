/**
 * Preprocessing the way a federation would do it: each site computes sufficient statistics of
 * its *training* rows (counts, sums, sums of squares, category counts, missing counts);
 * `aggregateStats` sums them — the only thing that crosses a site boundary — and
 * `fitPreprocessing` turns the sums into centers, scales, imputation values and the design
 * columns; `transform` applies them to a site's rows.
 *
 * Choices (documented in FittedPreprocessing and the report):
 *  - numeric: center = pooled mean, scale = pooled sample SD (1 when the SD is 0 or undefined),
 *    missing values imputed with the pooled mean, so they become exactly 0 after
 *    standardization; with `missingIndicators`, a `<col>__missing` column follows the feature
 *    when any pooled training value is missing.
 *  - binary: kept as 0/1 (center 0, scale 1 in every normalization); a missing value is imputed
 *    with the pooled training rate (a mean imputation, so the imputed value is fractional), and
 *    with `missingIndicators` the same `<col>__missing` column as a numeric feature.
 *  - categorical: one-hot over the levels seen in pooled training data, in dictionary order; a
 *    null is all zeros plus a `<col>__missing` column (added whenever any training value was
 *    null, independent of `missingIndicators`: a null category is information, e.g. "no code
 *    recorded"); a level never seen in training is all zeros.
 *  - per-site: each site centers, scales and imputes numeric features with its own training
 *    statistics (FLamby's protocol); the design columns (levels, indicators) are still the pooled
 *    ones, because every site must feed the same model. A site with no observed training value
 *    of a column falls back to the pooled value.
 *  - none: raw values (after unit harmonization); imputation with the pooled mean still applies.
 *  - a categorical feature with a reference level (imported data: `reference:` in the mapping)
 *    has no column for that level (dummy coding, the reference is the all-zeros row).
 *  - scaleBinary: binary and one-hot columns are centered and scaled too, by the same
 *    statistics as a numeric column (a one-hot column's from its level counts: mean p = c/n,
 *    sample SD √(n·p(1−p)/(n−1))); FLamby's Fed-Heart-Disease standardizes every input so.
 *  - a feature with no observed value in the pooled training rows (e.g. MoCA when every site
 *    screens with the MMSE) has no design column at all: it would be a constant. It is listed
 *    in `droppedFeatures`.
 *
 * Size: about 400 lines: the federated sufficient statistics and the transform they define
 * (centering, scaling, imputation, indicators) are one contract; split, each half would need the
 * other's invariants.
 */
import {
  SPLIT_TEST,
  SPLIT_TRAIN,
  SPLIT_VALIDATION,
  type FeatureDescriptor,
  type FittedPreprocessing,
  type Normalization,
  type PreparedSplit,
  type CategoryCounts,
  type NumericSufficientStats,
  type PooledStats,
  type SiteStats,
} from './types.js';

export type SourceFeatureType = 'numeric' | 'binary' | 'categorical';

/** A feature column of the manifest, as the pipeline sees it. */
export interface FeatureSource {
  name: string;
  featureType: SourceFeatureType;
  /** Unit of the values after unit planning (numeric only). */
  unit?: string;
  /** Categorical only: the level without a one-hot column. */
  referenceLevel?: string;
}

export interface NumericSiteColumn {
  name: string;
  featureType: 'numeric' | 'binary';
  /** Values in canonical units (where harmonized). */
  values: Float64Array;
  /** 1 = observed, 0 = missing; null when nothing is missing. */
  valid: Uint8Array | null;
}

export interface CategoricalSiteColumn {
  name: string;
  featureType: 'categorical';
  /** Index into `levels`, −1 for missing. */
  codes: Int32Array;
  levels: string[];
}

export type SiteColumn = NumericSiteColumn | CategoricalSiteColumn;

/** One site's feature columns, labels and split: everything `transform` needs, all row-aligned. */
export interface SiteFeatures {
  id: string;
  n: number;
  /** Feature columns in the manifest's feature order. */
  columns: SiteColumn[];
  /** SPLIT_* code of every row. */
  splitOfRow: Int8Array;
  /** Label of every row (0/1; NaN where the target is null). */
  y: Float64Array;
  trueRisk: Float64Array | null;
  /** P(recorded label = 1 | latent state) of every row (synthetic data only): the label oracle. */
  labelRisk?: Float64Array | null;
  patientIds: string[];
}

export type { CategoryCounts, NumericSufficientStats, PooledStats, SiteStats } from './types.js';

export interface FitOptions {
  normalization: Normalization;
  missingIndicators: boolean;
  /** Recorded in the result (site id → column → conversion). */
  unitConversions?: FittedPreprocessing['unitConversions'];
  /** Center and scale binary and one-hot columns too (default false). */
  scaleBinary?: boolean;
}

/** Sufficient statistics of the site's training rows (splitOfRow = SPLIT_TRAIN). */
export function siteStats(site: SiteFeatures): SiteStats {
  const split = site.splitOfRow;
  const n = site.n;
  let rows = 0;
  for (let i = 0; i < n; i++) if (split[i] === SPLIT_TRAIN) rows++;
  const numeric: Record<string, NumericSufficientStats> = {};
  const categorical: Record<string, CategoryCounts> = {};
  for (const col of site.columns) {
    if (col.featureType === 'categorical') {
      const counts = new Array<number>(col.levels.length).fill(0);
      let missing = 0;
      const codes = col.codes;
      for (let i = 0; i < n; i++) {
        if (split[i] !== SPLIT_TRAIN) continue;
        const c = codes[i];
        if (c < 0) missing++;
        else counts[c]++;
      }
      categorical[col.name] = { levels: [...col.levels], counts, missing };
    } else {
      const { values, valid } = col;
      let count = 0;
      let sum = 0;
      let sumSquares = 0;
      for (let i = 0; i < n; i++) {
        if (split[i] !== SPLIT_TRAIN || (valid !== null && valid[i] === 0)) continue;
        const v = values[i];
        count++;
        sum += v;
        sumSquares += v * v;
      }
      numeric[col.name] = { count, sum, sumSquares, missing: rows - count };
    }
  }
  return { siteId: site.id, rows, numeric, categorical };
}

/** A numeric or binary column's observed values over the site's training rows (what siteStats sums). */
export function trainingValues(site: SiteFeatures): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const col of site.columns) {
    if (col.featureType === 'categorical') continue;
    const kept: number[] = [];
    for (let i = 0; i < site.n; i++) {
      if (site.splitOfRow[i] !== SPLIT_TRAIN || (col.valid !== null && col.valid[i] === 0)) continue;
      kept.push(col.values[i]);
    }
    out[col.name] = Float64Array.from(kept);
  }
  return out;
}

/** Sums sites' statistics; category levels are merged in first-seen (dictionary) order. */
export function aggregateStats(stats: readonly SiteStats[]): PooledStats {
  const numeric: Record<string, NumericSufficientStats> = {};
  const categorical: Record<string, CategoryCounts> = {};
  let rows = 0;
  for (const s of stats) {
    rows += s.rows;
    for (const [name, st] of Object.entries(s.numeric)) {
      const acc = (numeric[name] ??= { count: 0, sum: 0, sumSquares: 0, missing: 0 });
      acc.count += st.count;
      acc.sum += st.sum;
      acc.sumSquares += st.sumSquares;
      acc.missing += st.missing;
    }
    for (const [name, st] of Object.entries(s.categorical)) {
      const acc = (categorical[name] ??= { levels: [], counts: [], missing: 0 });
      acc.missing += st.missing;
      st.levels.forEach((level, k) => {
        let at = acc.levels.indexOf(level);
        if (at < 0) {
          at = acc.levels.length;
          acc.levels.push(level);
          acc.counts.push(0);
        }
        acc.counts[at] += st.counts[k];
      });
    }
  }
  return { sites: stats.map((s) => s.siteId), rows, numeric, categorical };
}

/** Mean of sufficient statistics (NaN when nothing was observed). */
export function statsMean(s: NumericSufficientStats): number {
  return s.count > 0 ? s.sum / s.count : Number.NaN;
}

/** Sample SD (n − 1) of sufficient statistics (NaN for fewer than two values). */
export function statsSd(s: NumericSufficientStats): number {
  if (s.count < 2) return Number.NaN;
  const mean = s.sum / s.count;
  const m2 = Math.max(0, s.sumSquares - s.count * mean * mean);
  return Math.sqrt(m2 / (s.count - 1));
}

const usableScale = (sd: number): number => (Number.isFinite(sd) && sd > 0 ? sd : 1);
const usableCenter = (mean: number): number => (Number.isFinite(mean) ? mean : 0);

export const MISSING_SUFFIX = '__missing';

/**
 * Design columns, centers, scales and imputation values from sites' training statistics.
 * `sources` gives the manifest's feature order and types.
 */
export function fitPreprocessing(stats: readonly SiteStats[], sources: readonly FeatureSource[], opts: FitOptions): FittedPreprocessing {
  const pooled = aggregateStats(stats);
  const features: FeatureDescriptor[] = [];
  const imputation: Record<string, number> = {};
  const droppedFeatures: string[] = [];
  for (const src of sources) {
    if (src.featureType === 'categorical') {
      const counts = pooled.categorical[src.name] ?? { levels: [], counts: [], missing: 0 };
      if (!counts.counts.some((c) => c > 0)) {
        droppedFeatures.push(src.name);
        continue;
      }
      counts.levels.forEach((level, k) => {
        if (counts.counts[k] > 0 && level !== src.referenceLevel) features.push({ name: `${src.name}=${level}`, source: src.name, kind: 'one-hot', level });
      });
      if (counts.missing > 0) features.push({ name: `${src.name}${MISSING_SUFFIX}`, source: src.name, kind: 'missing-indicator' });
      continue;
    }
    const st = pooled.numeric[src.name] ?? { count: 0, sum: 0, sumSquares: 0, missing: 0 };
    if (st.count === 0) {
      droppedFeatures.push(src.name);
      continue;
    }
    imputation[src.name] = usableCenter(statsMean(st));
    features.push({
      name: src.name,
      source: src.name,
      kind: src.featureType,
      ...(src.featureType === 'numeric' && src.unit !== undefined ? { unit: src.unit } : {}),
    });
    if (opts.missingIndicators && st.missing > 0) {
      features.push({ name: `${src.name}${MISSING_SUFFIX}`, source: src.name, kind: 'missing-indicator' });
    }
  }

  const d = features.length;
  const scaleBinary = opts.scaleBinary ?? false;
  /** A one-hot column's count statistics (a 0/1 column: sum = sum of squares = level count). */
  const oneHotStats = (s: { rows: number; categorical: Record<string, CategoryCounts> }, f: FeatureDescriptor): NumericSufficientStats | undefined => {
    const c = s.categorical[f.source];
    if (!c) return undefined;
    const k = c.levels.indexOf(f.level as string);
    const count = k < 0 ? 0 : c.counts[k];
    return { count: s.rows, sum: count, sumSquares: count, missing: 0 };
  };
  const centerScaleFrom = (
    numeric: Record<string, NumericSufficientStats> | null,
    siteCounts: { rows: number; categorical: Record<string, CategoryCounts> } | null = null,
  ): [Float64Array, Float64Array] => {
    const center = new Float64Array(d);
    const scale = new Float64Array(d).fill(1);
    features.forEach((f, j) => {
      if (numeric === null) return;
      if (f.kind === 'one-hot' && scaleBinary) {
        const mine = oneHotStats(siteCounts ?? pooled, f);
        const pool = oneHotStats(pooled, f);
        const st = mine && mine.count >= 2 ? mine : pool;
        center[j] = st ? usableCenter(statsMean(st)) : 0;
        scale[j] = usableScale(st ? statsSd(st) : Number.NaN);
        return;
      }
      if (f.kind !== 'numeric' && !(f.kind === 'binary' && scaleBinary)) return;
      const own = numeric[f.source];
      const pool = pooled.numeric[f.source];
      const ownMean = own ? statsMean(own) : Number.NaN;
      center[j] = Number.isFinite(ownMean) ? ownMean : usableCenter(pool ? statsMean(pool) : Number.NaN);
      const ownSd = own ? statsSd(own) : Number.NaN;
      scale[j] = usableScale(own && own.count >= 2 ? ownSd : pool ? statsSd(pool) : Number.NaN);
    });
    return [center, scale];
  };

  const fitted: FittedPreprocessing = {
    normalization: opts.normalization,
    features,
    center: new Float64Array(d),
    scale: new Float64Array(d).fill(1),
    imputation,
    unitConversions: opts.unitConversions ?? {},
    droppedFeatures,
  };
  if (opts.normalization === 'federated') {
    [fitted.center, fitted.scale] = centerScaleFrom(pooled.numeric);
  } else if (opts.normalization === 'per-site') {
    const center: Record<string, Float64Array> = {};
    const scale: Record<string, Float64Array> = {};
    const imputationBySite: Record<string, Record<string, number>> = {};
    for (const s of stats) {
      [center[s.siteId], scale[s.siteId]] = centerScaleFrom(s.numeric, s);
      const own: Record<string, number> = {};
      for (const name of Object.keys(imputation)) {
        const m = s.numeric[name] ? statsMean(s.numeric[name]) : Number.NaN;
        own[name] = Number.isFinite(m) ? m : imputation[name];
      }
      imputationBySite[s.siteId] = own;
    }
    fitted.center = center;
    fitted.scale = scale;
    fitted.imputationBySite = imputationBySite;
  }
  return fitted;
}

function rowsOfSplit(splitOfRow: Int8Array, code: number): Int32Array {
  let n = 0;
  for (let i = 0; i < splitOfRow.length; i++) if (splitOfRow[i] === code) n++;
  const rows = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < splitOfRow.length; i++) if (splitOfRow[i] === code) rows[k++] = i;
  return rows;
}

function centerScaleFor(fitted: FittedPreprocessing, siteId: string): { center: Float64Array; scale: Float64Array } {
  if (fitted.center instanceof Float64Array && fitted.scale instanceof Float64Array) return { center: fitted.center, scale: fitted.scale };
  const center = (fitted.center as Record<string, Float64Array>)[siteId];
  const scale = (fitted.scale as Record<string, Float64Array>)[siteId];
  if (!center || !scale) throw new Error(`internal: no per-site statistics for site ${siteId}`);
  return { center, scale };
}

/** The design matrix of `rows` of a site (row-major, fitted.features order). */
export function designMatrix(site: SiteFeatures, rows: Int32Array, fitted: FittedPreprocessing): Float64Array {
  const features = fitted.features;
  const d = features.length;
  const m = rows.length;
  const x = new Float64Array(m * d);
  const { center, scale } = centerScaleFor(fitted, site.id);
  const imputation = fitted.imputationBySite?.[site.id] ?? fitted.imputation;
  const byName = new Map(site.columns.map((c) => [c.name, c]));
  for (let j = 0; j < d; j++) {
    const f = features[j];
    const col = byName.get(f.source);
    if (!col) throw new Error(`internal: site ${site.id} has no column ${f.source}`);
    if (f.kind === 'one-hot') {
      const c = col as CategoricalSiteColumn;
      const level = c.levels.indexOf(f.level ?? f.name.slice(f.source.length + 1));
      // Center 0 and scale 1 unless scaleBinary: then (indicator − mean) / sd.
      const mu = center[j];
      const inv = 1 / scale[j];
      const off = (0 - mu) * inv;
      const on = (1 - mu) * inv;
      const codes = c.codes;
      // A level this site never records: every row has indicator 0.
      for (let r = 0; r < m; r++) x[r * d + j] = level >= 0 && codes[rows[r]] === level ? on : off;
    } else if (f.kind === 'missing-indicator') {
      if (col.featureType === 'categorical') {
        const codes = col.codes;
        for (let r = 0; r < m; r++) if (codes[rows[r]] < 0) x[r * d + j] = 1;
      } else if (col.valid) {
        const valid = col.valid;
        for (let r = 0; r < m; r++) if (valid[rows[r]] === 0) x[r * d + j] = 1;
      }
    } else {
      const c = col as NumericSiteColumn;
      const values = c.values;
      const valid = c.valid;
      const imp = imputation[f.source] ?? 0;
      const mu = center[j];
      const inv = 1 / scale[j];
      if (valid === null) {
        for (let r = 0; r < m; r++) x[r * d + j] = (values[rows[r]] - mu) * inv;
      } else {
        for (let r = 0; r < m; r++) {
          const i = rows[r];
          x[r * d + j] = ((valid[i] === 0 ? imp : values[i]) - mu) * inv;
        }
      }
    }
  }
  return x;
}

function preparedSplit(site: SiteFeatures, code: number, fitted: FittedPreprocessing): PreparedSplit {
  const rows = rowsOfSplit(site.splitOfRow, code);
  const m = rows.length;
  const y = new Float64Array(m);
  const patientIds = new Array<string>(m);
  const trueRisk = site.trueRisk ? new Float64Array(m) : null;
  const labelRisk = site.labelRisk ? new Float64Array(m) : null;
  for (let r = 0; r < m; r++) {
    const i = rows[r];
    y[r] = site.y[i];
    patientIds[r] = site.patientIds[i];
    if (trueRisk) trueRisk[r] = site.trueRisk![i];
    if (labelRisk) labelRisk[r] = site.labelRisk![i];
  }
  const x = designMatrix(site, rows, fitted);
  return { data: { n: m, d: fitted.features.length, x, y }, patientIds, trueRisk, labelRisk };
}

/** The site's train / validation / test design matrices under the fitted preprocessing. */
export function transform(
  site: SiteFeatures,
  fitted: FittedPreprocessing,
): { train: PreparedSplit; validation: PreparedSplit; test: PreparedSplit } {
  return {
    train: preparedSplit(site, SPLIT_TRAIN, fitted),
    validation: preparedSplit(site, SPLIT_VALIDATION, fitted),
    test: preparedSplit(site, SPLIT_TEST, fitted),
  };
}
