/** `fedage generate <scenario> --out DIR`: one Arrow file per site plus a manifest. */
import type { Command } from 'commander';
import { FORCE_FLAG, MAX_SCALE, parseScale, parseWorkers } from './flags.js';
import { QUIET_FLAG, createProgress, type ProgressUpdate } from './progress.js';
import { UsageError } from '../errors.js';
import { exportProgressLine } from './export.js';
import type { GenerateProgress, WriteDatasetResult } from '../data/write-dataset.js';
import type { ExportProgress } from '../data/export/export-dataset.js';
import type { Scenario } from '../scenario/schema.js';
import { join } from 'node:path';

export interface GenerateCommandOptions {
  out: string;
  seed?: string;
  scale?: string;
  force?: boolean;
  visits?: boolean;
  format?: string;
  quiet?: boolean;
  workers?: string;
}

function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seed = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed) || seed > 2 ** 32 - 1) {
    throw new UsageError(`--seed: expected an integer between 0 and 4294967295, found "${text}"`);
  }
  return seed;
}

/** A generator progress event as a progress update: patients of the current site. */
export function generateProgressUpdate(p: GenerateProgress): ProgressUpdate {
  return {
    done: p.patientsDone,
    total: p.patientsTotal,
    detail: `site ${p.siteIndex + 1}/${p.siteCount} ${p.siteId}: ${p.patientsDone}/${p.patientsTotal} patients`,
    phase: p.siteId,
    counted: false,
  };
}

function progressReporter(isTty: boolean, quiet: boolean): { onProgress: (p: GenerateProgress) => void; onExportProgress: (p: ExportProgress) => void; stop: () => void } {
  const r = createProgress('generate', { isTty, quiet });
  return {
    onProgress: (p) => r.update(generateProgressUpdate(p)),
    // Then the conversion of the generated Arrow files (--format parquet|csv), one update per file.
    onExportProgress: (p) => r.update({ done: p.siteIndex + 1, total: p.siteCount, detail: exportProgressLine(p).slice('export: '.length), phase: p.file, counted: false }),
    stop: () => r.stop(),
  };
}

export function formatGenerateSummary(result: WriteDatasetResult, outDir: string, seconds: number): string {
  const m = result.manifest;
  const rows = m.sites.map((s) => {
    const gt = (s.groundTruth?.realized ?? {}) as { targetPrevalence?: number | null; targetEligible?: number };
    const prev = gt.targetPrevalence == null ? 'n/a' : `${(100 * gt.targetPrevalence).toFixed(1)}%`;
    return `  ${s.id.padEnd(24)} ${String(s.patients).padStart(9)} patients ${String(s.visits).padStart(10)} visits   target ${prev} of ${gt.targetEligible ?? 0} eligible`;
  });
  const total = m.sites.reduce((a, s) => a + s.patients, 0);
  return [
    `generated "${m.scenario.name}" (seed ${m.seed}, scale ${m.scale}, target ${m.target}) into ${outDir} in ${seconds.toFixed(1)} s`,
    ...rows,
    `  ${'total'.padEnd(24)} ${String(total).padStart(9)} patients`,
    `  manifest: ${result.manifestPath}`,
  ].join('\n');
}

export async function generateCommand(scenarioPath: string, options: GenerateCommandOptions, isTty = Boolean(process.stderr.isTTY)): Promise<string> {
  // Loaded on use: start-up pays only for the command that runs (issue 19).
  const [{ loadScenario }, { generateExport, parseExportFormat }, { writeSyntheticDataset }] = await Promise.all([
    import('../scenario/parse.js'),
    import('../data/export/export-dataset.js'),
    import('../data/write-dataset.js'),
  ]);
  const seed = parseSeed(options.seed);
  const scale = parseScale(options.scale);
  const workers = parseWorkers(options.workers);
  const scenario = await loadScenario(scenarioPath);
  if (scenario.vertical) return generateVertical(scenario, options, seed, scale);
  const progress = progressReporter(isTty, options.quiet ?? false);
  const t0 = performance.now();
  try {
    const format = parseExportFormat(options.format ?? 'arrow', '--format', true);
    if (format !== 'arrow') {
      const exportOpts = { outDir: options.out, seed, scale, force: options.force ?? false, visits: options.visits ?? true, onProgress: progress.onProgress, onExportProgress: progress.onExportProgress, format };
      const { exported } = await generateExport(scenario, exportOpts);
      progress.stop();
      return formatGenerateSummary(exported, options.out, (performance.now() - t0) / 1000);
    }
    const result = await writeSyntheticDataset(scenario, {
      outDir: options.out,
      seed,
      scale,
      force: options.force ?? false,
      visits: options.visits ?? true,
      onProgress: progress.onProgress,
      ...(workers !== undefined ? { workers } : {}),
    });
    progress.stop();
    return formatGenerateSummary(result, options.out, (performance.now() - t0) / 1000);
  } finally {
    progress.stop();
  }
}

