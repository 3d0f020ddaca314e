/**
 * `fedage vertical --out DIR`: results.json (the VerticalBenchResult), results.md and
 * report.html, through the output transaction (output-transaction.ts): begun before any work,
 * written to a staging directory and swapped in, results.json last; existing files refused
 * without --force.
 */
import { join } from 'node:path';
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
