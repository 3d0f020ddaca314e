/**
 * `exportDataset`: an Arrow data directory (from `generate` or `import`) rewritten as Parquet or
 * CSV for other tools, with a data dictionary and a manifest in the same format as the source's
 * (files and SHA-256 of the new files, `fileFormat`, and the source manifest's hash).
 * The source is verified against its manifest first; tables stream batch by batch; every file
 * is written atomically and the manifest last, so a directory with a manifest is complete.
 */
import { readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { readArrowBatches, readArrowSchema, type WrittenFile } from '../arrow-io.js';
import { manifestFilePath } from '../inspect.js';
import { MANIFEST_FILE, manifestText, readManifest, sha256Hex, type FileEntry, type Manifest, type ManifestSite } from '../manifest.js';
import { withOutputTransaction, type OutputTransactionOptions } from '../../output-transaction.js';
import { writeFileAtomic } from '../../write-file-atomic.js';
import { verifyDataset } from '../verify.js';
import { writeSyntheticDataset, type WriteDatasetOptions, type WriteDatasetResult } from '../write-dataset.js';
import type { Scenario } from '../../scenario/schema.js';
import { UsageError } from '../../errors.js';
import { writeCsvFile } from './csv-file.js';
import { DATA_DICTIONARY_FILE, DataDictionaryBuilder } from './data-dictionary.js';
import { writeParquetFile } from './parquet-file.js';
import { readFile } from 'node:fs/promises';

export const EXPORT_FORMATS = ['parquet', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function parseExportFormat(text: string, flag = '--format', allowArrow = false): ExportFormat | 'arrow' {
  const allowed: string[] = allowArrow ? ['arrow', ...EXPORT_FORMATS] : [...EXPORT_FORMATS];
  if (!allowed.includes(text)) throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, found "${text}"`);
  return text as ExportFormat | 'arrow';
}

export interface ExportProgress {
  siteId: string;
  siteIndex: number;
  siteCount: number;
  table: 'patients' | 'visits';
  file: string;
  rows: number;
}

export interface ExportOptions {
  format: ExportFormat;
  outDir: string;
  force?: boolean;
  onProgress?: (p: ExportProgress) => void;
}

export interface ExportResult {
  manifest: Manifest;
  manifestPath: string;
  files: WrittenFile[];
  dictionaryPath: string;
}

/** `us-academic.arrow` -> `us-academic.parquet`; `x.visits.arrow` -> `x.visits.csv`. */
export function exportFileName(arrowFile: string, format: ExportFormat): string {
  return `${arrowFile.replace(/\.arrow$/, '')}.${format}`;
}

const entryOf = (f: WrittenFile): FileEntry => ({ file: basename(f.path), rows: f.rows, bytes: f.bytes, sha256: f.sha256 });

/** Batches of `path` that also remembers the first one (for the dictionary's category levels). */
async function* tee(path: string, seen: { first?: RecordBatch }): AsyncGenerator<RecordBatch> {
  for await (const b of readArrowBatches(path)) {
    if (!seen.first) seen.first = b;
    yield b;
  }
}

/**
 * An export directory as an output transaction (output-transaction.ts), like `generate`: lock,
 * writability probe, staging directory swapped in when complete; empty unless --force, and
 * --force replaces it whole only when it holds nothing but export files and a manifest.
 */
export const EXPORT_DIR_TRANSACTION: Omit<OutputTransactionOptions, 'force'> = {
  ownsEntry: (name) => name === MANIFEST_FILE || name === DATA_DICTIONARY_FILE || name.endsWith('.parquet') || name.endsWith('.csv'),
  requireEmpty: true,
  lastFile: MANIFEST_FILE,
  what: 'export directory',
};

export async function exportDataset(dir: string, opts: ExportOptions): Promise<ExportResult> {
  if (resolve(dir) === resolve(opts.outDir)) {
    throw new UsageError(`--out: the export must go to another directory than its source (${dir})`);
  }
  return withOutputTransaction(opts.outDir, { ...EXPORT_DIR_TRANSACTION, force: opts.force ?? false }, (staging) => exportInto(dir, staging, opts));
}

/** The export of `dir` written into `staging`; paths in the result and progress name `opts.outDir`. */
async function exportInto(dir: string, staging: string, opts: ExportOptions): Promise<ExportResult> {
  // Integrity first: every source file must match its manifest (InputError naming each one).
  await verifyDataset(dir);
  const source = await readManifest(dir);
  const sourceManifestSha = sha256Hex(await readFile(join(dir, MANIFEST_FILE)));

  const dictionary = new DataDictionaryBuilder();
  const files: WrittenFile[] = [];
  const sites: ManifestSite[] = [];
  for (const [siteIndex, site] of source.sites.entries()) {
    const tables: ['patients' | 'visits', FileEntry | undefined][] = [
      ['patients', site.files.patients],
      ['visits', site.files.visits],
    ];
    const written: Partial<Record<'patients' | 'visits', FileEntry>> = {};
    for (const [table, entry] of tables) {
      if (!entry) continue;
      const from = manifestFilePath(dir, entry.file, `sites[${siteIndex}].files.${table}.file`);
      const name = exportFileName(entry.file, opts.format);
      const to = join(staging, name);
      const schema = await readArrowSchema(from);
      const seen: { first?: RecordBatch } = {};
      const file =
        opts.format === 'parquet' ? await writeParquetFile(to, schema, tee(from, seen)) : await writeCsvFile(to, schema, tee(from, seen));
      if (file.rows !== entry.rows) throw new Error(`internal: exported ${file.rows} rows of ${from}, manifest says ${entry.rows}`);
      dictionary.add(site.id, table, schema.fields, seen.first);
      files.push({ ...file, path: join(opts.outDir, name) });
      written[table] = entryOf(file);
      opts.onProgress?.({ siteId: site.id, siteIndex, siteCount: source.sites.length, table, file: join(opts.outDir, name), rows: file.rows });
    }
    sites.push({ ...site, files: { patients: written.patients!, ...(written.visits ? { visits: written.visits } : {}) } });
  }

  const dict = dictionary.toCsv();
  writeFileAtomic(join(staging, DATA_DICTIONARY_FILE), dict.text);
  const { format, formatVersion, fedageVersion, ...rest } = source;
  const manifest: Manifest = {
    format,
    formatVersion,
    fedageVersion,
    fileFormat: opts.format,
    dataDictionary: { file: DATA_DICTIONARY_FILE, rows: dict.rows, bytes: Buffer.byteLength(dict.text), sha256: sha256Hex(dict.text) },
    exportedFrom: { fileFormat: 'arrow', manifestSha256: sourceManifestSha },
    ...rest,
    sites,
  };
  writeFileAtomic(join(staging, MANIFEST_FILE), manifestText(manifest));
  return { manifest, manifestPath: join(opts.outDir, MANIFEST_FILE), files, dictionaryPath: join(opts.outDir, DATA_DICTIONARY_FILE) };
}

/**
 * `generate --format parquet|csv`: the scenario is generated into a scratch Arrow directory next
 * to `outDir` (the one path from scenario to data), exported, and the scratch removed, so the
 * files equal `generate` + `export` byte for byte.
 */
export async function generateExport(
  scenario: Scenario,
  opts: WriteDatasetOptions & { format: ExportFormat; onExportProgress?: (p: ExportProgress) => void },
): Promise<{ generated: WriteDatasetResult; exported: ExportResult }> {
  // One transaction on --out from the start: a non-empty or locked --out is refused before any
  // time is spent generating; the scratch Arrow directory lives inside the staging directory,
  // so an interrupt (or a killed run, cleaned by the next one) removes it with the staging.
  return withOutputTransaction(opts.outDir, { ...EXPORT_DIR_TRANSACTION, force: opts.force ?? false }, async (staging) => {
    const scratch = join(staging, SCRATCH_DIR);
    try {
      const generated = await writeSyntheticDataset(scenario, { ...opts, outDir: scratch, force: true });
      const exported = await exportInto(scratch, staging, { format: opts.format, outDir: opts.outDir, onProgress: opts.onExportProgress });
      return { generated, exported };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      // writeSyntheticDataset's own transaction leaves its lock file's directory entry behind only on a crash; nothing else remains.
      for (const name of readdirSync(staging)) if (name.startsWith(`.${SCRATCH_DIR}.`)) rmSync(join(staging, name), { recursive: true, force: true });
    }
  });
}

/** The scratch Arrow directory of `generate --format parquet|csv`, inside the export's staging directory. */
const SCRATCH_DIR = 'arrow-scratch';
