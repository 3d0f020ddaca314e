/** `fedage export <data-dir> --format parquet|csv [--out DIR]`: an Arrow data directory for other tools. */
import type { Command } from 'commander';
import { FORCE_FLAG } from './flags.js';
import { QUIET_FLAG, createProgress } from './progress.js';
import type { ExportFormat, ExportProgress, ExportResult } from '../data/export/export-dataset.js';

export interface ExportCommandOptions {
  format: string;
  out?: string;
  force?: boolean;
  quiet?: boolean;
}

/** The default output directory: `<data-dir>-parquet` or `<data-dir>-csv` beside the source. */
export function defaultExportDir(dir: string, format: ExportFormat): string {
  return `${dir.replace(/[\\/]+$/, '')}-${format}`;
}

export function exportProgressLine(p: ExportProgress): string {
  return `export: site ${p.siteIndex + 1}/${p.siteCount} ${p.siteId} ${p.table}: ${p.rows} rows -> ${p.file}`;
}

export function formatExportSummary(r: ExportResult, outDir: string, seconds: number): string {
  const bytes = r.files.reduce((a, f) => a + f.bytes, 0);
  const rows = r.files.reduce((a, f) => a + f.rows, 0);
  return [
    `exported ${r.files.length} ${r.manifest.fileFormat} files (${rows} rows, ${(bytes / 1e6).toFixed(1)} MB) into ${outDir} in ${seconds.toFixed(1)} s`,
    `  data dictionary: ${r.dictionaryPath}`,
    `  manifest: ${r.manifestPath}`,
  ].join('\n');
}

export async function exportCommand(dir: string, o: ExportCommandOptions): Promise<string> {
  // Loaded on use: start-up pays only for the command that runs (issue 19).
  const { exportDataset, parseExportFormat } = await import('../data/export/export-dataset.js');
  const format = parseExportFormat(o.format) as ExportFormat;
  const outDir = o.out ?? defaultExportDir(dir, format);
  const t0 = performance.now();
  // Every file is a line: an export writes two files per site, each worth reporting.
  const progress = createProgress('export', { quiet: o.quiet, intervalMs: 0 });
  const result = await exportDataset(dir, {
    format,
    outDir,
    force: o.force ?? false,
    onProgress: (p) => progress.update({ done: p.siteIndex + 1, total: p.siteCount, detail: exportProgressLine(p).slice('export: '.length), phase: p.file, counted: false }),
  });
  progress.stop();
  return formatExportSummary(result, outDir, (performance.now() - t0) / 1000);
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('rewrite an Arrow data directory as Parquet or CSV (with a data dictionary) for R, pandas, DuckDB or Stata')
    .argument('<data-dir>', 'data directory written by `fedage generate` or `fedage import`')
    .requiredOption('--format <format>', 'parquet or csv')
    .option('-o, --out <dir>', 'output directory (default: <data-dir>-<format>; must be empty unless --force)')
    .option(...FORCE_FLAG)
    .option(...QUIET_FLAG)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage export data/ --format parquet',
        '  $ fedage export data/ --format csv --out data-csv/',
        '',
        'Output: <site>.<format> and <site>.visits.<format> per site, data-dictionary.csv, manifest.json (files and SHA-256).',
        'Parquet keeps each column\'s role, unit and description in its key-value metadata (key "fedage", JSON).',
        'The source is verified against its manifest first. Exit codes: 0 ok, 2 invalid input or non-empty --out.',
      ].join('\n'),
    )
    .action(async (dir: string, o: ExportCommandOptions) => {
      process.stdout.write(`${await exportCommand(dir, o)}\n`);
    });
}
