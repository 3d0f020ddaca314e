/** `fedage report <results.json>`: rebuild report.html from saved bench results. */
import { basename, dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { FORCE_FLAG } from './flags.js';
import { REPORT_FILE, writeReport } from '../report/write-report.js';

export interface ReportCommandOptions {
  out?: string;
  force?: boolean;
}

export async function reportCommand(resultsPath: string, o: ReportCommandOptions): Promise<void> {
  // Loaded on use: start-up pays only for the command that runs (issue 19).
  const { readResultsFile } = await import('../report/read-results.js');
  const out = o.out ?? join(dirname(resultsPath), REPORT_FILE);
  const { readVerticalResults, writeVerticalReport } = await import('../report/vertical-outputs.js');
  const vertical = readVerticalResults(resultsPath);
  if (vertical) {
    writeVerticalReport(out, vertical, o.force ?? false);
    process.stderr.write(`report: wrote ${out} (vertical run)\n`);
    return;
  }
  const result = readResultsFile(resultsPath);
  // The rebuild command in the report names results.json as seen from the report's directory.
  const fromReport = relative(dirname(out), resultsPath) || basename(resultsPath);
  const report = await writeReport(out, result, o.force ?? false, { resultsPath: fromReport });
  process.stderr.write(`report: wrote ${out} (${report.figures.length} plots${report.renderWarnings.length > 0 ? `, ${report.renderWarnings.length} rendering warnings` : ''})\n`);
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('rebuild the self-contained HTML report (plots, privacy, gates, provenance) from a saved results.json')
    .argument('<results.json>', 'results.json written by `fedage bench --out` or `fedage vertical --out`')
    .option('-o, --out <file>', `where to write the report (default: ${REPORT_FILE} next to results.json)`)
    .option(...FORCE_FLAG)
    .addHelpText('after', '\nExamples:\n  fedage report bench-out/results.json\n  fedage report bench-out/results.json --out review/report.html --force')
    .action(async (resultsPath: string, o: ReportCommandOptions) => reportCommand(resultsPath, o));
}
