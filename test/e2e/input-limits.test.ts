/**
 * Issue 13, unbounded inputs (built CLI): a scenario over the size cap is refused naming the
 * file, its size and the cap; a scenario with tens of thousands of stray keys ends with exit 2
 * and a bounded report (parsing is linear; see `npm run perf:parse` for the figures).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { sha256Hex } from '../../src/data/manifest.js';

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

describe('fedage import: hostile inputs (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-import-limits-e2e-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const mapping = (extra = '', b = 'b.csv') =>
    `name: toy\nsites:\n  - { id: a, path: a.csv }\n  - { id: b, path: ${b} }\nlabel: { column: outcome, positive: [1] }\nfeatures:\n  age: numeric\n${extra}`;
  let n = 0;
  const folder = (files: Record<string, string>, text: string) => {
    const d = join(dir, `case-${n++}`, 'in');
    mkdirSync(d, { recursive: true });
    for (const [k, v] of Object.entries(files)) writeFileSync(join(d, k), v);
    writeFileSync(join(d, 'map.yaml'), text);
    return join(d, 'map.yaml');
  };

  test('1e999 and a 20 MB digit string: exit 2, located, value cut short, no stack', () => {
    const m = folder({ 'a.csv': `age,outcome\n1e999,0\n${'7'.repeat(20_000_000)},1\n`, 'b.csv': 'age,outcome\n80,1\n' }, mapping());
    const run = fedage(120_000, 'import', m, '--out', join(dir, `out-${n++}`));
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /a\.csv:2:1 at row 1, column age: expected a finite number within ±1e\+150 \(numeric feature age\), found "1e999" \(out of range\)/);
    assert.match(run.stderr, /a\.csv:3:1 at row 2, column age: expected a finite number .*, found "7{40}"… \(20000000 characters\) \(out of range\)/);
    assert.ok(run.stderr.length < 2000);
    assert.doesNotMatch(run.stderr, NO_STACK);
  });

  test('a split file at ../../<secret>: exit 2 at the mapping line, the secret never printed; --allow-outside-paths reads it', () => {
    const secret = join(dir, 'shadow');
    writeFileSync(secret, 'root:$6$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
    const m = folder({ 'a.csv': 'age,outcome\n70,0\n65,1\n', 'b.csv': 'age,outcome\n80,1\n72,0\n' }, mapping('split: { file: ../../shadow, site: site, row: row, value: split }\n'));
    const run = fedage(60_000, 'import', m, '--out', join(dir, `out-${n++}`));
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /map\.yaml:8:\d+ at split\.file: expected a path inside the mapping's folder .*, found "\.\.\/\.\.\/shadow" \(resolves to /);
    assert.doesNotMatch(run.stderr, /SECRETHASH|root:|daemon/);
    assert.doesNotMatch(run.stderr, NO_STACK);
    const allowed = fedage(60_000, 'import', m, '--out', join(dir, `out-${n++}`), '--allow-outside-paths');
    assert.equal(allowed.status, 2);
    assert.doesNotMatch(allowed.stderr, /SECRETHASH|daemon/);
  });

  test('one file for two sites and a one-class site: exit 0, warnings on stderr and in the manifest', () => {
    const out = join(dir, `out-${n++}`);
    const m = folder({ 'a.csv': 'age,outcome\n70,1\n65,1\n' }, mapping('', 'a.csv'));
    const run = fedage(60_000, 'import', m, '--out', out);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^fedage: warning: sites a and b read the same file a\.csv: the same patients would count as two hospitals$/m);
    assert.match(run.stderr, /^fedage: warning: site a: all 2 kept rows have label 1/m);
    assert.match(run.stderr, /^fedage: warning: every kept row at every site has label 1/m);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.import.warnings.length, 4);
  });
});

describe('crafted data directories (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-crafted-e2e-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const generated = () => {
    const out = join(dir, `data-${n++}`);
    const run = fedage(120_000, 'generate', 'scenarios/alzheimers-3site.yaml', '--out', out, '--no-visits');
    assert.equal(run.status, 0, run.stderr);
    return out;
  };

  test('two sites with one id: inspect and bench exit 2 at sites[1].id, no stack', () => {
    const data = generated();
    const file = join(data, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    m.sites[1].id = m.sites[0].id;
    writeFileSync(file, JSON.stringify(m, null, 2));
    for (const args of [['inspect', data], ['bench', data, '--seeds', '1', '--rounds', '1']]) {
      const run = fedage(120_000, ...args);
      assert.equal(run.status, 2, `${args[0]}: ${run.stderr}`);
      assert.match(run.stderr, /manifest\.json at sites\[1\]\.id: expected a site id not used before \(sites\[0\] has it\), found "us-academic" again/);
      assert.doesNotMatch(run.stderr, NO_STACK);
    }
  });

  test('a column whose type was replaced (checksum updated to match): bench exits 2 naming the column and both types, before training', () => {
    const data = generated();
    const file = join(data, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    const arrow = join(data, m.sites[2].files.patients.file);
    const table = tableFromIPC(readFileSync(arrow));
    const columns: Record<string, Vector> = {};
    for (const f of table.schema.fields) {
      const v = table.getChild(f.name)!;
      columns[f.name] = f.name === 'age_years' ? vectorFromArray(Array.from({ length: table.numRows }, (_, i) => String(v.get(i))), new Utf8()) : v;
    }
    const bytes = tableToIPC(new Table(columns), 'file');
    writeFileSync(arrow, bytes);
    m.sites[2].files.patients.sha256 = sha256Hex(bytes);
    m.sites[2].files.patients.bytes = bytes.byteLength;
    writeFileSync(file, JSON.stringify(m, null, 2));
    const run = fedage(120_000, 'bench', data, '--seeds', '1', '--rounds', '1');
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /us-community\.arrow at column age_years: expected type float32 \(schema\.patients\[\d+\]\.type in manifest\.json\), found type utf8/);
    assert.doesNotMatch(run.stderr, NO_STACK);
  });

  test('a checksum replaced by an object: exit 2 at its JSON path, never "[object Object]"', () => {
    const data = generated();
    const file = join(data, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    m.sites[0].files.patients.sha256 = { hex: 'x' };
    writeFileSync(file, JSON.stringify(m, null, 2));
    const run = fedage(120_000, 'inspect', data, '--verify');
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /at sites\[0\]\.files\.patients\.sha256: expected a SHA-256 checksum: 64 lowercase hexadecimal digits, found an object/);
    assert.doesNotMatch(run.stderr, /\[object Object\]/);
  });
});
