/**
 * A vertical scenario → one Arrow table per party (`<party>.arrow`), the ground-truth linkage
 * (`ground-truth.arrow`) and `manifest.json`. The population is generated through the same path
 * as `fedage generate` of a horizontal scenario (data/load.ts datasetFromScenario), then split by
 * party-tables.ts; `writeVerticalDataset` writes files (output transaction: atomic, --force),
 * `verticalDatasetInMemory` keeps the tables for `fedage vertical`, with the same bytes hashed.
 *
 * What a party would receive is its own `<party>.arrow` only. The manifest and the ground-truth
 * file are the simulation's answer key: the population's true parameters, who is held by whom,
 * each record's patient id.
 */
import { basename, join } from 'node:path';
import { Table } from 'apache-arrow';
import { datasetFromScenario } from '../data/load.js';
import { ArrowFileWriter, ArrowMemoryWriter, tableLayout, toRecordBatch, type ArrowSink, type ArrowTableLayout } from '../data/arrow-io.js';
import { MANIFEST_FILE, sha256Hex, summarizeColumns, type ColumnSummary, type FileEntry } from '../data/manifest.js';
import { DATA_DIR_TRANSACTION } from '../data/output-dir.js';
import { scenarioHash } from '../data/write-dataset.js';
import { withOutputTransaction } from '../output-transaction.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { FEDAGE_VERSION } from '../version.js';
import { GENERATOR } from '../synth/version.js';
import { featureColumns, type ColumnSpec } from '../synth/columns.js';
import type { Scenario } from '../scenario/schema.js';
import type { VerticalTrainingSettings } from '../scenario/vertical-schema.js';
import { VERTICAL_GROUND_TRUTH_FILE } from '../scenario/vertical-rules.js';
import { readNumeric, readStrings } from '../data/prepare/columns.js';
import { JOIN_KEY_COLUMN, joinKeySpec, joinKeys, partyBatches, planPartyTables, sliceColumn, utf8Column, type PartyTablePlan } from './party-tables.js';
import type { ColumnBuffer } from '../synth/columnar.js';

export const VERTICAL_MANIFEST_FORMAT = 'fedage-vertical-dataset';
export const VERTICAL_MANIFEST_FORMAT_VERSION = 1;

export interface VerticalManifestParty {
  id: string;
  name: string;
  label: boolean;
  coverage: number;
  featureGroups: string[];
  /** Feature columns usable for the target (held columns that define the target are left out). */
  features: string[];
  records: number;
  file: FileEntry;
  units: Record<string, string>;
  schema: ColumnSummary[];
}

export interface VerticalManifest {
  format: typeof VERTICAL_MANIFEST_FORMAT;
  formatVersion: number;
  fedageVersion: string;
  generator: { name: string; version: number };
  source: 'synthetic';
  scenario: { name: string; file: string; sha256: string };
  seed: number;
  scale: number;
  target: string;
  labelParty: string;
  /** The scenario's `vertical.training` settings, so `fedage vertical DIR` trains as on the scenario. */
  training: VerticalTrainingSettings;
  population: { site: string; patients: number; groundTruth: Record<string, unknown> | undefined };
  parties: VerticalManifestParty[];
  /** Ground truth of the alignment: what a correct private set intersection must find. */
  overlap: {
    /** Patients held by every party. */
    allParties: number;
    /** Of those, patients with a label (the rows vertical training can use). */
    allPartiesLabelled: number;
    /** Per non-label party: patients it shares with the label holder. */
    withLabelParty: Record<string, number>;
  };
  groundTruth: { file: FileEntry; note: string };
}

export interface VerticalPartyTable {
  id: string;
  name: string;
  label: boolean;
  table: Table;
  /** Feature columns usable for the target, in table order. */
  features: string[];
  units: Record<string, string>;
}

export interface VerticalDataset {
  origin: string;
  manifest: VerticalManifest;
  manifestSha256: string;
  parties: VerticalPartyTable[];
  /** Ground truth for checks (absent when read from a party's point of view). */
  groundTruth: Table;
}

export interface VerticalGenerateOptions {
  seed?: number;
  scale?: number;
}

const GROUND_TRUTH_NOTE =
  'one row per population patient: its patient id and join key, the row it occupies at each party (null: not held), the recorded target and the oracle risks; no party receives this file';

