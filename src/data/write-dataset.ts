/**
 * Generates a scenario into a data directory: `<site>.arrow`, `<site>.visits.arrow` per site,
 * then `manifest.json` (last, so a directory with a manifest is always complete).
 */
import { basename, join } from 'node:path';
import type { Scenario } from '../scenario/schema.js';
import { featureColumns, patientColumns, visitColumns, type ColumnSpec } from '../synth/columns.js';
import { GENERATOR } from '../synth/version.js';
import type { ColumnBatch, NumericColumn } from '../synth/columnar.js';
import { generateSiteBatches, siteModelFor, type GenerateOptions } from '../synth/generate-site.js';
import type { SiteModel } from '../synth/site-model.js';
import { FEDAGE_VERSION } from '../version.js';
import { ArrowFileWriter, tableLayout, toRecordBatch, type ArrowSink, type ArrowTableLayout } from './arrow-io.js';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  canonicalJson,
  manifestText,
  sha256Hex,
  summarizeColumns,
  type FileEntry,
  type Manifest,
  type ManifestSite,
} from './manifest.js';
import { DATA_DIR_TRANSACTION } from './output-dir.js';
import { withOutputTransaction } from '../output-transaction.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { cachedCalibration } from './calibration-cache.js';
import { generateSitesInWorkers, generateWorkerCount } from './parallel-generate.js';

export interface GenerateProgress {
  siteId: string;
  siteIndex: number;
  siteCount: number;
  patientsDone: number;
  patientsTotal: number;
}

export interface WriteDatasetOptions extends GenerateOptions {
  outDir: string;
  /** Worker threads generating sites in parallel (parallel-generate.ts; same bytes); default: the cores for runs of 200,000+ patients, else 1. */
  workers?: number;
  force?: boolean;
  onProgress?: (p: GenerateProgress) => void;
}

export interface WriteDatasetResult {
  manifest: Manifest;
  manifestPath: string;
}

/** SHA-256 of the scenario's normal form (resolved settings, keys sorted; not the file's bytes). */
export function scenarioHash(scenario: Scenario): string {
  const { file: _file, ...normalized } = scenario;
  return sha256Hex(canonicalJson(normalized));
}

export const patientsFileName = (siteId: string): string => `${siteId}.arrow`;
export const visitsFileName = (siteId: string): string => `${siteId}.visits.arrow`;

/** Running statistics of what was generated: recorded in the manifest's ground truth. */
export class RealizedStats {
  n = 0;
  groupCount = [0, 0, 0];
  e4ByGroup = [0, 0, 0];
  e4Observed = [0, 0, 0];
  mmseSum = [0, 0, 0];
  mmseCount = [0, 0, 0];
  eligible = 0;
  positive = 0;
  trueEvents = 0;
  frail = 0;
  frailAssessed = 0;
  riskSum = 0;
  labelRiskSum = 0;

  add(b: ColumnBatch): void {
    const col = (name: string) => b.columns.get(name) as NumericColumn;
    const group = col('true_dx_baseline').values;
    const e4 = col('apoe_e4_carrier');
    const mmse = col('mmse');
    const target = col('target');
    const event = col('true_event').values;
    const risk = col('true_risk').values;
    const labelRisk = col('label_risk').values;
    const pheno = col('frailty_phenotype');
    for (let i = 0; i < b.length; i++) {
      const g = group[i];
      this.groupCount[g]++;
      if (!e4.valid || e4.valid[i]) {
        this.e4Observed[g]++;
        this.e4ByGroup[g] += e4.values[i];
      }
      if (!mmse.valid || mmse.valid[i]) {
        this.mmseSum[g] += mmse.values[i];
        this.mmseCount[g]++;
      }
      if (!target.valid || target.valid[i]) {
        this.eligible++;
        this.positive += target.values[i];
        this.trueEvents += event[i];
        this.riskSum += risk[i];
        this.labelRiskSum += labelRisk[i];
      }
      if (!pheno.valid || pheno.valid[i]) {
        this.frailAssessed++;
        if (pheno.values[i] === 2) this.frail++;
      }
    }
    this.n += b.length;
  }

