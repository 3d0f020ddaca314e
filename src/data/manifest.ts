/**
 * The dataset manifest: what was generated (or imported), from what, and how to check it.
 * Contains no wall-clock time, so that the same scenario and seed give a byte-identical file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
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

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  fedageVersion: string;
  /** Synthetic data only: the generative model's name and version (src/synth/version.ts). */
  generator?: { name: string; version: number };
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

/** Reads and minimally checks a manifest; problems are InputErrors naming the file. */
export async function readManifest(dir: string): Promise<Manifest> {
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
    throw new InputError([{ file, path: 'format', expected: `"${MANIFEST_FORMAT}" with a sites list`, found: JSON.stringify(m.format ?? null) }]);
  }
  if (m.formatVersion !== MANIFEST_FORMAT_VERSION) {
    const hint = m.formatVersion === 1 ? ' (written by an earlier fedage: regenerate it with `fedage generate`, or re-import it)' : '';
    throw new InputError([{ file, path: 'formatVersion', expected: `${MANIFEST_FORMAT_VERSION}${hint}`, found: JSON.stringify(m.formatVersion ?? null) }]);
  }
  return m as Manifest;
}
