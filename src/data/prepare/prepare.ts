/**
 * `prepareSeed`: a loaded dataset → per-site standardized train / validation / test matrices
 * for one seed. Order of work: check the feature list → plan unit conversions → per site read
 * the feature, target, ground-truth-risk and id columns and split its rows → per-site training
 * statistics → aggregate and fit → transform every site.
 */
import { DataType, type Table } from 'apache-arrow';
import { InputError, type InputProblem } from '../../errors.js';
import { MANIFEST_FILE, type Manifest } from '../manifest.js';
import { ROLE_METADATA_KEY } from '../arrow-io.js';
import { readDictionary, readNumeric, readStrings } from './columns.js';
import { fitPreprocessing, siteStats, trainingValues, transform, type FeatureSource, type SiteColumn, type SiteFeatures } from './preprocess.js';
import { stratifiedSplit } from './split.js';
import { SPLIT_COLUMN, SPLIT_EXCLUDED, SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION, type BenchDataset, type PreparedSeed, type PrepareOptions, type SiteTable } from './types.js';
import { convertInPlace, planUnits, type UnitPlan } from './units.js';
import { concatData } from './concat.js';

export const PATIENT_ID_COLUMN = 'patient_id';
export const TRUE_RISK_COLUMN = 'true_risk';
export const LABEL_RISK_COLUMN = 'label_risk';

/**
 * The manifest's feature columns with their types. Every listed feature must be a column of
 * role `feature` in the schema, not a ground-truth column and not part of the target's
 * definition; anything else is an InputError (a feature list that leaks the label or the
 * oracle would make every result meaningless).
 */
export function featureSources(manifest: Manifest, origin = MANIFEST_FILE): FeatureSource[] {
  const schema = manifest.schema?.patients ?? [];
  const byName = new Map(schema.map((c) => [c.name, c]));
  const groundTruth = new Set(manifest.groundTruthColumns ?? []);
  const problems: InputProblem[] = [];
  const sources: FeatureSource[] = [];
  const seen = new Set<string>();
  if (!Array.isArray(manifest.features) || manifest.features.length === 0) {
    throw new InputError([{ file: origin, path: 'features', expected: 'a non-empty list of feature columns', found: JSON.stringify(manifest.features ?? null) }]);
  }
  manifest.features.forEach((name, k) => {
    const path = `features[${k}]`;
    const col = byName.get(name);
    if (seen.has(name)) {
      problems.push({ file: origin, path, expected: 'each feature listed once', found: `${name} again` });
      return;
    }
    seen.add(name);
    if (!col) {
      problems.push({ file: origin, path, expected: 'a column of schema.patients', found: JSON.stringify(name) });
      return;
    }
    if (col.role !== 'feature' || groundTruth.has(name)) {
      const role = groundTruth.has(name) ? 'ground_truth' : col.role;
      problems.push({ file: origin, path, expected: 'a column of role "feature" (never id, meta, target or ground_truth)', found: `${name} of role "${role}"` });
      return;
    }
    if (col.definesTarget?.includes(manifest.target)) {
      problems.push({ file: origin, path, expected: `a column that does not define the target ${manifest.target}`, found: name });
      return;
    }
    const ft = col.featureType;
    if (ft !== 'numeric' && ft !== 'binary' && ft !== 'categorical') {
      problems.push({ file: origin, path, expected: 'a featureType of numeric, binary or categorical', found: `${name}: ${JSON.stringify(ft ?? null)}` });
      return;
    }
    sources.push({ name, featureType: ft, ...(ft === 'categorical' && col.referenceLevel !== undefined ? { referenceLevel: col.referenceLevel } : {}) });
  });
  if (problems.length > 0) throw new InputError(problems, `${origin}: ${problems.length} unusable feature column${problems.length === 1 ? '' : 's'}`);
  return sources;
}

/** The name of the target column (role "target"). */
export function targetColumn(manifest: Manifest, origin = MANIFEST_FILE): string {
  const targets = (manifest.schema?.patients ?? []).filter((c) => c.role === 'target');
  if (targets.length !== 1) {
    throw new InputError([{ file: origin, path: 'schema.patients', expected: 'exactly one column of role "target"', found: `${targets.length}` }]);
  }
  return targets[0].name;
}

function tableProblem(site: SiteTable, expected: string, found: string): InputError {
  return new InputError([{ file: `site ${site.id}`, path: '', expected, found }]);
}

/** Reads a site's feature columns (unit-converted), target, true risk, ids, and splits its rows. */
export function siteFeatures(site: SiteTable, sources: readonly FeatureSource[], target: string, plan: UnitPlan, opts: PrepareOptions): SiteFeatures {
  return withSplit(readSite(site, sources, target, plan, opts.split === 'fixed'), opts);
}

