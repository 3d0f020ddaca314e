/**
 * Fault injection for `fedage export` and `generate --format parquet|csv`, which write through
 * the same output transaction as `generate` (lock, staging directory, swap): a full disk, SIGKILL
 * and SIGINT mid-export, two writers, --force semantics. Each run leaves the previous export byte
 * for byte, or a complete new one that verifies, never a mix; no staging, scratch or lock remains.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NO_STACK, REPO_ROOT, fedage, fedageLimited, killDuring, leftovers, snapshot } from './cli-harness.js';

const SMALL = 'scenarios/alzheimers-3site.yaml';

const fileFormatOf = (dir: string): string => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).fileFormat;
/** Every file the export's manifest lists exists with its SHA-256 (inspect reads Arrow directories only). */
function verifies(dir: string): boolean {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const entries = [m.dataDictionary, ...m.sites.flatMap((s: any) => [s.files.patients, s.files.visits].filter(Boolean))];
  return entries.every((e: any) => existsSync(join(dir, e.file)) && createHash('sha256').update(readFileSync(join(dir, e.file))).digest('hex') === e.sha256);
}

/** Registered by faults.test.ts, where it runs beside the other fault groups. */
export function exportFaults(): void {
describe('export and generate --format', { concurrency: 1 }, () => {
  let root: string;
  let data: string;
  let out: string;
  let good: Map<string, string>;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fedage-export-faults-'));
    chmodSync(root, 0o755);
    data = join(root, 'data');
    assert.equal(fedage(['generate', SMALL, '--scale', '0.25', '--out', data]).status, 0);
    out = join(root, 'export');
    const first = fedage(['export', data, '--format', 'csv', '--out', out]);
    assert.equal(first.status, 0, first.stderr);
    good = snapshot(out);
    assert.ok(verifies(out));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('--force semantics: refused without it; with it the whole export is replaced (no stale csv beside parquet); foreign files are never deleted', () => {
    const again = fedage(['export', data, '--format', 'parquet', '--out', out]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /not empty; use --force/);
    assert.deepEqual(snapshot(out), good);
    const forced = fedage(['export', data, '--format', 'parquet', '--out', out, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(readdirSync(out).every((f) => !f.endsWith('.csv') || f === 'data-dictionary.csv'));
    assert.equal(fileFormatOf(out), 'parquet');
    assert.ok(verifies(out));
    const mixed = join(root, 'mixed');
    assert.equal(fedage(['export', data, '--format', 'csv', '--out', mixed]).status, 0);
    writeFileSync(join(mixed, 'notes.txt'), 'mine');
    const refused = fedage(['generate', SMALL, '--scale', '0.1', '--format', 'parquet', '--out', mixed, '--force']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /notes\.txt/);
    assert.equal(readFileSync(join(mixed, 'notes.txt'), 'utf8'), 'mine');
    // Back to the good CSV export for the next tests.
    assert.equal(fedage(['export', data, '--format', 'csv', '--out', out, '--force']).status, 0);
    assert.deepEqual(snapshot(out), good);
    assert.deepEqual(leftovers(out), []);
  });

  test('full disk (ulimit -f): export --force exits 2 naming the file; the previous export is intact', () => {
    const run = fedageLimited(32, ['export', data, '--format', 'parquet', '--out', out, '--force']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /EFBIG/);
    assert.doesNotMatch(run.stderr, NO_STACK);
    assert.deepEqual(snapshot(out), good);
    assert.deepEqual(leftovers(out), []);
  });

  test('SIGKILL during export --force and generate --format --force: old export intact or new complete; the next run cleans up', async () => {
    const staging = () => leftovers(out).some((f) => f.includes('.fedage-tmp-'));
    for (const args of [
      ['export', data, '--format', 'parquet', '--out', out, '--force'],
      ['generate', SMALL, '--format', 'parquet', '--out', out, '--force'],
    ]) {
      const killed = await killDuring(args, 'SIGKILL', staging, 150);
      assert.equal(killed.signal, 'SIGKILL');
      if (fileFormatOf(out) === 'csv') assert.deepEqual(snapshot(out), good, `${args[0]}: a mix of old and new`);
      else assert.ok(verifies(out), `${args[0]}: the new export does not verify`);
      const rerun = fedage(['export', data, '--format', 'csv', '--out', out, '--force']);
      assert.equal(rerun.status, 0, rerun.stderr);
      assert.deepEqual(snapshot(out), good);
      assert.deepEqual(leftovers(out), []);
    }
  });

  test('SIGINT during generate --format parquet --force: exit 130, previous export intact, no staging, scratch or lock left', async () => {
    const staging = () => leftovers(out).some((f) => f.includes('.fedage-tmp-'));
    const run = await killDuring(['generate', SMALL, '--format', 'parquet', '--out', out, '--force'], 'SIGINT', staging, 100);
    assert.ok(run.code === 130 || run.code === 0, `exit ${run.code} ${run.stderr}`);
    assert.deepEqual(leftovers(out), []);
    if (run.code === 130) assert.deepEqual(snapshot(out), good);
    else assert.ok(verifies(out));
    assert.ok(!readdirSync(root).some((f) => f.includes('arrow-')), 'a scratch Arrow directory was left');
    assert.equal(fedage(['export', data, '--format', 'csv', '--out', out, '--force']).status, 0);
  });

  test('two exports at once into one new directory: one writes, the other exits 2; the result verifies', async () => {
    const shared = join(root, 'shared');
    const start = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, ['bin/fedage.js', 'export', data, '--format', 'parquet', '--out', shared], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        c.stderr.on('data', (d) => (stderr += d));
        c.on('exit', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([start(), start()]);
    assert.deepEqual(results.map((r) => r.code).sort(), [0, 2], results.map((r) => r.stderr).join('\n'));
    const loser = results.find((r) => r.code === 2)!;
    assert.match(loser.stderr, /being written by another fedage run \(pid \d+|output directory is not empty|export directory is not empty/);
    assert.doesNotMatch(loser.stderr, NO_STACK);
    assert.ok(verifies(shared));
    assert.deepEqual(leftovers(shared), []);
  });
});
}
