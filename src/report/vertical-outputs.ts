/**
 * `fedage vertical --out DIR`: results.json (the VerticalBenchResult), results.md and
 * report.html, through the output transaction (output-transaction.ts): begun before any work,
 * written to a staging directory and swapped in, results.json last; existing files refused
 * without --force.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { InputError } from '../errors.js';
import { VERTICAL_RESULT_FORMAT } from '../vertical/run-vertical.js';
import { checkReportOutput } from './write-report.js';
import { OutputTransaction } from '../output-transaction.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import type { VerticalBenchResult } from '../vertical/run-vertical.js';
import { verticalReportHtml } from './vertical-html.js';
import { verticalMarkdown } from './vertical-text.js';

export const VERTICAL_OUTPUT_FILES = ['results.json', 'results.md', 'report.html'] as const;

export function beginVerticalOutput(dir: string, force: boolean): OutputTransaction {
  return OutputTransaction.begin(dir, {
    force,
    ownsEntry: (name) => (VERTICAL_OUTPUT_FILES as readonly string[]).includes(name),
    requireEmpty: false,
    lastFile: 'results.json',
    what: 'vertical output',
  });
}

export function verticalResultsJson(result: VerticalBenchResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

export function writeVerticalOutputs(dir: string, result: VerticalBenchResult): void {
  writeFileAtomic(join(dir, 'results.md'), verticalMarkdown(result));
  writeFileAtomic(join(dir, 'report.html'), verticalReportHtml(result));
  writeFileAtomic(join(dir, 'results.json'), verticalResultsJson(result));
}

/**
 * A results.json of `fedage vertical`, or null when the file is another kind (a bench's: the
 * caller reads it). Unreadable files and broken JSON are left to the bench reader's errors.
 */
export function readVerticalResults(path: string): VerticalBenchResult | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  const r = parsed as Partial<VerticalBenchResult> | null;
  if (r?.format !== VERTICAL_RESULT_FORMAT) return null;
  if (typeof r.vertical !== 'object' || r.vertical === null || !Array.isArray(r.vertical.arms) || !Array.isArray(r.vertical.parties)) {
    throw new InputError([{ file: path, path: 'vertical', expected: 'the vertical section of a `fedage vertical` results.json (parties, arms, leakage)', found: 'missing or incomplete' }]);
  }
  return r as VerticalBenchResult;
}

/** report.html of a vertical run at `path` (refused when it exists unless force; atomic). */
export function writeVerticalReport(path: string, result: VerticalBenchResult, force: boolean): void {
  checkReportOutput(path, force);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, verticalReportHtml(result));
}
