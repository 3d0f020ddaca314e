/**
 * `loadBenchDataset`: the bench's input, either a data directory (checked file by file against
 * its manifest's SHA-256s before anything is read) or a scenario file generated in memory.
 *
 * In-memory scenarios: the manifest is the one `writeSyntheticDataset(scenario, { visits: false })`
 * would write (same code: buildSyntheticManifest), and its file entries carry the SHA-256 and
 * size of the exact bytes the Arrow file writer would produce for that table — the record
 * batches are serialized through the same RecordBatchFileWriter calls into a hashing sink
 * instead of a file (a test checks this against a written directory). So `manifestSha256` of a
 * scenario equals that of `fedage generate --no-visits` output for the same seed and scale.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AsyncByteQueue, RecordBatchFileWriter, Table, type RecordBatch } from 'apache-arrow';
import { InputError } from '../../errors.js';
import { readArrowBatches, tableLayout, toRecordBatch, type ArrowTableLayout } from '../../data/arrow-io.js';
import { MANIFEST_FILE, manifestText, readManifest, sha256Hex, type FileEntry, type ManifestSite } from '../../data/manifest.js';
import { verifyDataset } from '../../data/verify.js';
import { readParquetTable } from '../../data/export/read-parquet.js';
import { RealizedStats, buildSyntheticManifest, patientsFileName, syntheticManifestSite } from '../../data/write-dataset.js';
import { loadScenario } from '../../scenario/parse.js';
import type { Scenario } from '../../scenario/schema.js';
import { patientColumns } from '../../synth/columns.js';
import { generateSiteBatches, siteModelFor } from '../../synth/generate-site.js';
import { FEDAGE_VERSION } from '../../version.js';
import type { BenchDataset, SiteTable } from './types.js';

export interface LoadOptions {
  /** Scenario input only: overrides the scenario's seed (as `fedage generate --seed`). */
  seed?: number;
  /** Scenario input only: multiplies every site's patient count. */
  scale?: number;
  /** Scenario input only: generator batch size (content does not depend on it; file bytes do). */
  batchSize?: number;
}

const SCENARIO_EXTENSIONS = new Set(['.yaml', '.yml']);

/** A data directory (verified) or a scenario file (generated in memory). */
export async function loadBenchDataset(input: string, opts: LoadOptions = {}): Promise<BenchDataset> {
  let isDir: boolean;
  try {
    isDir = (await stat(input)).isDirectory();
  } catch {
    throw new InputError([{ file: input, path: '', expected: 'a scenario file (.yaml/.yml) or a fedage data directory', found: 'no such file or directory' }]);
  }
  if (isDir) return loadDirectory(input);
  if (!SCENARIO_EXTENSIONS.has(extname(input).toLowerCase())) {
    throw new InputError([{ file: input, path: '', expected: 'a scenario file (.yaml/.yml) or a fedage data directory', found: `a file with extension "${extname(input)}"` }]);
  }
  return datasetFromScenario(await loadScenario(input), input, opts);
}

async function readSiteTable(path: string): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const batch of readArrowBatches(path)) batches.push(batch);
  return new Table(batches);
}

/** A data directory: every listed file's SHA-256 checked first (InputError on any mismatch). */
export async function loadDirectory(dir: string): Promise<BenchDataset> {
  await verifyDataset(dir);
  const manifestBytes = await readFile(join(dir, MANIFEST_FILE));
  const manifest = await readManifest(dir, { fileFormats: ['arrow', 'parquet'] });
  const sites: SiteTable[] = [];
  for (const site of manifest.sites) {
    const path = join(dir, site.files.patients.file);
    const table = manifest.fileFormat === 'parquet' ? await readParquetTable(path) : await readSiteTable(path);
    if (table.numRows !== site.files.patients.rows) {
      throw new InputError([{ file: path, path: '', expected: `${site.files.patients.rows} rows (manifest)`, found: `${table.numRows} rows` }]);
    }
    sites.push({ id: site.id, name: site.name, table, units: { ...(site.units ?? {}) } });
  }
  return { kind: 'directory', origin: dir, manifest, manifestSha256: sha256Hex(manifestBytes), sites };
}

/** Hashes what the Arrow file writer emits, without writing it anywhere. */
class HashingSink extends AsyncByteQueue {
  readonly hash = createHash('sha256');
  bytes = 0;
  override write(value: Uint8Array): void {
    if (value.byteLength === 0) return;
    this.hash.update(value);
    this.bytes += value.byteLength;
  }
}

/** SHA-256 and size of the Arrow IPC file `ArrowFileWriter` would write for these batches. */
export function arrowFileDigest(layout: ArrowTableLayout, batches: readonly RecordBatch[]): { sha256: string; bytes: number } {
  const sink = new HashingSink();
  const writer = new RecordBatchFileWriter();
  writer.reset(sink as unknown as AsyncByteQueue, layout.schema);
  for (const b of batches) writer.write(b);
  writer.finish();
  return { sha256: sink.hash.digest('hex'), bytes: sink.bytes };
}

/**
 * Generates every site of a scenario in memory (patients only) and builds the manifest that
 * `writeSyntheticDataset(scenario, { visits: false, seed, scale })` would write.
 */
export function datasetFromScenario(scenario: Scenario, origin: string, opts: LoadOptions = {}): BenchDataset {
  const seed = opts.seed ?? scenario.seed;
  const scale = opts.scale ?? 1;
  const sites: SiteTable[] = [];
  const manifestSites: ManifestSite[] = [];
  let patientSpecs = patientColumns(scenario.sites[0]);
  for (const site of scenario.sites) {
    const model = siteModelFor(scenario, site, { seed, scale });
    const specs = patientColumns(site);
    patientSpecs = specs;
    const layout = tableLayout(specs, {
      'fedage.version': FEDAGE_VERSION,
      'fedage.site': site.id,
      'fedage.target': scenario.target,
      'fedage.table': 'patients',
    });
    const stats = new RealizedStats();
    const batches: RecordBatch[] = [];
    for (const batch of generateSiteBatches(model, { seed, scale, visits: false, batchSize: opts.batchSize })) {
      stats.add(batch.patients);
      batches.push(toRecordBatch(layout, batch.patients));
    }
    const table = new Table(batches);
    const digest = arrowFileDigest(layout, batches);
    const entry: FileEntry = { file: patientsFileName(site.id), rows: table.numRows, bytes: digest.bytes, sha256: digest.sha256 };
    const mSite = syntheticManifestSite(model, stats, entry);
    manifestSites.push(mSite);
    sites.push({ id: site.id, name: site.name, table, units: { ...mSite.units } });
  }
  const manifest = buildSyntheticManifest(scenario, { seed, scale, sites: manifestSites, patientSpecs });
  return { kind: 'scenario', origin, manifest, manifestSha256: sha256Hex(manifestText(manifest)), sites };
}