  toJSON(): Record<string, unknown> {
    const groups = ['CN', 'MCI', 'AD'] as const;
    const byGroup = (f: (g: number) => number | null) => Object.fromEntries(groups.map((name, g) => [name, f(g)]));
    const ratio = (a: number, b: number) => (b > 0 ? round6(a / b) : null);
    return {
      patients: this.n,
      trueDiagnosisMix: byGroup((g) => ratio(this.groupCount[g], this.n)),
      apoeE4RateByGroup: byGroup((g) => ratio(this.e4ByGroup[g], this.e4Observed[g])),
      meanMmseByGroup: byGroup((g) => ratio(this.mmseSum[g], this.mmseCount[g])),
      targetEligible: this.eligible,
      targetPrevalence: ratio(this.positive, this.eligible),
      trueEventRateAmongEligible: ratio(this.trueEvents, this.eligible),
      meanTrueRiskAmongEligible: ratio(this.riskSum, this.eligible),
      meanLabelRiskAmongEligible: ratio(this.labelRiskSum, this.eligible),
      frailPrevalenceAmongAssessed: ratio(this.frail, this.frailAssessed),
    };
  }
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** A site's manifest `groundTruth`: its settings, the solved model and what was realized. */
export function groundTruth(model: SiteModel, stats: RealizedStats): Record<string, unknown> {
  const { id: _id, ...settings } = model.site;
  return {
    settings,
    model: {
      liabilityThresholds: model.thresholds.map(round6),
      frailtyLatentOffset: round6(model.frailtyOffset),
      hazardPerYear: {
        cnToMciBase: round6(model.hazardCnToMci),
        mciToAdBase: round6(model.hazardMciToAd),
        dropout: round6(model.hazardDropout),
      },
      note: 'liability = age/e4/sex/education shifts + N(0,1); diagnosis by thresholds; hazards multiply hazardRatioE4^e4 * hazardRatioPerLatentSd^severityZ; coding is a process over visits (recognition rising with CDR-SB); label_risk = P(recorded target = 1 | latent state, baseline record, coding/dropout/noise)',
    },
    realized: stats.toJSON(),
  };
}

/** Column units of a table's specs (the manifest's `sites[].units`). */
export function unitsOf(specs: ReturnType<typeof patientColumns>): Record<string, string> {
  return Object.fromEntries(specs.filter((s) => s.unit).map((s) => [s.name, s.unit!]));
}

/** A site's manifest entry, from its model, its realized statistics and its written files. */
export function syntheticManifestSite(model: SiteModel, stats: RealizedStats, patients: FileEntry, visits?: FileEntry): ManifestSite {
  const site = model.site;
  return {
    id: site.id,
    name: site.name,
    country: site.country,
    patients: patients.rows,
    visits: visits?.rows ?? 0,
    files: { patients, ...(visits ? { visits } : {}) },
    units: unitsOf(patientColumns(site)),
    groundTruth: groundTruth(model, stats),
  };
}

export interface SyntheticManifestParts {
  seed: number;
  scale: number;
  sites: ManifestSite[];
  /** Patient-table specs of the last site (the manifest's schema). */
  patientSpecs: ColumnSpec[];
  /** Visit-table specs; omitted when no visits table was written. */
  visitSpecs?: ColumnSpec[];
}

/**
 * The manifest of a generated dataset. Shared by `writeSyntheticDataset` and the bench's
 * in-memory generation, so both describe a scenario the same way.
 */
export function buildSyntheticManifest(scenario: Scenario, parts: SyntheticManifestParts): Manifest {
  const { patientSpecs, visitSpecs } = parts;
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    fedageVersion: FEDAGE_VERSION,
    generator: GENERATOR,
    source: 'synthetic',
    scenario: { name: scenario.name, file: basename(scenario.file), sha256: scenarioHash(scenario) },
    seed: parts.seed,
    scale: parts.scale,
    target: scenario.target,
    followUpYears: scenario.followUpYears,
    visitIntervalMonths: scenario.visitIntervalMonths,
    features: featureColumns(patientSpecs, scenario.target).map((c) => c.name),
    groundTruthColumns: patientSpecs.filter((c) => c.role === 'ground_truth').map((c) => c.name),
    schema: {
      patients: summarizeColumns(patientSpecs),
      ...(visitSpecs ? { visits: summarizeColumns(visitSpecs) } : {}),
    },
    sites: parts.sites,
  };
}

