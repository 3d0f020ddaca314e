/**
 * Faults of `fedage vertical --out` (the output transaction of src/report/output-transaction.ts):
 * a full disk while writing a new result directory or replacing one with --force, and SIGKILL
 * while the new results are being written. The previous results stay byte for byte, or the new
 * ones are complete; never a mix; a killed run's staging is cleaned up by the next run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NO_STACK, fedage, fedageLimited, killDuring, leftovers, snapshot } from './cli-harness.js';

const QUICK = ['vertical', 'vertical-4party', '--scale', '0.1', '--encryption', 'masked', '--epochs', '2', '-q'];
const RESULT_FILES = ['report.html', 'results.json', 'results.md'];

export function verticalFaults(): void {
  describe('vertical --out', { concurrency: 1 }, () => {
    let root: string;
    let out: string;
    let good: Map<string, string>;
    before(() => {
      root = mkdtempSync(join(tmpdir(), 'fedage-vertical-faults-'));
      out = join(root, 'results');
      // --force as the re-runs below give it: results.json records the command line.
      const first = fedage([...QUICK, '--out', out, '--force']);
      assert.equal(first.status, 0, first.stderr);
      good = snapshot(out);
      assert.deepEqual([...good.keys()], RESULT_FILES);
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    test('full disk (ulimit -f): vertical into a new directory exits 2 naming the file, creates nothing, leaves nothing', () => {
      const fresh = join(root, 'full-new');
      // 8 KiB: smaller than results.json and report.html.
      const run = fedageLimited(8, [...QUICK, '--out', fresh]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /cannot write \S+: file too large .*EFBIG/);
      assert.doesNotMatch(run.stderr, NO_STACK);
      assert.equal(existsSync(fresh), false);
      assert.deepEqual(leftovers(fresh), []);
    });

    test('full disk (ulimit -f): vertical --force keeps the previous results byte for byte', () => {
      const run = fedageLimited(8, [...QUICK, '--seed', '7', '--out', out, '--force']);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /EFBIG/);
      assert.deepEqual(snapshot(out), good);
      assert.deepEqual(leftovers(out), []);
    });

    test('SIGKILL while vertical --force writes: the previous results or the complete new ones; the next run cleans up', async () => {
      for (const delayMs of [0, 3]) {
        const staging = () => leftovers(out).some((f) => f.includes('.fedage-tmp-'));
        const killed = await killDuring([...QUICK, '--seed', '7', '--out', out, '--force'], 'SIGKILL', staging, delayMs);
        assert.equal(killed.signal, 'SIGKILL');
        const now = snapshot(out);
        assert.deepEqual([...now.keys()], RESULT_FILES, `killed after ${delayMs} ms: files missing`);
        const seed = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { seed: number }).seed;
        if (seed === 7) {
          // The new results, complete: every file is from the seed-7 run.
          for (const f of ['results.md', 'report.html']) assert.notEqual(now.get(f), good.get(f), `killed after ${delayMs} ms: ${f} is from the old run`);
        } else assert.deepEqual(now, good, `killed after ${delayMs} ms: a mix of old and new`);
        const rerun = fedage([...QUICK, '--out', out, '--force']);
        assert.equal(rerun.status, 0, rerun.stderr);
        assert.deepEqual(snapshot(out), good);
        assert.deepEqual(leftovers(out), []);
      }
    });
  });
}
