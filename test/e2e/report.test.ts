/**
 * `fedage report` (built CLI): rebuilds report.html from a saved results.json byte for byte as
 * `fedage bench --out` wrote it; refuses to overwrite without --force; a missing file or a file
 * that is not a bench result is exit 2 naming it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fedage report (built CLI)', () => {
  let root: string;
  let out: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fedage-report-e2e-'));
    out = join(root, 'bench');
    const run = fedage('bench', 'scenarios/alzheimers-3site.yaml', '--seeds', '2', '--rounds', '3', '--arms', 'central,local,fedavg', '--out', out);
    assert.equal(run.status, 0, run.stderr);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('rebuilds the report bench wrote, byte for byte, next to results.json', () => {
    const written = readFileSync(join(out, 'report.html'), 'utf8');
    const refused = fedage('report', join(out, 'results.json'));
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /report\.html already exists; use --force to overwrite/);
    assert.equal(readFileSync(join(out, 'report.html'), 'utf8'), written);
    const forced = fedage('report', join(out, 'results.json'), '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stderr, /report: wrote .*report\.html \(\d+ plots\)/);
    assert.equal(readFileSync(join(out, 'report.html'), 'utf8'), written);
    assert.match(written, /fedage bench scenarios\/alzheimers-3site\.yaml --seeds 2 --rounds 3 --arms central,local,fedavg --out /);
  });

  test('--out: a new file anywhere, its directory created; stdout stays empty', () => {
    const target = join(root, 'review', 'nested', 'r.html');
    const run = fedage('report', join(out, 'results.json'), '--out', target);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.ok(statSync(target).size > 10_000);
    // The rebuild command in the report points from the report to results.json.
    assert.match(readFileSync(target, 'utf8'), /fedage report \.\.\/\.\.\/bench\/results\.json --out report\.html --force/);
    const again = fedage('report', join(out, 'results.json'), '--out', target);
    assert.equal(again.status, 2);
  });

  test('a directory as --out is refused (exit 2)', () => {
    const dir = join(root, 'a-dir');
    mkdirSync(dir);
    const run = fedage('report', join(out, 'results.json'), '--out', dir, '--force');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /expected a file path for the report, found a directory/);
  });

  test('a missing file, a file that is not a bench result, invalid JSON: exit 2 naming the file, nothing written', () => {
    const missing = fedage('report', join(root, 'nope', 'results.json'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\/results\.json: expected a results\.json written by `fedage bench`, found no such file/);
    assert.ok(!existsSync(join(root, 'nope')));

    const other = fedage('report', 'package.json', '--out', join(root, 'x.html'));
    assert.equal(other.status, 2);
    assert.match(other.stderr, /package\.json at format: expected "fedage-bench-results"/);
    assert.ok(!existsSync(join(root, 'x.html')));

    const broken = join(root, 'broken.json');
    writeFileSync(broken, '{"format": "fedage-bench-results",\n"formatVersion": 1,\n}');
    const bad = fedage('report', broken, '--out', join(root, 'y.html'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /broken\.json:3:1: expected .*found invalid JSON/);
  });

  test('an older results.json without dataSummary and argv renders (exit 0)', () => {
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    delete results.dataSummary;
    delete results.argv;
    const old = join(root, 'old.json');
    writeFileSync(old, JSON.stringify(results));
    const run = fedage('report', old, '--out', join(root, 'old.html'));
    assert.equal(run.status, 0, run.stderr);
    assert.match(readFileSync(join(root, 'old.html'), 'utf8'), /The command line was not recorded/);
  });

  test('--help names the command with an example; a missing argument is exit 2', () => {
    const help = fedage('report', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /fedage report bench-out\/results\.json/);
    assert.equal(fedage('report').status, 2);
  });
});
