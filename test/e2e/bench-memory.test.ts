/**
 * The bench's memory estimate refuses a run that would not fit before any data is generated or
 * loaded (exit 2, the estimate, the flags that override it), quickly and without allocating.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { estimateBenchMemory } from '../../src/bench/memory-estimate.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function fedage(...args: string[]) {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', 'bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

describe('bench memory estimate', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedage-memory-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  // The default scenario with 10 million patients per site (30 M rows).
  const huge = join(root, 'huge.yaml');
  writeFileSync(huge, readFileSync(join(REPO_ROOT, 'scenarios/alzheimers-3site.yaml'), 'utf8').replace(/^(\s+)patients: \d+/gm, '$1patients: 10000000'));

  test('a 30 M-patient scenario is refused before generation: exit 2 with the estimate and both overriding flags, in a 512 MiB heap', () => {
    const run = fedage('bench', huge, '--seeds', '2');
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^fedage: bench: estimated peak memory \d+ GiB exceeds the limit/);
    assert.match(run.stderr, /input tables \d+(\.\d)? GiB/);
    assert.match(run.stderr, /--max-memory <GiB>/);
    assert.match(run.stderr, /--no-memory-check/);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/);
    // Generating 30 M patients takes minutes and gigabytes; the refusal takes start-up time only.
    assert.ok(run.ms < 30_000, `${run.ms} ms`);
  });

  test('--max-memory sets the limit (a tiny one refuses even the default scenario, naming the flag); --dry-run is checked too', () => {
    const run = fedage('bench', 'scenarios/alzheimers-3site.yaml', '--seeds', '1', '--max-memory', '0.01');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /exceeds the limit 10 MiB \(set by --max-memory\)/);
    const dry = fedage('bench', huge, '--dry-run');
    assert.equal(dry.status, 2);
    assert.match(dry.stderr, /estimated peak memory/);
    const both = fedage('bench', huge, '--max-memory', '1', '--no-memory-check');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /exclude each other/);
    const bad = fedage('bench', huge, '--max-memory', 'lots');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--max-memory: expected a number/);
  });

  test('the estimate grows linearly in rows and seeds, and each part is as documented', () => {
    const base = { rows: 10_000, inputBytes: null, featureColumns: 36, seeds: 2, workers: 1, arms: 5 };
    const a = estimateBenchMemory(base);
    const b = estimateBenchMemory({ ...base, rows: 20_000 });
    const fixed = 300 * 2 ** 20;
    assert.ok(Math.abs((b.bytes - fixed) / (a.bytes - fixed) - 2) < 1e-9);
    const d = Math.ceil(36 * 2.5);
    assert.equal(a.parts[0].bytes, 10_000 * 200);
    assert.equal(a.parts[1].bytes, 2 * 10_000 * (8 * d + 48));
    assert.equal(a.parts[2].bytes, 10_000 * 8 * d);
    // Worker threads share the prepared seed (no clone): two seeds in training at a time.
    assert.equal(estimateBenchMemory({ ...base, workers: 2 }).parts[2].bytes, 2 * 10_000 * 8 * d);
    // Without kept matrices only the live seeds (one per worker) are held.
    assert.equal(estimateBenchMemory({ ...base, seeds: 5, keepMatrices: false }).parts[1].bytes, 10_000 * (8 * d + 48));
    assert.equal(estimateBenchMemory({ ...base, seeds: 5 }).parts[1].bytes, 5 * 10_000 * (8 * d + 48));
    // Arrow files larger than 200 B per row count as they are.
    assert.equal(estimateBenchMemory({ ...base, inputBytes: 5e6 }).parts[0].bytes, 5e6);
  });
});