/**
 * A site's columns as every seed starts from them (nothing here depends on the seed): features
 * (unit-converted), labels, which rows are labeled, ground truth, ids, and a fixed split if asked.
 */
export interface SiteRead extends Omit<SiteFeatures, 'splitOfRow'> {
  labeled: Uint8Array;
  /** `split: fixed`: every row's split from the site's split column; null for seeded splits. */
  fixedSplit: Int8Array | null;
}

/** A site's rows split for one seed (a seeded stratified split, or the fixed one). */
function withSplit(read: SiteRead, opts: PrepareOptions): SiteFeatures {
  const splitOfRow = read.fixedSplit ?? stratifiedSplit(read.y, read.labeled, opts.split as Exclude<PrepareOptions['split'], 'fixed'>, opts.seed, read.id);
  return { ...read, splitOfRow };
}

function readSite(site: SiteTable, sources: readonly FeatureSource[], target: string, plan: UnitPlan, fixed: boolean): SiteRead {
  const table: Table = site.table;
  const n = table.numRows;
  const fields = new Map(table.schema.fields.map((f) => [f.name, f]));
  const columns: SiteColumn[] = [];
  for (const src of sources) {
    const field = fields.get(src.name);
    if (!field) throw tableProblem(site, `feature column ${src.name}`, 'no such column');
    const role = field.metadata.get(ROLE_METADATA_KEY);
    if (role !== undefined && role !== 'feature') {
      throw tableProblem(site, `column ${src.name} of role "feature" (as the manifest lists it)`, `role "${role}" in the Arrow field metadata`);
    }
    if (src.featureType === 'categorical') {
      if (DataType.isDictionary(field.type)) {
        const { codes, levels } = readDictionary(table, src.name);
        columns.push({ name: src.name, featureType: 'categorical', codes, levels });
      } else {
        // A categorical stored as numbers: levels are the distinct values, ascending.
        const { values, valid } = readNumeric(table, src.name);
        const distinct = [...new Set(Array.from(values).filter((_, i) => !valid || valid[i]))].sort((a, b) => a - b);
        const index = new Map(distinct.map((v, k) => [v, k]));
        const codes = new Int32Array(n);
        for (let i = 0; i < n; i++) codes[i] = valid && !valid[i] ? -1 : index.get(values[i])!;
        columns.push({ name: src.name, featureType: 'categorical', codes, levels: distinct.map(String) });
      }
      continue;
    }
    const { values, valid: readValid } = readNumeric(table, src.name);
    let valid = readValid;
    // NaN counts as missing, consistently for statistics and transform.
    for (let i = 0; i < n; i++) {
      if (values[i] !== values[i] && (valid === null || valid[i] === 1)) {
        valid ??= new Uint8Array(n).fill(1);
        valid[i] = 0;
      }
    }
    const conv = plan.conversions[site.id]?.[src.name];
    if (conv) convertInPlace(values, conv);
    columns.push({ name: src.name, featureType: src.featureType, values, valid });
  }

  if (!fields.has(target)) throw tableProblem(site, `the target column ${target}`, 'no such column');
  const t = readNumeric(table, target);
  const y = new Float64Array(n);
  const labeled = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (t.valid !== null && t.valid[i] === 0) {
      y[i] = Number.NaN;
      continue;
    }
    const v = t.values[i];
    if (v !== 0 && v !== 1) throw tableProblem(site, `target ${target} of 0, 1 or null`, `${v} in row ${i}`);
    y[i] = v;
    labeled[i] = 1;
  }
  const fixedSplitOfRow = fixed ? fixedSplit(site, labeled) : null;

  let trueRisk: Float64Array | null = null;
  if (fields.has(TRUE_RISK_COLUMN)) {
    const r = readNumeric(table, TRUE_RISK_COLUMN);
    trueRisk = r.values;
    if (r.valid) for (let i = 0; i < n; i++) if (r.valid[i] === 0) trueRisk[i] = Number.NaN;
  }
  let labelRisk: Float64Array | null = null;
  if (fields.has(LABEL_RISK_COLUMN)) {
    const r = readNumeric(table, LABEL_RISK_COLUMN);
    labelRisk = r.values;
    if (r.valid) for (let i = 0; i < n; i++) if (r.valid[i] === 0) labelRisk[i] = Number.NaN;
  }
  const patientIds = fields.has(PATIENT_ID_COLUMN) ? readStrings(table, PATIENT_ID_COLUMN) : Array.from({ length: n }, (_, i) => String(i));
  return { id: site.id, n, columns, y, labeled, fixedSplit: fixedSplitOfRow, trueRisk, labelRisk, patientIds };
}

const FIXED_SPLIT_CODES: Record<string, number> = { train: SPLIT_TRAIN, validation: SPLIT_VALIDATION, test: SPLIT_TEST };

