/**
 * The dataset manifest: what was generated (or imported), from what, and how to check it.
 * Contains no wall-clock time, so that the same scenario and seed give a byte-identical file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError, type InputProblem } from '../errors.js';
import type { ColumnSpec } from '../synth/columns.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'fedage-dataset';
/** 2: generator 2 (label_risk, targets mci_to_ad / incident_dementia_code, `generator`). */
export const MANIFEST_FORMAT_VERSION = 2;

export interface FileEntry {
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ColumnSummary {
  name: string;
  type: string;
  role: string;
  featureType?: string;
  definesTarget?: string[];
  /** Categorical features: the level left out of the one-hot encoding (imported data). */
  referenceLevel?: string;
  description: string;
}

export interface ManifestSite {
  id: string;
  name: string;
  country: string;
  patients: number;
  visits: number;
  files: { patients: FileEntry; visits?: FileEntry };
  /** Column units of this site (they differ between sites: mg/dL vs mmol/L, kg vs lb). */
  units: Record<string, string>;
  /** The true generating parameters and realized statistics (synthetic data only). */
  groundTruth?: Record<string, unknown>;
  /** Imported data only: the source file and what cleaning kept and dropped. */
  imported?: Record<string, unknown>;
}

/** How the site tables are stored; a manifest without `fileFormat` is an Arrow directory. */
export const FILE_FORMATS = ['arrow', 'parquet', 'csv'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  fedageVersion: string;
  /** Synthetic data only: the generative model's name and version (src/synth/version.ts). */
  generator?: { name: string; version: number };
  /** Export directories only ('parquet' | 'csv'); absent means Arrow IPC files. */
  fileFormat?: FileFormat;
  /** Export directories only: the data dictionary file (rows = one per table and column). */
  dataDictionary?: FileEntry;
  /** Export directories only: the Arrow manifest the export was made from. */
  exportedFrom?: { fileFormat: 'arrow'; manifestSha256: string };
  source: 'synthetic' | 'imported';
  scenario: { name: string; file: string; sha256: string };
  seed: number | null;
  scale: number;
  target: string;
  followUpYears: number | null;
  visitIntervalMonths: number | null;
  /** Feature columns for the target (never ids, dates, target-defining or ground-truth columns). */
  features: string[];
  groundTruthColumns: string[];
  schema: { patients: ColumnSummary[]; visits?: ColumnSummary[] };
  sites: ManifestSite[];
  /** Imported data only: how the label was defined and the rules cleaning applied. */
  import?: Record<string, unknown>;
}

export function summarizeColumns(specs: ColumnSpec[]): ColumnSummary[] {
  return specs.map((s) => ({
    name: s.name,
    type: s.kind === 'dict' ? 'dictionary<utf8>' : s.kind,
    role: s.role,
    ...(s.featureType ? { featureType: s.featureType } : {}),
    ...(s.definesTarget?.length ? { definesTarget: [...s.definesTarget] } : {}),
    ...(s.referenceLevel !== undefined ? { referenceLevel: s.referenceLevel } : {}),
    description: s.description,
  }));
}

/** JSON with object keys sorted at every level: the normal form we hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

export function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const FORMAT_NAMES: Record<FileFormat, string> = { arrow: 'Arrow', parquet: 'Parquet', csv: 'CSV' };

export interface ReadManifestOptions {
  /**
   * File formats the caller can read (default: Arrow only). `bench` also reads Parquet exports
   * (types and metadata survive the round trip); a CSV export is for other tools (reading CSV
   * back is what `fedage import` is for), and a format the caller cannot read is refused with
   * a message saying so, rather than failing later on a missing .arrow file.
   */
  fileFormats?: readonly FileFormat[];
}

/** The file format of a manifest (absent = Arrow). */
export function manifestFileFormat(m: Pick<Manifest, 'fileFormat'>): FileFormat {
  return m.fileFormat ?? 'arrow';
}

