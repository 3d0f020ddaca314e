/**
 * `importDataset(mapping, { outDir })`: per-site CSV/Arrow extracts → a fedage data directory
 * (`<site>.arrow` per site + manifest.json with `source: "imported"`), the same format
 * `fedage generate` writes, so `fedage bench` reads it the same way.
 *
 * Every site is read and cleaned, and every problem collected, before anything is written: a
 * bad mapping or file leaves the output directory untouched. Files are written atomically
 * (temp + rename), the manifest last, so a directory with a manifest is always complete.
 * Output bytes depend only on the mapping and the input files (no clock, no paths beyond the
 * mapping's own relative ones).
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { InputProblem } from '../../errors.js';
import type { ColumnSpec } from '../../synth/columns.js';
import type { ColumnBatch, ColumnBuffer } from '../../synth/columnar.js';
import { FEDAGE_VERSION } from '../../version.js';
import { ArrowFileWriter, tableLayout, toRecordBatch } from '../arrow-io.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, manifestText, sha256Hex, summarizeColumns, type Manifest, type ManifestSite } from '../manifest.js';
import { DATA_DIR_TRANSACTION } from '../output-dir.js';
import { OutputTransaction } from '../../output-transaction.js';
import { writeFileAtomic } from '../../write-file-atomic.js';
import { patientsFileName } from '../write-dataset.js';
import { checkColumns, cleanSite, levelLists, throwProblems, type CleanedSite, type SiteImportReport } from './clean.js';
import { describeRule, loadImportMapping, type ResolvedMapping } from './parse-mapping.js';
import { readSourceTable, type SourceTable } from './read-source.js';
import { SPLIT_LEVELS, readSplitTable } from './split-table.js';

export const SPLIT_COLUMN = 'split';

export interface ImportOptions {
  outDir: string;
  force?: boolean;
  /** Let the mapping name files outside its own folder (default false; see MappingOptions). */
  allowOutsidePaths?: boolean;
}

export interface ImportResult {
  manifest: Manifest;
  manifestPath: string;
  sites: SiteImportReport[];
  /** Legal but suspicious input (also in manifest.import.warnings): for stderr. */
  warnings: string[];
}

/**
 * What an import allows but a user should hear about: the same data under two site ids (its
 * patients would count twice, as two hospitals, and leak between "sites"), and a site, or the
 * whole import, whose labels are all one class (no AUC there; nothing to learn from).
 */
export function importWarnings(mapping: ResolvedMapping, cleaned: readonly CleanedSite[], sourceSha256: readonly string[]): string[] {
  const warnings: string[] = [];
  const firstWith = new Map<string, number>();
  sourceSha256.forEach((sha, k) => {
    const prior = firstWith.get(sha);
    if (prior === undefined) {
      firstWith.set(sha, k);
      return;
    }
    const [a, b] = [mapping.sites[prior], mapping.sites[k]];
    const same = a.path === b.path ? `the same file ${b.pathAsWritten}` : `identical files (${a.pathAsWritten} and ${b.pathAsWritten}, sha256 ${sha.slice(0, 12)}…)`;
    warnings.push(`sites ${a.id} and ${b.id} read ${same}: the same patients would count as two hospitals`);
  });
  let positives = 0;
  let rows = 0;
  for (const c of cleaned) {
    const { positives: p, rowsKept: n } = c.report;
    positives += p;
    rows += n;
    if (n > 0 && (p === 0 || p === n)) {
      warnings.push(`site ${c.site.id}: all ${n} kept rows have label ${p === 0 ? 0 : 1} (${mapping.label.source}: ${mapping.label.description}): one class, so no AUC at this site`);
    }
  }
  if (cleaned.length > 1 && rows > 0 && (positives === 0 || positives === rows)) {
    warnings.push(`every kept row at every site has label ${positives === 0 ? 0 : 1}: the label column ${mapping.label.source} has one class, so there is nothing to learn (check label.positive / label.threshold)`);
  }
  return warnings;
}