/** A vertical scenario: one Arrow file per party, the ground truth and the manifest. */
async function generateVertical(scenario: Scenario, options: GenerateCommandOptions, seed: number | undefined, scale: number | undefined): Promise<string> {
  if (options.format !== undefined && options.format !== 'arrow') throw new UsageError(`--format ${options.format}: a vertical scenario is generated as Arrow files only`);
  const { writeVerticalDataset } = await import('../vertical/vertical-dataset.js');
  const t0 = performance.now();
  const { manifest, manifestPath } = await writeVerticalDataset(scenario, { outDir: options.out, seed, scale, force: options.force ?? false });
  const rows = manifest.parties.map(
    (p) => `  ${p.id.padEnd(24)} ${String(p.records).padStart(9)} records ${String(p.features.length).padStart(4)} features${p.label ? '   label holder' : ''}`,
  );
  return [
    `generated vertical "${manifest.scenario.name}" (seed ${manifest.seed}, scale ${manifest.scale}, target ${manifest.target}) into ${options.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    ...rows,
    `  ${'population'.padEnd(24)} ${String(manifest.population.patients).padStart(9)} patients, ${manifest.overlap.allParties} held by every party`,
    `  ground truth: ${join(options.out, manifest.groundTruth.file.file)} (not for the parties)`,
    `  manifest: ${manifestPath}`,
  ].join('\n');
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate one Arrow file per site (patients and visits) and a manifest from a scenario')
    .argument('<scenario>', 'scenario YAML file')
    .requiredOption('-o, --out <dir>', 'output directory (created if missing; must be empty unless --force)')
    .option('--seed <n>', 'override the scenario seed (integer 0..4294967295)')
    .option('--scale <f>', `multiply every site size by f, at most ${MAX_SCALE} (e.g. 0.1 for a quick run, 10 for load tests)`)
    .option(...FORCE_FLAG)
    .option('--no-visits', 'skip the longitudinal visits tables')
    .option('--format <format>', 'arrow (default), parquet or csv (as `fedage export`: with a data dictionary)')
    .option('--workers <n>', 'threads generating sites in parallel, this one included, same bytes (default: cores from 200,000 patients, else 1)')
    .option(...QUIET_FLAG)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage generate scenarios/alzheimers-3site.yaml --out data/',
        '  $ fedage generate scenarios/consortium-10site.yaml --out big/ --scale 10 --seed 7',
        '',
        'Output: <out>/<site>.arrow (patients), <out>/<site>.visits.arrow, <out>/manifest.json',
        '(with --format parquet|csv: <site>.parquet|.csv files and data-dictionary.csv, as `fedage export`).',
        'A vertical scenario (with a `vertical:` section) gives <out>/<party>.arrow per party, ground-truth.arrow and manifest.json.',
        '<scenario> may be a shipped scenario\'s name (see `fedage scenarios`).',
        'Same scenario and seed give byte-identical files. Exit codes: 0 ok, 2 invalid input or non-empty --out.',
      ].join('\n'),
    )
    .action(async (scenarioPath: string, options: GenerateCommandOptions) => {
      const summary = await generateCommand(scenarioPath, options);
      process.stdout.write(`${summary}\n`);
    });
}
