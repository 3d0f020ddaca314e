import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

/** From dist/test/e2e/ back to the repo root. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = 'scenarios/alzheimers-3site.yaml';
const SITE_IDS = ['us-academic', 'se-memory', 'us-community'];

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
}

describe('fedage generate + inspect (built CLI)', () => {
  let root: string;
  let data: string;
  let first: Map<string, Buffer>;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fedage-e2e-'));
    data = join(root, 'data');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('generate a tiny scenario: exit 0, one patients and visits file per site plus the manifest', () => {
    const run = fedage('generate', SCENARIO, '--scale', '0.05', '--out', data);
    assert.equal(run.status, 0, run.stderr);
    const files = readdirSync(data).sort();
    assert.deepEqual(files, ['manifest.json', ...SITE_IDS.flatMap((id) => [`${id}.arrow`, `${id}.visits.arrow`])].sort());
    for (const id of SITE_IDS) assert.match(run.stdout, new RegExp(id));
    first = snapshot(data);
  });

  test('generating again into the same directory: exit 2, mentions --force', () => {
    const run = fedage('generate', SCENARIO, '--scale', '0.05', '--out', data);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--force/);
    assert.deepEqual(snapshot(data), first);
  });

  test('--force with the same seed rewrites byte-identical files', () => {
    const run = fedage('generate', SCENARIO, '--scale', '0.05', '--out', data, '--force');
    assert.equal(run.status, 0, run.stderr);
    const second = snapshot(data);
    assert.deepEqual([...second.keys()], [...first.keys()]);
    for (const [name, bytes] of first) assert.ok(bytes.equals(second.get(name)!), `${name} differs between runs`);
  });

  test('--seed 2 gives different bytes', () => {
    const other = join(root, 'seed2');
    const run = fedage('generate', SCENARIO, '--scale', '0.05', '--out', other, '--seed', '2');
    assert.equal(run.status, 0, run.stderr);
    const files = snapshot(other);
    for (const id of SITE_IDS) {
      assert.ok(!files.get(`${id}.arrow`)!.equals(first.get(`${id}.arrow`)!), `${id}.arrow should differ with another seed`);
    }
  });

  test('inspect DIR: exit 0, a table naming each site', () => {
    const run = fedage('inspect', data);
    assert.equal(run.status, 0, run.stderr);
    for (const id of SITE_IDS) assert.match(run.stdout, new RegExp(id));
    assert.match(run.stdout, /Missingness/);
    assert.match(run.stdout, /standardized mean difference/);
    assert.match(run.stdout, /Ground truth/);
  });

  test('inspect DIR --verify: exit 0 and says the checksums match', () => {
    const run = fedage('inspect', data, '--verify');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /verified: 6 files/);
  });

  test('inspect DIR --json: parses as JSON with every site', () => {
    const run = fedage('inspect', data, '--json');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { sites: { id: string; n: number }[]; shift: unknown[] };
    assert.deepEqual(
      report.sites.map((s) => s.id),
      SITE_IDS,
    );
    assert.ok(report.shift.length > 0);
  });

  test('inspect of a missing directory: exit 2', () => {
    const run = fedage('inspect', '/nonexistent');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /\/nonexistent/);
    assert.equal(run.stdout, '');
  });

  test('inspect --verify of a damaged dataset: exit 2 naming the file', () => {
    const damaged = join(root, 'damaged');
    mkdirSync(damaged);
    for (const [name, bytes] of first) writeFileSync(join(damaged, name), bytes);
    const bytes = Buffer.from(first.get('se-memory.arrow')!);
    bytes[bytes.length >> 1] ^= 0x01;
    writeFileSync(join(damaged, 'se-memory.arrow'), bytes);
    const run = fedage('inspect', damaged, '--verify');
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /se-memory\.arrow: expected sha256 [0-9a-f]{64} .*found sha256 [0-9a-f]{64}/);
  });

  test('inspect verifies by default: one flipped byte is exit 2 without --verify; --no-verify skips the check', () => {
    const damaged = join(root, 'damaged-default');
    mkdirSync(damaged);
    for (const [name, bytes] of first) writeFileSync(join(damaged, name), bytes);
    const manifestBytes = Buffer.from(first.get('us-academic.arrow')!);
    // A byte inside the body (not the Arrow footer), so the file still parses and only the checksum can tell.
    manifestBytes[manifestBytes.length >> 1] ^= 0x40;
    writeFileSync(join(damaged, 'us-academic.arrow'), manifestBytes);
    for (const extra of [[], ['--json'], ['--fidelity']]) {
      const run = fedage('inspect', damaged, ...extra);
      assert.equal(run.status, 2, `inspect ${extra.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /us-academic\.arrow: expected sha256/);
    }
    const skipped = fedage('inspect', damaged, '--no-verify');
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.doesNotMatch(skipped.stdout, /verified:/);
    // The default on intact data says so.
    const ok = fedage('inspect', data);
    assert.match(ok.stdout, /verified: 6 files/);
  });

  test('inspect of a directory without a manifest: exit 2', () => {
    const run = fedage('inspect', 'fixtures');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /manifest\.json/);
  });

  test('inspect --help shows examples', () => {
    const run = fedage('inspect', '--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Examples:/);
    assert.match(run.stdout, /--json/);
    assert.match(run.stdout, /--no-verify/);
  });

  test('generate an invalid scenario: exit 2 and nothing written', () => {
    const out = join(root, 'invalid-out');
    const run = fedage('generate', 'fixtures/invalid/sd-not-positive.yaml', '--out', out);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /sd-not-positive\.yaml/);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'the output directory must stay empty');
  });

  test('inspect --fidelity: the table on stdout; exit 0 when every row holds, 3 when one fails; --json', () => {
    // Two custom rows on the generated data: one trivially within tolerance, one impossible.
    const targets = join(root, 'targets.yaml');
    writeFileSync(
      targets,
      [
        'scenario: scenarios/alzheimers-3site.yaml',
        'rows:',
        '  - { quantity: age_mean, group: AD, site: us-academic, cited: 80, source: ADNIsub, tolerance: 30 }',
        '  - { quantity: mmse_mean, group: CN, cited: 5, source: ADNIsub, tolerance: 0.1 }',
        '',
      ].join('\n'),
    );
    const fail = fedage('inspect', data, '--fidelity', '--fidelity-targets', targets);
    assert.equal(fail.status, 3, fail.stderr);
    assert.match(fail.stdout, /^quantity +group +site +cited +generated +tolerance +source +ok$/m);
    assert.match(fail.stdout, /^age_mean +AD +us-academic .* ok$/m);
    assert.match(fail.stdout, /^mmse_mean +CN +all .* FAIL$/m);
    assert.match(fail.stdout, /1 of 2 rows within tolerance/);
    assert.match(fail.stderr, /fidelity: 1 row out of tolerance/);
    const json = fedage('inspect', data, '--fidelity', '--fidelity-targets', targets, '--json');
    assert.equal(json.status, 3);
    const report = JSON.parse(json.stdout);
    assert.equal(report.failed, 1);
    assert.deepEqual(report.rows.map((r: { ok: boolean }) => r.ok), [true, false]);
    assert.ok(Math.abs(report.rows[1].generated - 29) < 1.5, `CN MMSE ${report.rows[1].generated}`);
    writeFileSync(targets, readFileSync(targets, 'utf8').replace(/  - \{ quantity: mmse_mean.*\n/, ''));
    const ok = fedage('inspect', data, '--fidelity', '--fidelity-targets', targets);
    assert.equal(ok.status, 0, ok.stderr);
    const missing = fedage('inspect', data, '--fidelity', '--fidelity-targets', join(root, 'nope.yaml'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.yaml/);
  });
});