/** Reads and cleans every site (throwing InputError with every problem) without writing. */
export async function cleanAll(mapping: ResolvedMapping): Promise<{ cleaned: CleanedSite[]; levels: Map<string, string[]>; sourceSha256: string[] }> {
  const tables: SourceTable[] = [];
  const sourceSha256: string[] = [];
  const problems: InputProblem[] = [];
  for (const site of mapping.sites) {
    const table = await readSourceTable(site);
    tables.push(table);
    sourceSha256.push(sha256Hex(await readFile(site.path)));
    problems.push(...checkColumns(mapping, site, table));
  }
  throwProblems(problems, `${mapping.file}: ${problems.length} column problem${problems.length === 1 ? '' : 's'}`);
  const { levels, problems: levelProblems } = levelLists(mapping, tables);
  throwProblems(levelProblems);
  const split = mapping.split ? await readSplitTable(mapping.split, mapping.sites.map((s) => s.id)) : null;
  const cleaned = mapping.sites.map((site, k) => cleanSite(mapping, site, tables[k], levels, split?.get(site.id) ?? null, problems));
  throwProblems(problems);
  return { cleaned, levels, sourceSha256 };
}

function utf8Column(values: readonly string[]): ColumnBuffer {
  const encoder = new TextEncoder();
  const parts = values.map((v) => encoder.encode(v));
  const offsets = new Int32Array(values.length + 1);
  for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i] + parts[i].length;
  const bytes = new Uint8Array(offsets[values.length]);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  return { kind: 'utf8', offsets, bytes };
}

/** The output columns: id, site, features in mapping order, target, then the split (if any). */
export function importColumnSpecs(mapping: ResolvedMapping, siteId: string, levels: ReadonlyMap<string, string[]>): ColumnSpec[] {
  const specs: ColumnSpec[] = [
    { name: 'patient_id', kind: 'utf8', role: 'id', description: mapping.id ? `patient id (source column ${mapping.id.source})` : 'patient id: <site>-<1-based source row>' },
    { name: 'site', kind: 'dict', role: 'meta', description: 'site id', dictionary: [siteId] },
  ];
  for (const f of mapping.features) {
    const description = f.description ?? `source column ${f.source}`;
    if (f.type === 'numeric') specs.push({ name: f.name, kind: 'float64', role: 'feature', featureType: 'numeric', description, ...(f.unit ? { unit: f.unit } : {}) });
    else if (f.type === 'binary') specs.push({ name: f.name, kind: 'int8', role: 'feature', featureType: 'binary', description });
    else {
      specs.push({
        name: f.name,
        kind: 'dict',
        role: 'feature',
        featureType: 'categorical',
        description,
        dictionary: levels.get(f.name) ?? [],
        ...(f.reference !== undefined ? { referenceLevel: f.reference } : {}),
      });
    }
  }
  specs.push({ name: 'target', kind: 'int8', role: 'target', description: mapping.label.description });
  if (mapping.split) specs.push({ name: SPLIT_COLUMN, kind: 'dict', role: 'meta', description: 'fixed train/validation/test assignment (bench `split: fixed`)', dictionary: SPLIT_LEVELS });
  return specs;
}

function siteBatch(site: CleanedSite): ColumnBatch {
  const n = site.target.length;
  const columns = new Map<string, ColumnBuffer>();
  columns.set('patient_id', utf8Column(site.patientIds));
  columns.set('site', { kind: 'numeric', values: new Int8Array(n) });
  for (const { feature, values, valid } of site.features) {
    const typed = feature.type === 'numeric' ? Float64Array.from(values) : Int8Array.from(values, (v) => (Number.isNaN(v) ? 0 : v));
    if (feature.type === 'numeric' && valid) for (let i = 0; i < n; i++) if (!valid[i]) typed[i] = 0;
    columns.set(feature.name, { kind: 'numeric', values: typed, ...(valid ? { valid } : {}) });
  }
  columns.set('target', { kind: 'numeric', values: Int8Array.from(site.target) });
  if (site.split) columns.set(SPLIT_COLUMN, { kind: 'numeric', values: Int8Array.from(site.split) });
  return { length: n, columns };
}

export async function importDataset(mappingPath: string, opts: ImportOptions): Promise<ImportResult> {
  const mapping = await loadImportMapping(mappingPath, { allowOutsidePaths: opts.allowOutsidePaths ?? false });
  return importResolved(mapping, opts);
}

