/**
 * `loadBenchDataset`: the bench's input, either a data directory (checked file by file against
 * its manifest's SHA-256s before anything is read) or a scenario file generated in memory.
 *
 * In-memory scenarios: the manifest is the one `writeSyntheticDataset(scenario, { visits: false })`
 * would write (same code: generateSyntheticDataset), and its file entries carry the SHA-256 and
 * size of the exact bytes the Arrow file writer would produce for that table — the record
 * batches are serialized through the same RecordBatchFileWriter into the same HashingSink,
 * with no file behind it (a test checks this against a written directory). So `manifestSha256` of a
 * scenario equals that of `fedage generate --no-visits` output for the same seed and scale.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Table, type RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import { ArrowMemoryWriter, readArrowBatches } from './arrow-io.js';
import { MANIFEST_FILE, manifestText, readManifest, sha256Hex } from './manifest.js';
import { verifyDataset } from './verify.js';
import { readParquetTable } from './export/read-parquet.js';
import { generateSyntheticDataset, patientsFileName } from './write-dataset.js';
import { loadScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/schema.js';
import type { BenchDataset, SiteTable } from './prepare/types.js';

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
  const scenario = await loadScenario(input);
  assertHorizontal(scenario, input);
  return datasetFromScenario(scenario, input, opts);
}

/**
 * A vertical scenario's parties hold columns, not patients: the horizontal pipeline (bench,
 * audit, inspect) cannot train on them; the error points at `fedage vertical` (exit 2).
 */
export function assertHorizontal(scenario: Scenario, input: string): void {
  if (!scenario.vertical) return;
  throw new InputError(
    [{ file: input, path: 'vertical', expected: 'a horizontal scenario (hospitals holding different patients) for this command', found: 'a `vertical:` section: its parties hold different columns of the same patients' }],
    `${input} is a vertical scenario: run it with \`fedage vertical ${input}\``,
  );
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

/**
 * Generates every site of a scenario in memory (patients only) through the same path as
 * `writeSyntheticDataset(scenario, { visits: false, seed, scale })`, so the manifest is the one
 * it would write.
 */
export function datasetFromScenario(scenario: Scenario, origin: string, opts: LoadOptions = {}): BenchDataset {
  const generated = generateSyntheticDataset(scenario, { seed: opts.seed, scale: opts.scale, batchSize: opts.batchSize }, {
    patients: (siteId, layout) => new ArrowMemoryWriter(patientsFileName(siteId), layout),
  });
  const sites: SiteTable[] = generated.sites.map((s) => ({ id: s.id, name: s.name, table: new Table(s.patients.batches), units: s.units }));
  const manifest = generated.manifest;
  return { kind: 'scenario', origin, manifest, manifestSha256: sha256Hex(manifestText(manifest)), sites };
}
