/**
 * `inspectDataset`: what is in a fedage data directory, site by site, and how far the sites
 * drift apart. Each site's patients file is streamed batch by batch into per-column sufficient
 * statistics (memory stays at one batch, so a 5M-row site is fine); the pooled statistics are
 * combined exactly from the per-site ones, so no rows are ever pooled — the same aggregate a
 * federation could share.
 *
 * The pure math (moments, their exact combination, standardized mean differences) is in
 * metrics/moments.ts, shared with the bench's federated normalization.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DataType, type Data, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
import { InputError } from '../errors.js';
import { FEATURE_TYPE_METADATA_KEY, ROLE_METADATA_KEY, readArrowBatches } from './arrow-io.js';
import { MANIFEST_FILE, readManifest, type ManifestSite } from './manifest.js';
import { type ColumnStatKind, type ColumnSummaryStats, type SiteInspection, type CategoryShift, type FeatureShift, type GroundTruthSite, type InspectReport, type InspectOptions } from './inspect-report.js';
import { EMPTY_MOMENTS, combineMoments, indicatorMoments, poolMoments, sampleSd, standardizedMeanDifference, SMD_THRESHOLD, type Moments } from '../metrics/moments.js';

export {
  EMPTY_MOMENTS,
  SMD_THRESHOLD,
  combineMoments,
  indicatorMoments,
  momentsOf,
  poolMoments,
  sampleSd,
  sampleVariance,
  standardizedMeanDifference,
  type Moments,
} from '../metrics/moments.js';

export {
  type ColumnStatKind,
  type NumericSummary,
  type CategoricalSummary,
  type ColumnSummaryStats,
  type SiteInspection,
  type CategoryShift,
  type FeatureShift,
  type GroundTruthSite,
  type InspectReport,
  type InspectOptions,
} from './inspect-report.js';

// ---------------------------------------------------------------------------------------------
// Streaming accumulation

interface ColumnInfo {
  index: number;
  name: string;
  role: string;
  kind: ColumnStatKind;
}

/** Per-column statistics of one site, filled batch by batch. */
class ColumnAccumulator {
  missing = 0;
  moments: Moments = { ...EMPTY_MOMENTS };
  /** Same, restricted to target-eligible rows (ground-truth and target columns only). */
  eligibleMoments: Moments = { ...EMPTY_MOMENTS };
  readonly categoryCounts = new Map<string, number>();
  constructor(readonly info: ColumnInfo) {}
}

const AGE_COLUMN = 'age_years';
const APOE_COLUMN = 'apoe_e4_carrier';
const TRUE_RISK_COLUMN = 'true_risk';
const TRUE_EVENT_COLUMN = 'true_event';

function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const j = data.offset + i;
  return (bitmap[j >> 3] & (1 << (j & 7))) !== 0;
}

function statKind(type: DataType, featureType: string | undefined): ColumnStatKind {
  if (DataType.isDictionary(type)) return 'categorical';
  if (DataType.isInt(type) && type.bitWidth === 64) return 'other';
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type)) return featureType === 'binary' ? 'binary' : 'numeric';
  return 'other';
}

/**
 * Values of one numeric chunk as doubles, with `valid` (null or NaN -> 0). Returned arrays are
 * scratch buffers reused across calls.
 */
class Scratch {
  values = new Float64Array(0);
  valid = new Uint8Array(0);
  ensure(n: number): void {
    if (this.values.length < n) {
      this.values = new Float64Array(n);
      this.valid = new Uint8Array(n);
    }
  }
}

function readNumericChunk(data: Data, scratch: Scratch): number {
  const n = data.length;
  scratch.ensure(n);
  const { values, valid } = scratch;
  const isBool = DataType.isBool(data.type);
  const src = data.values as ArrayLike<number>;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    let x: number;
    if (isBool) {
      const j = data.offset + i;
      x = (src[j >> 3] >> (j & 7)) & 1;
    } else {
      x = src[i];
    }
    const ok = isValidAt(data, i) && !Number.isNaN(x);
    values[i] = ok ? x : 0;
    valid[i] = ok ? 1 : 0;
    if (!ok) missing++;
  }
  return missing;
}

/** Moments of the valid entries of `values[0..n)`, optionally only where `mask` is set. */
function maskedMoments(values: Float64Array, valid: Uint8Array, n: number, mask?: Uint8Array, maskStart = 0): Moments {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i] && (!mask || mask[maskStart + i])) {
      count++;
      sum += values[i];
    }
  }
  if (count === 0) return { ...EMPTY_MOMENTS };
  const mean = sum / count;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i] && (!mask || mask[maskStart + i])) {
      const d = values[i] - mean;
      m2 += d * d;
    }
  }
  return { n: count, mean, m2 };
}

