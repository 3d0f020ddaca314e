/**
 * Issue 13, unbounded inputs (built CLI): a scenario over the size cap is refused naming the
 * file, its size and the cap; a scenario with tens of thousands of stray keys ends with exit 2
 * and a bounded report (parsing is linear; see `npm run perf:parse` for the figures).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NO_STACK = /\n\s+at .*\(|internal error/;

function fedage(timeoutMs: number, ...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scenario size and key-count limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-limits-e2e-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const base = readFileSync(join(REPO_ROOT, 'scenarios/alzheimers-3site.yaml'), 'utf8');

  test('validate: a 12 MB scenario is exit 2 naming the file, its size and the 10 MB cap; no stack', () => {
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, `${base}\n# ${'padding '.repeat(1_500_000)}\n`);
    const run = fedage(60_000, 'validate', file);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: expected a scenario file of at most 10\\.0 MB \\(10485760 bytes\\), found \\d+ bytes \\(11\\.\\d MB\\)`));
    assert.doesNotMatch(run.stderr, NO_STACK);
  });

  test('validate: 40,000 stray keys end (exit 2) with a 100-line report and the total', () => {
    const file = join(dir, 'stray.yaml');
    writeFileSync(file, `${base}\n${Array.from({ length: 40_000 }, (_, i) => `extra${i}: ${i}`).join('\n')}\n`);
    const run = fedage(120_000, 'validate', file);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /40000 problems in .*stray\.yaml; the first 100 \(top to bottom\) are listed/);
    assert.equal(run.stderr.split('\n').filter((l) => l.includes('unknown key `extra')).length, 100);
    assert.doesNotMatch(run.stderr, NO_STACK);
  });
});
