/** `fedage audit --out DIR`: results.json (`{ "audit": … }`), results.md and report.html, as one output transaction. */
import { join } from 'node:path';
import { OutputTransaction } from '../output-transaction.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import type { AuditResult } from '../audit/types.js';
import { auditMarkdown } from './audit-markdown.js';

export const AUDIT_OUTPUT_FILES = ['results.json', 'results.md', 'report.html'] as const;

export function beginAuditOutput(dir: string, force: boolean): OutputTransaction {
  return OutputTransaction.begin(dir, {
    force,
    ownsEntry: (name) => (AUDIT_OUTPUT_FILES as readonly string[]).includes(name),
    requireEmpty: false,
    lastFile: 'results.json',
    what: 'audit output',
  });
}

export function auditJson(result: AuditResult): string {
  return `${JSON.stringify({ audit: result }, null, 2)}\n`;
}

export async function writeAuditOutputs(dir: string, result: AuditResult): Promise<void> {
  const { renderAuditReport } = await import('./audit-html.js');
  const files: [string, string][] = [
    ['results.md', auditMarkdown(result)],
    ['report.html', await renderAuditReport(result)],
    ['results.json', auditJson(result)],
  ];
  for (const [name, data] of files) writeFileAtomic(join(dir, name), data);
}