/** Reads and minimally checks a manifest; problems are InputErrors naming the file. */
export async function readManifest(dir: string, opts: ReadManifestOptions = {}): Promise<Manifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError([
      { file, path: '', expected: 'a fedage data directory with a manifest.json', found: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no manifest.json' : String(err) },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InputError([{ file, path: '', expected: 'valid JSON', found: (err as Error).message }]);
  }
  const m = parsed as Partial<Manifest>;
  if (m.format !== MANIFEST_FORMAT || !Array.isArray(m.sites)) {
    // A vertical dataset (src/vertical/vertical-dataset.ts) holds parties, not sites: say which command reads it.
    const vertical = (m.format as string | undefined) === 'fedage-vertical-dataset' ? ` (the parties of a vertical federation: read it with \`fedage vertical ${dirname(file)}\`)` : '';
    throw new InputError([{ file, path: 'format', expected: `"${MANIFEST_FORMAT}" with a sites list`, found: `${JSON.stringify(m.format ?? null)}${vertical}` }]);
  }
  if (m.formatVersion !== MANIFEST_FORMAT_VERSION) {
    const hint = m.formatVersion === 1 ? ' (written by an earlier fedage: regenerate it with `fedage generate`, or re-import it)' : '';
    throw new InputError([{ file, path: 'formatVersion', expected: `${MANIFEST_FORMAT_VERSION}${hint}`, found: JSON.stringify(m.formatVersion ?? null) }]);
  }
  const problems = manifestShapeProblems(m, file);
  if (problems.length > 0) throw new InputError(problems.slice(0, 50), `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the manifest${problems.length > 50 ? ' (first 50 listed)' : ''}`);
  const fileFormat = m.fileFormat ?? 'arrow';
  if (!(FILE_FORMATS as readonly string[]).includes(fileFormat)) {
    throw new InputError([{ file, path: 'fileFormat', expected: FILE_FORMATS.map((f) => `"${f}"`).join(', '), found: JSON.stringify(fileFormat) }]);
  }
  const accepted = opts.fileFormats ?? ['arrow'];
  if (!accepted.includes(fileFormat)) {
    const readable = accepted.map((f) => FORMAT_NAMES[f]).join(' or ');
    throw new InputError(
      [{ file, path: 'fileFormat', expected: `a data directory in ${readable} format`, found: `a ${FORMAT_NAMES[fileFormat]} export` }],
      `${dir}: this command reads ${readable} data directories, and this is a ${FORMAT_NAMES[fileFormat]} export (written by fedage export or generate --format ${fileFormat}) for other tools: run it on the Arrow directory the export came from, or on the scenario`,
    );
  }
  return m as Manifest;
}

/** How a JSON value reads in a message: strings quoted and cut short, containers by kind. */
export function describeJsonValue(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}… (${v.length} characters)` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  return 'an object';
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A site id as `generate` and `import` write them: also a file name, so no path separators. */
const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The fields the readers rely on, each checked for type and range, so a hand-edited or crafted
 * manifest is an input error at its JSON path (`sites[1].files.patients.sha256`) instead of a
 * crash or a message like "expected sha256 [object Object]" further on. Site ids must be unique:
 * they name the sites' files, their results and their privacy accounting.
 */
export function manifestShapeProblems(m: Partial<Manifest>, file: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const bad = (path: string, expected: string, found: unknown) => problems.push({ file, path, expected, found: describeJsonValue(found) });
  const count = (path: string, v: unknown) => {
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) bad(path, 'a whole number >= 0', v);
  };
  const sites = m.sites as unknown[];
  if (sites.length === 0) bad('sites', 'at least one site', sites);
  const firstIndex = new Map<string, number>();
  sites.forEach((raw, i) => {
    const at = `sites[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      bad(at, 'a site object', raw);
      return;
    }
    const site = raw as Partial<ManifestSite>;
    if (typeof site.id !== 'string' || !SITE_ID.test(site.id)) {
      bad(`${at}.id`, 'a site id: letters, digits, "_", "." or "-", at most 64 characters', site.id);
    } else {
      const prior = firstIndex.get(site.id);
      if (prior !== undefined) problems.push({ file, path: `${at}.id`, expected: `a site id not used before (sites[${prior}] has it)`, found: `${JSON.stringify(site.id)} again` });
      else firstIndex.set(site.id, i);
    }
    count(`${at}.patients`, site.patients);
    const files = site.files as Partial<ManifestSite['files']> | undefined;
    if (!files || typeof files !== 'object') {
      bad(`${at}.files`, 'an object with a patients file entry', files);
      return;
    }
    for (const table of ['patients', 'visits'] as const) {
      const entry = files[table] as Partial<FileEntry> | undefined;
      if (entry === undefined && table === 'visits') continue;
      const ep = `${at}.files.${table}`;
      if (!entry || typeof entry !== 'object') {
        bad(ep, `a ${table} file entry (file, rows, bytes, sha256)`, entry);
        continue;
      }
      if (typeof entry.file !== 'string' || entry.file === '') bad(`${ep}.file`, 'a file name', entry.file);
      count(`${ep}.rows`, entry.rows);
      count(`${ep}.bytes`, entry.bytes);
      if (typeof entry.sha256 !== 'string' || !SHA256_HEX.test(entry.sha256)) bad(`${ep}.sha256`, 'a SHA-256 checksum: 64 lowercase hexadecimal digits', entry.sha256);
    }
  });
  const schema = m.schema as Partial<Manifest['schema']> | undefined;
  if (schema !== undefined) {
    for (const table of ['patients', 'visits'] as const) {
      const columns = schema?.[table] as unknown;
      if (columns === undefined && table === 'visits') continue;
      if (!Array.isArray(columns)) {
        bad(`schema.${table}`, 'a list of columns', columns);
        continue;
      }
      const seen = new Set<string>();
      columns.forEach((c: Partial<ColumnSummary> | null, k) => {
        if (!c || typeof c.name !== 'string' || typeof c.type !== 'string') bad(`schema.${table}[${k}]`, 'a column with a name and a type', c);
        else if (seen.has(c.name)) bad(`schema.${table}[${k}].name`, 'a column name not used before', c.name);
        else seen.add(c.name);
      });
    }
  }
  return problems;
}
