/**
 * `exportDataset`: an Arrow data directory (from `generate` or `import`) rewritten as Parquet or
 * CSV for other tools, with a data dictionary and a manifest in the same format as the source's
 * (files and SHA-256 of the new files, `fileFormat`, and the source manifest's hash).
 * The source is verified against its manifest first; tables stream batch by batch; every file
 * is written atomically and the manifest last, so a directory with a manifest is complete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { readArrowBatches, readArrowSchema, type WrittenFile } from '../arrow-io.js';
import { manifestFilePath } from '../inspect.js';
import { MANIFEST_FILE, manifestText, readManifest, sha256Hex, type FileEntry, type Manifest, type ManifestSite } from '../manifest.js';
import { prepareOutputDir } from '../output-dir.js';
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

export async function exportDataset(dir: string, opts: ExportOptions): Promise<ExportResult> {
  if (resolve(dir) === resolve(opts.outDir)) {
    throw new UsageError(`--out: the export must go to another directory than its source (${dir})`);
  }
  // Integrity first: every source file must match its manifest (InputError naming each one).
  await verifyDataset(dir);
  const source = await readManifest(dir);
  const sourceManifestSha = sha256Hex(await readFile(join(dir, MANIFEST_FILE)));
  prepareOutputDir(opts.outDir, opts.force ?? false);

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
      const to = join(opts.outDir, exportFileName(entry.file, opts.format));
      const schema = await readArrowSchema(from);
      const seen: { first?: RecordBatch } = {};
      const file =
        opts.format === 'parquet' ? await writeParquetFile(to, schema, tee(from, seen)) : await writeCsvFile(to, schema, tee(from, seen));
      if (file.rows !== entry.rows) throw new Error(`internal: exported ${file.rows} rows of ${from}, manifest says ${entry.rows}`);
      dictionary.add(site.id, table, schema.fields, seen.first);
      files.push(file);
      written[table] = entryOf(file);
      opts.onProgress?.({ siteId: site.id, siteIndex, siteCount: source.sites.length, table, file: to, rows: file.rows });
    }
    sites.push({ ...site, files: { patients: written.patients!, ...(written.visits ? { visits: written.visits } : {}) } });
  }

  const dict = dictionary.toCsv();
  const dictionaryPath = join(opts.outDir, DATA_DICTIONARY_FILE);
  writeFileAtomic(dictionaryPath, dict.text);
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
  const manifestPath = join(opts.outDir, MANIFEST_FILE);
  writeFileAtomic(manifestPath, manifestText(manifest));
  return { manifest, manifestPath, files, dictionaryPath };
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
  // Refuse a non-empty --out before spending time generating.
  prepareOutputDir(opts.outDir, opts.force ?? false);
  const parent = dirname(resolve(opts.outDir));
  const scratch = mkdtempSync(join(parent, `.${basename(resolve(opts.outDir))}.arrow-`));
  try {
    const generated = await writeSyntheticDataset(scenario, { ...opts, outDir: scratch, force: true });
    const exported = await exportDataset(scratch, { format: opts.format, outDir: opts.outDir, force: true, onProgress: opts.onExportProgress });
    return { generated, exported };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