export async function importResolved(mapping: ResolvedMapping, opts: ImportOptions): Promise<ImportResult> {
  const { cleaned, levels, sourceSha256 } = await cleanAll(mapping);
  const warnings = importWarnings(mapping, cleaned, sourceSha256);
  // Staged next to outDir and swapped in when complete (output-transaction.ts).
  const tx = OutputTransaction.begin(opts.outDir, { ...DATA_DIR_TRANSACTION, force: opts.force ?? false });
  try {
    const manifest = importIntoDir(mapping, cleaned, levels, sourceSha256, warnings, tx.dir);
    tx.commit();
    return { manifest, manifestPath: join(opts.outDir, MANIFEST_FILE), sites: cleaned.map((c) => c.report), warnings };
  } catch (error) {
    tx.abort();
    throw error;
  }
}

function importIntoDir(
  mapping: ResolvedMapping,
  cleaned: Awaited<ReturnType<typeof cleanAll>>['cleaned'],
  levels: Awaited<ReturnType<typeof cleanAll>>['levels'],
  sourceSha256: Awaited<ReturnType<typeof cleanAll>>['sourceSha256'],
  warnings: ReturnType<typeof importWarnings>,
  outDir: string,
): Manifest {
  const sites: ManifestSite[] = [];
  let specs: ColumnSpec[] = [];
  for (const [k, site] of cleaned.entries()) {
    specs = importColumnSpecs(mapping, site.site.id, levels);
    const layout = tableLayout(specs, { 'fedage.version': FEDAGE_VERSION, 'fedage.site': site.site.id, 'fedage.target': mapping.label.target, 'fedage.table': 'patients' });
    const out = new ArrowFileWriter(join(outDir, patientsFileName(site.site.id)), layout);
    let written;
    try {
      out.write(toRecordBatch(layout, siteBatch(site)));
      written = out.close();
    } catch (err) {
      out.abort();
      throw err;
    }
    const r = site.report;
    sites.push({
      id: site.site.id,
      name: site.site.name,
      country: site.site.country,
      patients: written.rows,
      visits: 0,
      files: { patients: { file: basename(written.path), rows: written.rows, bytes: written.bytes, sha256: written.sha256 } },
      units: Object.fromEntries(mapping.features.filter((f) => f.unit).map((f) => [f.name, f.unit as string])),
      imported: {
        sourceFile: site.site.pathAsWritten,
        sourceSha256: sourceSha256[k],
        rowsRead: r.rowsRead,
        rowsKept: r.rowsKept,
        droppedLabelMissing: r.droppedLabelMissing,
        droppedMissing: r.droppedMissing,
        keptMissing: r.keptMissing,
        imputed: r.imputed,
        positives: r.positives,
        ...(site.split ? { split: Object.fromEntries(SPLIT_LEVELS.map((l, code) => [l, site.split!.filter((s) => s === code).length])) } : {}),
      },
    });
  }
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    fedageVersion: FEDAGE_VERSION,
    source: 'imported',
    scenario: { name: mapping.name, file: basename(mapping.file), sha256: sha256Hex(mapping.text) },
    seed: null,
    scale: 1,
    target: mapping.label.target,
    followUpYears: null,
    visitIntervalMonths: null,
    features: mapping.features.map((f) => f.name),
    groundTruthColumns: [],
    schema: { patients: summarizeColumns(specs.map((s) => (s.name === 'site' ? { ...s, dictionary: undefined } : s))) },
    sites,
    import: {
      description: mapping.description,
      label: { source: mapping.label.source, rule: describeRule(mapping.label.source, mapping.label.rule) },
      missingMarkers: mapping.missingMarkers,
      missingPolicy: Object.fromEntries(mapping.features.map((f) => [f.name, f.missing])),
      dropped: mapping.drop.map((d) => d.source),
      ...(mapping.split ? { split: { file: mapping.split.fileAsWritten, column: SPLIT_COLUMN } } : {}),
      // Only when there are any: a clean import's manifest keeps its bytes.
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
  writeFileAtomic(join(outDir, MANIFEST_FILE), manifestText(manifest));
  return manifest;
}