function chunksOf(vector: Vector): Data[] {
  return vector.data as Data[];
}

/** Marks rows with a non-null target (`mask[row] = 1`); no target column: no row is eligible. */
function eligibleMask(vector: Vector | null, rows: number, mask: Uint8Array): void {
  mask.fill(0, 0, rows);
  if (!vector) return;
  let start = 0;
  for (const data of chunksOf(vector)) {
    for (let i = 0; i < data.length; i++) if (isValidAt(data, i)) mask[start + i] = 1;
    start += data.length;
  }
}

class SiteAccumulator {
  rows = 0;
  readonly columns: ColumnAccumulator[];
  private readonly scratch = new Scratch();
  private mask = new Uint8Array(0);
  private readonly targetIndex: number;

  constructor(readonly infos: ColumnInfo[]) {
    this.columns = infos.map((info) => new ColumnAccumulator(info));
    this.targetIndex = infos.findIndex((c) => c.role === 'target');
  }

  add(batch: RecordBatch): void {
    const rows = batch.numRows;
    if (this.mask.length < rows) this.mask = new Uint8Array(rows);
    const targetVector = this.targetIndex >= 0 ? batch.getChildAt(this.targetIndex) : null;
    eligibleMask(targetVector, rows, this.mask);
    for (const acc of this.columns) {
      const vector = batch.getChildAt(acc.info.index);
      if (!vector) throw new Error(`internal: column ${acc.info.name} missing from a batch`);
      const wantEligible = acc.info.role === 'ground_truth' || acc.info.role === 'target';
      let start = 0;
      for (const data of chunksOf(vector)) {
        const n = data.length;
        if (acc.info.kind === 'numeric' || acc.info.kind === 'binary') {
          acc.missing += readNumericChunk(data, this.scratch);
          acc.moments = combineMoments(acc.moments, maskedMoments(this.scratch.values, this.scratch.valid, n));
          if (wantEligible) {
            acc.eligibleMoments = combineMoments(acc.eligibleMoments, maskedMoments(this.scratch.values, this.scratch.valid, n, this.mask, start));
          }
        } else if (acc.info.kind === 'categorical') {
          this.addCategorical(acc, data);
        } else {
          for (let i = 0; i < n; i++) if (!isValidAt(data, i)) acc.missing++;
        }
        start += n;
      }
    }
    this.rows += rows;
  }