function groundTruthSpecs(plans: PartyTablePlan[]): ColumnSpec[] {
  return [
    { name: 'patient_id', kind: 'utf8', role: 'id', description: 'ground-truth patient id of the population table' },
    joinKeySpec,
    ...plans.map((p): ColumnSpec => ({ name: `row_${p.party.id}`, kind: 'int32', role: 'meta', description: `row of the patient in ${p.party.id}.arrow (null: not held)` })),
    { name: 'target', kind: 'int8', role: 'target', description: 'recorded prediction target (null: not eligible or not observed)' },
    { name: 'true_risk', kind: 'float64', role: 'ground_truth', description: 'P(true event | latent state)' },
    { name: 'label_risk', kind: 'float64', role: 'ground_truth', description: 'P(recorded target = 1 | latent state, record, coding)' },
  ];
}

function groundTruthColumns(population: Table, plans: PartyTablePlan[], keys: string[]): Map<string, ColumnBuffer> {
  const n = population.numRows;
  const cols = new Map<string, ColumnBuffer>();
  cols.set('patient_id', utf8Column(readStrings(population, 'patient_id')));
  cols.set(JOIN_KEY_COLUMN, utf8Column(keys));
  for (const p of plans) {
    const row = new Int32Array(n);
    const valid = new Uint8Array(n);
    p.populationRows.forEach((r, k) => {
      row[r] = k;
      valid[r] = 1;
    });
    cols.set(`row_${p.party.id}`, { kind: 'numeric', values: row, valid });
  }
  const t = readNumeric(population, 'target');
  cols.set('target', { kind: 'numeric', values: Int8Array.from(t.values), valid: t.valid ?? undefined });
  for (const name of ['true_risk', 'label_risk']) {
    const r = readNumeric(population, name);
    cols.set(name, { kind: 'numeric', values: r.values, valid: r.valid ?? undefined });
  }
  return cols;
}

function overlapOf(population: Table, plans: PartyTablePlan[]): VerticalManifest['overlap'] {
  const n = population.numRows;
  const count = new Uint8Array(n);
  for (const p of plans) for (const r of p.populationRows) count[r]++;
  const t = readNumeric(population, 'target');
  let all = 0;
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    if (count[i] !== plans.length) continue;
    all++;
    if (!t.valid || t.valid[i]) labelled++;
  }
  const label = plans.find((p) => p.party.label)!;
  const held = new Uint8Array(n);
  for (const r of label.populationRows) held[r] = 1;
  const withLabelParty = Object.fromEntries(
    plans.filter((p) => !p.party.label).map((p) => [p.party.id, p.populationRows.reduce((a, r) => a + held[r], 0)]),
  );
  return { allParties: all, allPartiesLabelled: labelled, withLabelParty };
}

function writeTable<S extends ArrowSink>(sink: S, layout: ArrowTableLayout, batches: Iterable<{ length: number; columns: Map<string, ColumnBuffer> }>): S {
  try {
    for (const b of batches) sink.write(toRecordBatch(layout, b));
    return sink;
  } catch (error) {
    sink.abort();
    throw error;
  }
}

function* sliced(cols: Map<string, ColumnBuffer>, n: number, batchRows = 65_536) {
  for (let start = 0; start < n; start += batchRows) {
    const end = Math.min(n, start + batchRows);
    yield { length: end - start, columns: new Map([...cols].map(([k, c]) => [k, sliceColumn(c, start, end)])) };
  }
}

/**
 * Generates the population and every party's table into sinks made by `sinkFor(fileName,
 * layout)`; returns the manifest (built from the bytes the sinks hashed) and the sinks.
 */
