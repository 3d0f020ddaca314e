/** `fedage export` and `generate --format`, through the built CLI. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'fedage.js');
const work = mkdtempSync(join(tmpdir(), 'fedage-e2e-export-'));
after(() => rmSync(work, { recursive: true, force: true }));

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SCENARIO = join(REPO_ROOT, 'scenarios', 'alzheimers-3site.yaml');
const SITES = ['us-academic', 'se-memory', 'us-community'];

describe('fedage export (built CLI)', () => {
  before(() => {
    const g = fedage('generate', SCENARIO, '--out', 'data', '--scale', '0.05');
    assert.equal(g.status, 0, g.stderr);
  });

  test('parquet: one file per site and table, a data dictionary and a manifest; progress on stderr', () => {
    const r = fedage('export', 'data', '--format', 'parquet');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^exported 6 parquet files \(\d+ rows, [\d.]+ MB\) into data-parquet in [\d.]+ s\n/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 6);
    assert.match(r.stderr, /^export: site 1\/3 us-academic patients: \d+ rows -> data-parquet\/us-academic\.parquet$/m);
    const expected = ['data-dictionary.csv', 'manifest.json', ...SITES.flatMap((s) => [`${s}.parquet`, `${s}.visits.parquet`])].sort();
    assert.deepEqual(readdirSync(join(work, 'data-parquet')).sort(), expected);
    const m = JSON.parse(readFileSync(join(work, 'data-parquet', 'manifest.json'), 'utf8')) as { fileFormat: string; sites: { files: { patients: { file: string } } }[] };
    assert.equal(m.fileFormat, 'parquet');
    assert.deepEqual(m.sites.map((s) => s.files.patients.file), SITES.map((s) => `${s}.parquet`));
  });

  test('csv with --out; a non-empty --out is refused without --force (exit 2)', () => {
    const r = fedage('export', 'data', '--format', 'csv', '--out', 'csv-out');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readdirSync(join(work, 'csv-out')).includes('us-academic.visits.csv'));
    const again = fedage('export', 'data', '--format', 'csv', '--out', 'csv-out');
    assert.equal(again.status, 2);
    assert.match(again.stderr, /^fedage: csv-out: output directory is not empty; use --force/);
    assert.equal(fedage('export', 'data', '--format', 'csv', '--out', 'csv-out', '--force').status, 0);
  });

  test('bad input: unknown format, missing --format, a directory without manifest, a tampered file (exit 2)', () => {
    const xml = fedage('export', 'data', '--format', 'xml');
    assert.equal(xml.status, 2);
    assert.equal(xml.stderr, 'fedage: --format: expected one of parquet, csv, found "xml"\n');
    assert.equal(fedage('export', 'data').status, 2);
    const none = fedage('export', 'nowhere', '--format', 'csv');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /nowhere/);
  });

  test('bench reads its own Parquet export with results identical to the Arrow directory', () => {
    const arrow = fedage('bench', 'data', '--seeds', '2', '--json');
    const parquet = fedage('bench', 'data-parquet', '--seeds', '2', '--json');
    assert.equal(arrow.status, 0, arrow.stderr);
    assert.equal(parquet.status, 0, parquet.stderr);
    const a = JSON.parse(arrow.stdout) as Record<string, unknown>;
    const p = JSON.parse(parquet.stdout) as Record<string, unknown>;
    assert.deepEqual(p.summary, a.summary);
    assert.deepEqual(p.perSeed, a.perSeed);
    assert.ok(Array.isArray(a.summary) && a.summary.length > 0);
  });

  test('a CSV export for bench, and any export for inspect, is refused with a message saying what to run instead (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [['bench', 'csv-out'], /^fedage: csv-out: this command reads Arrow or Parquet data directories, and this is a CSV export \(written by fedage export or generate --format csv\) for other tools: run it on the Arrow directory/],
      [['inspect', 'data-parquet'], /^fedage: data-parquet: this command reads Arrow data directories, and this is a Parquet export/],
      [['inspect', 'csv-out', '--verify'], /^fedage: csv-out: this command reads Arrow data directories, and this is a CSV export/],
    ];
    for (const [args, message] of cases) {
      const r = fedage(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  test('generate --format parquet|csv gives the same bytes as generate + export, and no scratch directory is left', () => {
    for (const format of ['parquet', 'csv']) {
      const g = fedage('generate', SCENARIO, '--out', `gen-${format}`, '--scale', '0.05', '--format', format);
      assert.equal(g.status, 0, g.stderr);
      const exported = format === 'parquet' ? 'data-parquet' : 'csv-out';
      for (const f of readdirSync(join(work, exported))) {
        assert.ok(readFileSync(join(work, `gen-${format}`, f)).equals(readFileSync(join(work, exported, f))), `${format}: ${f}`);
      }
    }
    assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.')), []);
    const bad = fedage('generate', SCENARIO, '--out', 'x', '--format', 'xlsx');
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'fedage: --format: expected one of arrow, parquet, csv, found "xlsx"\n');
  });
});