  private addCategorical(acc: ColumnAccumulator, data: Data): void {
    const dictionary = data.dictionary as Vector | undefined;
    const size = dictionary?.length ?? 0;
    const counts = new Float64Array(size);
    const codes = data.values as ArrayLike<number>;
    for (let i = 0; i < data.length; i++) {
      if (!isValidAt(data, i)) acc.missing++;
      else counts[codes[i]]++;
    }
    // Ensure every dictionary value appears (in dictionary order), even when unseen.
    for (let k = 0; k < size; k++) {
      const label = String(dictionary!.get(k));
      acc.categoryCounts.set(label, (acc.categoryCounts.get(label) ?? 0) + counts[k]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the dataset

/** An InputError unless `dir` is an existing directory. */
export async function assertDataDirectory(dir: string): Promise<void> {
  let isDir = false;
  let found = 'no such directory';
  try {
    isDir = (await stat(dir)).isDirectory();
    if (!isDir) found = 'a file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') found = (err as Error).message;
  }
  if (!isDir) throw new InputError([{ file: dir, path: '', expected: 'a fedage data directory (with a manifest.json)', found }]);
}

/** The file a manifest entry names, refused unless it is a plain name inside `dir`. */
export function manifestFilePath(dir: string, fileName: string, path: string): string {
  if (typeof fileName !== 'string' || fileName === '' || basename(fileName) !== fileName || fileName === '.' || fileName === '..') {
    throw new InputError([{ file: join(dir, MANIFEST_FILE), path, expected: 'a plain file name inside the data directory', found: JSON.stringify(fileName) }]);
  }
  return join(dir, fileName);
}

function columnInfos(schema: Schema): ColumnInfo[] {
  return schema.fields.map((f, index) => ({
    index,
    name: f.name,
    role: f.metadata.get(ROLE_METADATA_KEY) ?? 'feature',
    kind: statKind(f.type, f.metadata.get(FEATURE_TYPE_METADATA_KEY)),
  }));
}

async function accumulateSite(dir: string, site: ManifestSite, siteIndex: number): Promise<{ file: string; acc: SiteAccumulator }> {
  const entry = site.files?.patients;
  const file = manifestFilePath(dir, entry?.file, `sites[${siteIndex}].files.patients.file`);
  let acc: SiteAccumulator | null = null;
  try {
    await stat(file);
  } catch {
    throw new InputError([{ file, path: '', expected: `the patients file of site ${site.id} listed in ${MANIFEST_FILE}`, found: 'no such file' }]);
  }
  try {
    for await (const batch of readArrowBatches(file)) {
      acc ??= new SiteAccumulator(columnInfos(batch.schema));
      acc.add(batch);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError([{ file, path: '', expected: 'an Arrow IPC file', found: `unreadable data (${(err as Error).message})` }]);
  }
  if (!acc) throw new InputError([{ file, path: '', expected: 'an Arrow IPC file with at least one record batch', found: 'no record batches' }]);
  if (acc.rows !== site.patients) {
    throw new InputError([{ file, path: '', expected: `${site.patients} rows (sites[${siteIndex}].patients in ${MANIFEST_FILE})`, found: `${acc.rows} rows` }]);
  }
  return { file, acc };
}

function summarize(col: ColumnAccumulator, rows: number, unit: string | null): ColumnSummaryStats | null {
  const kind = col.info.kind;
  if (kind === 'numeric' || kind === 'binary') {
    const m = col.moments;
    return { type: kind, unit, n: m.n, missing: col.missing, mean: m.n > 0 ? m.mean : null, sd: sampleSd(m) };
  }
  if (kind === 'categorical') {
    const n = rows - col.missing;
    const proportions: Record<string, number> = {};
    for (const [label, count] of col.categoryCounts) proportions[label] = n > 0 ? count / n : 0;
    return { type: 'categorical', n, missing: col.missing, proportions };
  }
  return null;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/**
 * Reads a fedage data directory and summarizes each site and the shift between sites.
 * Throws InputError for a missing directory, a missing or bad manifest, or site files that are
 * missing, unreadable, lack a manifest feature, or disagree with the manifest's row counts.
 */
export async function inspectDataset(dir: string, opts: InspectOptions = {}): Promise<InspectReport> {
  const threshold = opts.smdThreshold ?? SMD_THRESHOLD;
  await assertDataDirectory(dir);
  const manifest = await readManifest(dir);
  const features = Array.isArray(manifest.features) ? manifest.features : [];
  const gtColumns = Array.isArray(manifest.groundTruthColumns) ? manifest.groundTruthColumns : [];

  const perSite: { site: ManifestSite; file: string; acc: SiteAccumulator; byName: Map<string, ColumnAccumulator> }[] = [];
  for (const [i, site] of manifest.sites.entries()) {
    const { file, acc } = await accumulateSite(dir, site, i);
    const byName = new Map(acc.columns.map((c) => [c.info.name, c]));
    const absent = features.filter((f) => !byName.has(f));
    if (absent.length > 0) {
      throw new InputError(absent.map((f) => ({ file, path: f, expected: `feature column "${f}" listed in ${MANIFEST_FILE}`, found: 'no such column' })));
    }
    perSite.push({ site, file, acc, byName });
  }

  const unitOf = (site: ManifestSite, column: string): string | null => site.units?.[column] ?? null;

  // Between-site shift, from per-site sufficient statistics only.
  const shift: FeatureShift[] = [];
  for (const feature of features) {
    const cols = perSite.map((s) => s.byName.get(feature)!);
    const kind = cols[0].info.kind;
    if (kind === 'other') continue;
    const units = Object.fromEntries(perSite.map((s) => [s.site.id, unitOf(s.site, feature)]));
    const unitsDiffer = new Set(Object.values(units)).size > 1;
    if (kind === 'numeric' || kind === 'binary') {
      const pooled = poolMoments(cols.map((c) => c.moments));
      const smd = Object.fromEntries(perSite.map((s, k) => [s.site.id, standardizedMeanDifference(cols[k].moments, pooled)]));
      shift.push({
        feature,
        type: kind,
        units,
        unitsDiffer,
        pooled: { n: pooled.n, mean: pooled.n > 0 ? pooled.mean : null, sd: sampleSd(pooled) },
        smd,
      });
    } else {
      const labels = [...new Set(cols.flatMap((c) => [...c.categoryCounts.keys()]))];
      const siteN = perSite.map((s, k) => s.acc.rows - cols[k].missing);
      const pooledN = siteN.reduce((a, b) => a + b, 0);
      const categories: Record<string, CategoryShift> = {};
      const best = perSite.map(() => ({ smd: null as number | null, category: null as string | null }));
      for (const label of labels) {
        const counts = cols.map((c) => c.categoryCounts.get(label) ?? 0);
        const pooledCount = counts.reduce((a, b) => a + b, 0);
        const pooled = indicatorMoments(pooledCount, pooledN);
        const proportionDifference: Record<string, number | null> = {};
        const smd: Record<string, number | null> = {};
        perSite.forEach((s, k) => {
          const m = indicatorMoments(counts[k], siteN[k]);
          proportionDifference[s.site.id] = siteN[k] > 0 && pooledN > 0 ? m.mean - pooled.mean : null;
          const d = standardizedMeanDifference(m, pooled);
          smd[s.site.id] = d;
          if (d !== null && (best[k].smd === null || Math.abs(d) > Math.abs(best[k].smd!))) best[k] = { smd: d, category: label };
        });
        categories[label] = { pooledProportion: pooledN > 0 ? pooledCount / pooledN : 0, proportionDifference, smd };
      }
      shift.push({
        feature,
        type: 'categorical',
        units,
        unitsDiffer,
        pooled: null,
        smd: Object.fromEntries(perSite.map((s, k) => [s.site.id, best[k].smd])),
        smdCategory: Object.fromEntries(perSite.map((s, k) => [s.site.id, best[k].category])),
        categories,
      });
    }
  }

  const sites: SiteInspection[] = perSite.map(({ site, file, acc, byName }) => {
    const target = acc.columns.find((c) => c.info.role === 'target');
    const targetEligible = target ? acc.rows - target.missing : 0;
    const targetPositive = target && target.moments.n > 0 ? Math.round(target.moments.mean * target.moments.n) : 0;
    const ageCol = byName.get(AGE_COLUMN);
    const apoeCol = byName.get(APOE_COLUMN);
    const missingness: Record<string, number> = {};
    for (const c of acc.columns) missingness[c.info.name] = acc.rows > 0 ? c.missing / acc.rows : 0;
    const featureStats: Record<string, ColumnSummaryStats> = {};
    for (const f of features) {
      const s = summarize(byName.get(f)!, acc.rows, unitOf(site, f));
      if (s) featureStats[f] = s;
    }
    let maxAbsSmd: SiteInspection['maxAbsSmd'] = null;
    const flaggedFeatures: string[] = [];
    for (const fs of shift) {
      const d = fs.smd[site.id];
      if (d === null || d === undefined) continue;
      if (Math.abs(d) > threshold) flaggedFeatures.push(fs.feature);
      if (!maxAbsSmd || Math.abs(d) > Math.abs(maxAbsSmd.smd)) maxAbsSmd = { feature: fs.feature, smd: d, flagged: Math.abs(d) > threshold };
    }
    return {
      id: site.id,
      name: site.name,
      country: site.country,
      file: basename(file),
      n: acc.rows,
      targetEligible,
      targetPositive,
      targetPrevalence: ratio(targetPositive, targetEligible),
      age: ageCol && ageCol.info.kind === 'numeric' ? { n: ageCol.moments.n, mean: ageCol.moments.n > 0 ? ageCol.moments.mean : null, sd: sampleSd(ageCol.moments) } : null,
      apoeE4: apoeCol && apoeCol.info.kind !== 'categorical' && apoeCol.info.kind !== 'other'
        ? { n: apoeCol.moments.n, carrierRate: apoeCol.moments.n > 0 ? apoeCol.moments.mean : null }
        : null,
      missingness,
      features: featureStats,
      maxAbsSmd,
      flaggedFeatures,
    };
  });

  const groundTruthSites: GroundTruthSite[] = perSite.map(({ site, acc, byName }) => {
    const eligibleMean = (name: string): number | null => {
      const c = byName.get(name);
      return c && c.eligibleMoments.n > 0 ? c.eligibleMoments.mean : null;
    };
    const columns: Record<string, ColumnSummaryStats> = {};
    for (const name of gtColumns) {
      const c = byName.get(name);
      const s = c ? summarize(c, acc.rows, unitOf(site, name)) : null;
      if (s) columns[name] = s;
    }
    return { id: site.id, oraclePrevalence: eligibleMean(TRUE_RISK_COLUMN), trueEventRateAmongEligible: eligibleMean(TRUE_EVENT_COLUMN), columns };
  });

  return {
    dir,
    scenario: manifest.scenario,
    source: manifest.source,
    seed: manifest.seed,
    scale: manifest.scale,
    target: manifest.target,
    patients: sites.reduce((a, s) => a + s.n, 0),
    smdThreshold: threshold,
    sites,
    shift,
    groundTruth: {
      note: 'synthetic ground truth: not observable at a real site and never a feature',
      columns: gtColumns,
      sites: groundTruthSites,
    },
  };
}