/** `split: fixed`: each row's split from the site's `split` column; unlabeled rows stay excluded. */
function fixedSplit(site: SiteTable, labeled: Uint8Array): Int8Array {
  if (!site.table.schema.fields.some((f) => f.name === SPLIT_COLUMN)) {
    throw tableProblem(site, `a \`${SPLIT_COLUMN}\` column for \`split: fixed\` (fedage import with a \`split:\` table writes one)`, 'no such column');
  }
  const { codes, levels } = readDictionary(site.table, SPLIT_COLUMN);
  const byLevel = levels.map((l) => FIXED_SPLIT_CODES[l]);
  const out = new Int8Array(codes.length).fill(SPLIT_EXCLUDED);
  for (let i = 0; i < codes.length; i++) {
    if (!labeled[i]) continue;
    const code = codes[i] < 0 ? undefined : byLevel[codes[i]];
    if (code === undefined) throw tableProblem(site, `split train, validation or test in row ${i}`, codes[i] < 0 ? 'null' : JSON.stringify(levels[codes[i]]));
    out[i] = code;
  }
  return out;
}

/**
 * A dataset read once for every seed (issue 19): the feature sources, target, unit conversions
 * and each site's columns — plain data and typed arrays only, so it can be shared with worker
 * threads (bench/shared-data.ts) that prepare their seeds from it.
 */
export interface ReadDataset {
  sources: FeatureSource[];
  target: string;
  unitConversions: PreparedSeed['preprocessing']['unitConversions'];
  sites: SiteRead[];
}

/** Reads a dataset's columns for preparation (`harmonizeUnits` and a fixed split are the only options that matter here). */
export function readDataset(dataset: BenchDataset, opts: Pick<PrepareOptions, 'harmonizeUnits' | 'split'>): ReadDataset {
  const origin = dataset.kind === 'directory' ? `${dataset.origin}/${MANIFEST_FILE}` : dataset.origin;
  const sources = featureSources(dataset.manifest, origin);
  const target = targetColumn(dataset.manifest, origin);
  const numericNames = sources.filter((s) => s.featureType === 'numeric').map((s) => s.name);
  const plan = planUnits(dataset.sites, numericNames, opts.harmonizeUnits);
  for (const s of sources) if (s.featureType === 'numeric') s.unit = plan.unitOf[s.name];
  const sites = dataset.sites.map((site) => readSite(site, sources, target, plan, opts.split === 'fixed'));
  const unitConversions: PreparedSeed['preprocessing']['unitConversions'] = {};
  for (const [siteId, convs] of Object.entries(plan.conversions)) {
    unitConversions[siteId] = Object.fromEntries(Object.entries(convs).map(([col, c]) => [col, { from: c.from, to: c.to, factor: c.factor, offset: c.offset }]));
  }
  return { sources, target, unitConversions, sites };
}

/** One seed's prepared data: split, federated (or per-site / no) preprocessing, design matrices. */
export function prepareSeed(dataset: BenchDataset, opts: PrepareOptions): PreparedSeed {
  return prepareSeedFrom(readDataset(dataset, opts), opts);
}

/** prepareSeed from a dataset read once (readDataset): the same result, without reading the tables again. */
export function prepareSeedFrom(read: ReadDataset, opts: PrepareOptions): PreparedSeed {
  const { sources, target, unitConversions } = read;
  const sites = read.sites.map((s) => withSplit(s, opts));
  const binaryColumns = new Set(sources.filter((s) => s.featureType === 'binary').map((s) => s.name));
  const release = opts.releaseStatistics;
  const stats = sites.map((s) => (release ? release(siteStats(s), trainingValues(s), binaryColumns) : siteStats(s)));
  const fitOptions = { missingIndicators: opts.missingIndicators, unitConversions, scaleBinary: opts.scaleBinary ?? false };
  const preprocessing = fitPreprocessing(stats, sources, { ...fitOptions, normalization: opts.normalization });
  // The release function fitted the statistics above; what travels on (to worker threads, to
  // distributed sites) is plain data, which a function is not.
  const { releaseStatistics: _release, ...plainOptions } = opts;
  const prepared: PreparedSeed = {
    seed: opts.seed,
    featureNames: preprocessing.features.map((f) => f.name),
    preprocessing,
    sites: sites.map((s) => ({ id: s.id, ...transform(s, preprocessing), splitOfRow: s.splitOfRow, patientIds: s.patientIds })),
    trainingStats: stats,
    inputs: { sources, target, options: plainOptions },
  };
  if (opts.centralStatistics === 'pooled' && opts.normalization === 'per-site') {
    // FLamby's pooled baseline: the union of the training sets standardized with the union's
    // statistics (the design columns are the same: they come from the pooled counts either way).
    const pooled = fitPreprocessing(stats, sources, { ...fitOptions, normalization: 'federated' });
    prepared.centralTrain = concatData(sites.map((s) => transform(s, pooled).train.data));
  }
  return prepared;
}
