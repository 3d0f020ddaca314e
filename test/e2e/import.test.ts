/** End to end: `fedage import` of the UCI fixtures, then `fedage bench` on the directory. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fedage import → bench (built CLI)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fedage-e2e-import-'));
  const data = join(tmp, 'heart');
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('import writes the directory and a per-site summary', () => {
    const r = fedage('import', 'fixtures/uci-heart/import.yaml', '--out', data);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /switzerland\s+46 of\s+123 rows kept\s+positive\s+97\.8%\s+dropped: 74 missing fbs/);
    assert.match(r.stdout, /total\s+740 rows/);
    const manifest = JSON.parse(readFileSync(join(data, 'manifest.json'), 'utf8'));
    assert.equal(manifest.source, 'imported');
  });

  test('a second import into the same directory needs --force (exit 2)', () => {
    const r = fedage('import', 'fixtures/uci-heart/import.yaml', '--out', data);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not empty; use --force/);
    assert.equal(fedage('import', 'fixtures/uci-heart/import.yaml', '--out', data, '--force').status, 0);
  });

  test('bench runs on the imported directory: no oracle, real-data flag, FLamby site-mean table', () => {
    const r = fedage('bench', data, '--config', 'fixtures/uci-heart/flamby-bench.yaml', '--json', '--seeds', '2', '--arms', 'central,local,fedavg');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.data.synthetic, false);
    assert.equal(result.oracle, null);
    assert.equal(result.data.target, 'heart_disease');
    assert.deepEqual(result.data.sites, ['cleveland', 'hungarian', 'switzerland', 'va']);
    const fedavg = result.summary.find((s: { arm: string }) => s.arm === 'fedavg');
    assert.ok(fedavg.siteMean.accuracy.mean > 0.5 && fedavg.siteMean.accuracy.mean < 1);
    const md = fedage('bench', data, '--config', 'fixtures/uci-heart/flamby-bench.yaml', '--seeds', '1', '--arms', 'central');
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /\| arm \| site-mean accuracy \| site-mean AUC \| cleveland \| hungarian \| switzerland \| va \|/);
  });

  test('bench with default settings on the directory (stratified split with validation) also runs', () => {
    const r = fedage('bench', data, '--json', '--seeds', '1', '--rounds', '2', '--arms', 'central,fedavg');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.splits['0'][0].validation > 0, true);
  });

  test('a bad mapping is exit 2 with file:line and a did-you-mean', () => {
    const text = readFileSync(join(REPO_ROOT, 'fixtures/uci-heart/import.yaml'), 'utf8').replace('  thalach: {', '  thalac: {').replaceAll('path: processed.', `path: ${REPO_ROOT}fixtures/uci-heart/processed.`);
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, text.replace('file: flamby_split_reimpl.csv', `file: ${REPO_ROOT}fixtures/uci-heart/flamby_split_reimpl.csv`));
    // The mapping names absolute paths outside its folder: refused unless allowed explicitly.
    const confined = fedage('import', bad, '--out', join(tmp, 'never'));
    assert.equal(confined.status, 2);
    assert.match(confined.stderr, /at sites\[0\]\.path: expected a path inside the mapping's folder .*\(or pass --allow-outside-paths\)/);
    const r = fedage('import', bad, '--out', join(tmp, 'never'), '--allow-outside-paths');
    assert.equal(r.status, 2);
    const line = text.split('\n').findIndex((l) => l.startsWith('  thalac:')) + 1;
    assert.match(r.stderr, new RegExp(`bad\\.yaml:${line}:3 at features\\.thalac: .*found unknown feature column \`thalac\` \\(did you mean \`thalach\`\\?\\)`));
    assert.equal(fedage('import', bad).status, 2, 'missing --out is a usage error');
  });
});
