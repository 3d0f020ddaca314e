/**
 * A vertical data directory written by `fedage generate` (manifest format
 * `fedage-vertical-dataset`) read back for `fedage vertical DIR`: every party file's SHA-256 is
 * checked against the manifest first; the ground-truth file is read when present (a party-side
 * copy without it still runs; the result then has no ground-truth overlap to compare with).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table, type RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import { MANIFEST_FILE, sha256Hex, type FileEntry } from '../data/manifest.js';
import { readArrowBatches } from '../data/arrow-io.js';
import { hashFile } from '../data/verify.js';
import { VERTICAL_MANIFEST_FORMAT, type VerticalDataset, type VerticalManifest } from './vertical-dataset.js';

async function readTable(dir: string, entry: FileEntry, what: string): Promise<Table> {
  const path = join(dir, entry.file);
  const { sha256 } = await hashFile(path).catch(() => {
    throw new InputError([{ file: path, path: '', expected: `the ${what} file listed in ${MANIFEST_FILE}`, found: 'no readable file' }]);
  });
  if (sha256 !== entry.sha256) throw new InputError([{ file: path, path: '', expected: `SHA-256 ${entry.sha256} (${MANIFEST_FILE})`, found: sha256 }]);
  const batches: RecordBatch[] = [];
  for await (const b of readArrowBatches(path)) batches.push(b);
  return new Table(batches);
}

/** True when `dir` holds a vertical manifest. */
export async function isVerticalDirectory(dir: string): Promise<boolean> {
  try {
    return (JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as { format?: unknown }).format === VERTICAL_MANIFEST_FORMAT;
  } catch {
    return false;
  }
}

export async function loadVerticalDirectory(dir: string): Promise<VerticalDataset> {
  const file = join(dir, MANIFEST_FILE);
  const bytes = await readFile(file).catch(() => {
    throw new InputError([{ file, path: '', expected: 'the manifest of a vertical data directory (fedage generate on a vertical scenario)', found: 'no readable file' }]);
  });
  const manifest = JSON.parse(bytes.toString('utf8')) as VerticalManifest;
  if (manifest.format !== VERTICAL_MANIFEST_FORMAT || !Array.isArray(manifest.parties)) {
    throw new InputError([{ file, path: 'format', expected: `"${VERTICAL_MANIFEST_FORMAT}" with a parties list`, found: JSON.stringify(manifest.format ?? null) }]);
  }
  const parties = [];
  for (const p of manifest.parties) {
    parties.push({ id: p.id, name: p.name, label: p.label, table: await readTable(dir, p.file, `party ${p.id}`), features: p.features, units: p.units });
  }
  const gt = manifest.groundTruth?.file;
  const groundTruth = gt && existsSync(join(dir, gt.file)) ? await readTable(dir, gt, 'ground-truth') : new Table();
  return { origin: dir, manifest, manifestSha256: sha256Hex(bytes), parties, groundTruth };
}
