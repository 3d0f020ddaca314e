/** Writing report.html: refused when it exists unless forced; written atomically. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutputError, OVERWRITE_HINT } from '../errors.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import type { ReportResult } from './extensions.js';
import type { RenderedReport, ReportOptions } from './html.js';

export const REPORT_FILE = 'report.html';

/** Refuses an existing output (or a directory) unless `force`. */
export function checkReportOutput(path: string, force: boolean): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new OutputError(`${path}: expected a file path for the report, found a directory`);
  if (!force && existsSync(path)) throw new OutputError(`${path} already exists; ${OVERWRITE_HINT}`);
}

export async function writeReport(path: string, result: ReportResult, force: boolean, opts: ReportOptions = {}): Promise<RenderedReport> {
  checkReportOutput(path, force);
  // Vega and Vega-Lite take ~0.4 s to load: only commands that write a report pay for them.
  const { renderReport } = await import('./html.js');
  const report = await renderReport(result, opts);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, report.html);
  return report;
}