export function generateVerticalDataset<S extends ArrowSink>(
  scenario: Scenario,
  opts: VerticalGenerateOptions,
  sinkFor: (file: string, layout: ArrowTableLayout) => S,
): { manifest: VerticalManifest; parties: { plan: PartyTablePlan; sink: S }[]; groundTruth: S } {
  const vertical = scenario.vertical;
  if (!vertical) throw new Error('internal: generateVerticalDataset needs a vertical scenario');
  const seed = opts.seed ?? scenario.seed;
  const scale = opts.scale ?? 1;
  const population = datasetFromScenario(scenario, scenario.file, { seed, scale });
  const site = population.sites[0];
  const plans = planPartyTables(scenario, site.table, seed);
  const meta = { 'fedage.version': FEDAGE_VERSION, 'fedage.target': scenario.target };
  const parties = plans.map((plan) => {
    const layout = tableLayout(plan.specs, { ...meta, 'fedage.party': plan.party.id, 'fedage.table': 'party' });
    return { plan, sink: writeTable(sinkFor(`${plan.party.id}.arrow`, layout), layout, partyBatches(site.table, plan)) };
  });
  const gtSpecs = groundTruthSpecs(plans);
  const gtLayout = tableLayout(gtSpecs, { ...meta, 'fedage.table': 'ground-truth' });
  const gtCols = groundTruthColumns(site.table, plans, joinKeys(readStrings(site.table, 'patient_id'), seed));
  const groundTruth = writeTable(sinkFor(VERTICAL_GROUND_TRUTH_FILE, gtLayout), gtLayout, sliced(gtCols, site.table.numRows));

  const entry = (sink: S): FileEntry => {
    const w = sink.close();
    return { file: basename(w.path), rows: w.rows, bytes: w.bytes, sha256: w.sha256 };
  };
  const manifestParties: VerticalManifestParty[] = parties.map(({ plan, sink }) => {
    const file = entry(sink);
    const usable = new Set(featureColumns(plan.specs, scenario.target).map((c) => c.name));
    return {
      id: plan.party.id,
      name: plan.party.name,
      label: plan.party.label,
      coverage: plan.party.coverage,
      featureGroups: [...plan.party.features],
      features: plan.featureColumns.filter((c) => usable.has(c)),
      records: file.rows,
      file,
      units: Object.fromEntries(plan.specs.filter((s) => s.unit).map((s) => [s.name, s.unit!])),
      schema: summarizeColumns(plan.specs),
    };
  });
  const manifest: VerticalManifest = {
    format: VERTICAL_MANIFEST_FORMAT,
    formatVersion: VERTICAL_MANIFEST_FORMAT_VERSION,
    fedageVersion: FEDAGE_VERSION,
    generator: { ...GENERATOR },
    source: 'synthetic',
    scenario: { name: scenario.name, file: basename(scenario.file), sha256: scenarioHash(scenario) },
    seed,
    scale,
    target: scenario.target,
    labelParty: plans.find((p) => p.party.label)!.party.id,
    training: { ...vertical.training },
    population: { site: site.id, patients: site.table.numRows, groundTruth: population.manifest.sites[0].groundTruth },
    parties: manifestParties,
    overlap: overlapOf(site.table, plans),
    groundTruth: { file: entry(groundTruth), note: GROUND_TRUTH_NOTE },
  };
  return { manifest, parties, groundTruth };
}

export function verticalManifestText(manifest: VerticalManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Writes `<party>.arrow` per party, `ground-truth.arrow` and `manifest.json` (last) atomically. */
export async function writeVerticalDataset(
  scenario: Scenario,
  opts: VerticalGenerateOptions & { outDir: string; force?: boolean },
): Promise<{ manifest: VerticalManifest; manifestPath: string }> {
  const manifest = await withOutputTransaction(opts.outDir, { ...DATA_DIR_TRANSACTION, force: opts.force ?? false }, (dir) => {
    const { manifest } = generateVerticalDataset(scenario, opts, (file, layout) => new ArrowFileWriter(join(dir, file), layout));
    writeFileAtomic(join(dir, MANIFEST_FILE), verticalManifestText(manifest));
    return manifest;
  });
  return { manifest, manifestPath: join(opts.outDir, MANIFEST_FILE) };
}

/** The same dataset in memory (tables), for `fedage vertical` on a scenario. */
export function verticalDatasetInMemory(scenario: Scenario, opts: VerticalGenerateOptions = {}): VerticalDataset {
  const { manifest, parties, groundTruth } = generateVerticalDataset(scenario, opts, (file, layout) => new ArrowMemoryWriter(file, layout));
  return {
    origin: scenario.file,
    manifest,
    manifestSha256: sha256Hex(verticalManifestText(manifest)),
    parties: parties.map(({ plan, sink }) => {
      const m = manifest.parties.find((p) => p.id === plan.party.id)!;
      return { id: m.id, name: m.name, label: m.label, table: new Table(sink.batches), features: m.features, units: m.units };
    }),
    groundTruth: new Table(groundTruth.batches),
  };
}