/** Where one site's tables go: files (`generate`) or memory (the bench's in-memory dataset). */
export interface SyntheticSinks {
  patients(siteId: string, layout: ArrowTableLayout): ArrowSink;
  /** Absent: no visits table is generated. */
  visits?(siteId: string, layout: ArrowTableLayout): ArrowSink;
}

export interface SyntheticDataset<S extends ArrowSink> {
  manifest: Manifest;
  /** Per site, in scenario order: the sink its patient table went to. */
  sites: { id: string; name: string; units: Record<string, string>; patients: S }[];
}

/**
 * The one path from a scenario to Arrow tables and their manifest, shared by
 * `writeSyntheticDataset` (file sinks) and the bench's in-memory dataset (memory sinks): each
 * site's batches are generated once and streamed to its sinks, which hash the exact bytes of
 * the Arrow file; the manifest is built from those digests.
 */
export function generateSyntheticDataset<S extends ArrowSink>(
  scenario: Scenario,
  opts: GenerateOptions & { onProgress?: (p: GenerateProgress) => void },
  sinks: { patients(siteId: string, layout: ArrowTableLayout): S; visits?(siteId: string, layout: ArrowTableLayout): ArrowSink },
): SyntheticDataset<S> {
  const steps = syntheticDatasetSteps(scenario, opts, sinks);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * generateSyntheticDataset that returns to the event loop after every batch, so a SIGINT or
 * SIGTERM handler (cli/main.ts) runs during generation — not only once the last site is written.
 * The bytes are the same: both drive one generator.
 */
export async function generateSyntheticDatasetAsync<S extends ArrowSink>(
  scenario: Scenario,
  opts: GenerateOptions & { onProgress?: (p: GenerateProgress) => void },
  sinks: { patients(siteId: string, layout: ArrowTableLayout): S; visits?(siteId: string, layout: ArrowTableLayout): ArrowSink },
): Promise<SyntheticDataset<S>> {
  const steps = syntheticDatasetSteps(scenario, opts, sinks);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The generation, one yield per batch written (the drivers above decide what happens between). */
function* syntheticDatasetSteps<S extends ArrowSink>(
  scenario: Scenario,
  opts: GenerateOptions & { onProgress?: (p: GenerateProgress) => void },
  sinks: { patients(siteId: string, layout: ArrowTableLayout): S; visits?(siteId: string, layout: ArrowTableLayout): ArrowSink },
): Generator<void, SyntheticDataset<S>, void> {
  const manifestSites: ManifestSite[] = [];
  const sites: SyntheticDataset<S>['sites'] = [];
  for (const siteIndex of scenario.sites.keys()) {
    const { manifestSite, patients } = yield* siteSteps(scenario, siteIndex, opts, sinks);
    manifestSites.push(manifestSite);
    sites.push({ id: manifestSite.id, name: manifestSite.name, units: { ...manifestSite.units }, patients });
  }
  return { manifest: syntheticManifest(scenario, opts, manifestSites, sinks.visits !== undefined), sites };
}

/** The manifest of a generated dataset from its sites' entries (in scenario order). */
export function syntheticManifest(scenario: Scenario, opts: GenerateOptions, sites: ManifestSite[], withVisits: boolean): Manifest {
  const last = scenario.sites[scenario.sites.length - 1];
  return buildSyntheticManifest(scenario, {
    seed: opts.seed ?? scenario.seed,
    scale: opts.scale ?? 1,
    sites,
    // The schema of the last site's tables (every site has the same columns).
    patientSpecs: patientColumns(last),
    visitSpecs: withVisits ? visitColumns(last) : undefined,
  });
}

/**
 * One site of a scenario generated into its sinks, one yield per batch: its manifest entry and
 * patient sink. A site's bytes depend only on (seed, scale, batch size, the site): the same
 * whichever thread runs it (parallel-generate.ts runs sites on worker threads).
 */
export function* siteSteps<S extends ArrowSink>(
  scenario: Scenario,
  siteIndex: number,
  opts: GenerateOptions & { onProgress?: (p: GenerateProgress) => void },
  sinks: { patients(siteId: string, layout: ArrowTableLayout): S; visits?(siteId: string, layout: ArrowTableLayout): ArrowSink },
): Generator<void, { manifestSite: ManifestSite; patients: S }, void> {
  const withVisits = sinks.visits !== undefined;
  const seed = opts.seed ?? scenario.seed;
  const scale = opts.scale ?? 1;
  const site = scenario.sites[siteIndex];
  const model = siteModelFor(scenario, site, { ...opts, seed, scale }, cachedCalibration(site, seed).calibration);
  const meta = { 'fedage.version': FEDAGE_VERSION, 'fedage.site': site.id, 'fedage.target': scenario.target };
  const pLayout = tableLayout(patientColumns(site), { ...meta, 'fedage.table': 'patients' });
  const pOut = sinks.patients(site.id, pLayout);
  const vLayout = sinks.visits ? tableLayout(visitColumns(site), { ...meta, 'fedage.table': 'visits' }) : null;
  const vOut = sinks.visits && vLayout ? sinks.visits(site.id, vLayout) : null;
  const stats = new RealizedStats();
  try {
    let done = 0;
    for (const batch of generateSiteBatches(model, { ...opts, visits: withVisits })) {
      stats.add(batch.patients);
      pOut.write(toRecordBatch(pLayout, batch.patients));
      if (vOut && vLayout && batch.visits) vOut.write(toRecordBatch(vLayout, batch.visits));
      done += batch.patients.length;
      opts.onProgress?.({ siteId: site.id, siteIndex, siteCount: scenario.sites.length, patientsDone: done, patientsTotal: model.patients });
      yield;
    }
    const pFile = pOut.close();
    const vFile = vOut?.close();
    const manifestSite = syntheticManifestSite(
      model,
      stats,
      { file: basename(pFile.path), rows: pFile.rows, bytes: pFile.bytes, sha256: pFile.sha256 },
      vFile ? { file: basename(vFile.path), rows: vFile.rows, bytes: vFile.bytes, sha256: vFile.sha256 } : undefined,
    );
    return { manifestSite, patients: pOut };
  } catch (err) {
    pOut.abort();
    vOut?.abort();
    throw err;
  }
}

/** The Arrow file sinks of a site in `dir`: the patients file, and the visits file when asked. */
export function siteFileSinks(dir: string, withVisits: boolean) {
  return {
    patients: (siteId: string, layout: ArrowTableLayout) => new ArrowFileWriter(join(dir, patientsFileName(siteId)), layout),
    ...(withVisits ? { visits: (siteId: string, layout: ArrowTableLayout) => new ArrowFileWriter(join(dir, visitsFileName(siteId)), layout) } : {}),
  };
}

/**
 * One site's files written on this thread, a batch per turn of the event loop, so that worker
 * threads generating other sites get their answers (and their next site) between batches.
 */
async function writeSiteHere(scenario: Scenario, siteIndex: number, dir: string, opts: WriteDatasetOptions, stopped: () => boolean): Promise<ManifestSite> {
  const steps = siteSteps(scenario, siteIndex, opts, siteFileSinks(dir, opts.visits ?? true));
  for (;;) {
    // Another thread failed: abandon this site (siteSteps aborts its half-written files).
    if (stopped()) steps.throw(new Error('generation stopped: another site failed'));
    const r = steps.next();
    if (r.done) return r.value.manifestSite;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Writes the dataset into a staging directory next to `outDir` and swaps it in when complete
 * (output-transaction.ts): an interrupted or failed run leaves the previous data intact.
 */
export async function writeSyntheticDataset(scenario: Scenario, opts: WriteDatasetOptions): Promise<WriteDatasetResult> {
  const withVisits = opts.visits ?? true;
  const manifest = await withOutputTransaction(opts.outDir, { ...DATA_DIR_TRANSACTION, force: opts.force ?? false }, async (dir) => {
    const workers = generateWorkerCount(scenario, opts.scale ?? 1, opts.workers);
    const manifest =
      workers > 1
        ? syntheticManifest(scenario, opts, await generateSitesInWorkers(scenario, dir, opts, workers, (siteIndex, stopped) => writeSiteHere(scenario, siteIndex, dir, opts, stopped)), withVisits)
        : (await generateSyntheticDatasetAsync(scenario, opts, siteFileSinks(dir, withVisits))).manifest;
    writeFileAtomic(join(dir, MANIFEST_FILE), manifestText(manifest));
    return manifest;
  });
  return { manifest, manifestPath: join(opts.outDir, MANIFEST_FILE) };
}
