/**
 * Import hardening (issue 13): non-finite and out-of-range numbers are located errors with the
 * value cut short; mapping paths stay inside the mapping's folder unless allowed; messages never
 * quote another file beyond the offending cell; warnings for one file used twice and one-class labels.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { InputError } from '../../../src/errors.js';
import { importDataset } from '../../../src/data/import/import-dataset.js';
import { MAX_ABS_NUMERIC, parseNumberCell } from '../../../src/data/import/clean.js';
import { outsideReason } from '../../../src/data/import/parse-mapping.js';
import { parserMessage, shortList, shortText } from '../../../src/data/import/short-text.js';

const tmp = mkdtempSync(join(tmpdir(), 'fedage-import-limits-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let count = 0;
const freshDir = () => join(tmp, `out-${count++}`);

/** A case folder `tmp/case-N/in/` with the files and map.yaml; returns the mapping path. */
function writeCase(files: Record<string, string>, mapping: string): string {
  const dir = join(tmp, `case-${count++}`, 'in');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'map.yaml'), mapping);
  return join(dir, 'map.yaml');
}

const A = 'age,outcome\n70,0\n65,1\n';
const B = 'age,outcome\n80,1\n72,0\n';
const MAPPING = `name: toy
sites:
  - { id: a, path: a.csv }
  - { id: b, path: b.csv }
label: { column: outcome, positive: [1] }
features:
  age: { type: numeric, unit: years }
`;

async function importError(mappingPath: string, opts: { allowOutsidePaths?: boolean } = {}): Promise<InputError> {
  try {
    await importDataset(mappingPath, { outDir: freshDir(), ...opts });
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err;
  }
  assert.fail('import succeeded');
}

describe('numbers', () => {
  test('parseNumberCell: finite values within ±1e150; non-finite and larger are "range"; text is "text"', () => {
    assert.deepEqual(parseNumberCell(' 1.5e3 '), { value: 1500 });
    assert.deepEqual(parseNumberCell(String(MAX_ABS_NUMERIC)), { value: 1e150 });
    for (const c of ['1e999', '-1e999', '1e151', '9'.repeat(500), Infinity, -Infinity, 2e150]) assert.deepEqual(parseNumberCell(c), { invalid: 'range' }, String(c).slice(0, 20));
    for (const c of ['abc', 'Infinity', '0x10', '', 'x'.repeat(1000)]) assert.deepEqual(parseNumberCell(c), { invalid: 'text' }, c.slice(0, 20));
  });

  test('1e999 in a numeric column: located (file, line, row, column), expected range, value as written', async () => {
    const err = await importError(writeCase({ 'a.csv': A, 'b.csv': B.replace('72', '1e999') }, MAPPING));
    assert.match(err.message, /b\.csv:3:1 at row 2, column age: expected a finite number within ±1e\+150 \(numeric feature age\), found "1e999" \(out of range\)/);
  });

  test('a 10 MB digit string: the message shows a 40-character prefix and the length, not the cell', async () => {
    const digits = '9'.repeat(10_000_000);
    const err = await importError(writeCase({ 'a.csv': A.replace('65', digits), 'b.csv': B }, MAPPING));
    assert.match(err.message, /a\.csv:3:1 at row 2, column age: expected a finite number within ±1e\+150 \(numeric feature age\), found "9{40}"… \(10000000 characters\) \(out of range\)/);
    assert.ok(err.message.length < 1000, `message of ${err.message.length} characters`);
  });

  test('an out-of-range label under a threshold rule is located too', async () => {
    const m = MAPPING.replace('positive: [1]', 'threshold: "> 0"');
    const err = await importError(writeCase({ 'a.csv': A.replace('70,0', '70,-1e400'), 'b.csv': B }, m));
    assert.match(err.message, /a\.csv:2:1 at row 1, column outcome: expected a finite number within ±1e\+150 \(the label rule is "> 0"\), found "-1e400" \(out of range\)/);
  });
});

describe('paths in the mapping', () => {
  test('outsideReason: inside is null; .. and absolute paths outside are named with what they resolve to', () => {
    const base = join(tmp, 'base');
    mkdirSync(base, { recursive: true });
    assert.equal(outsideReason(base, 'a.csv'), null);
    assert.equal(outsideReason(base, 'sub/../a.csv'), null);
    assert.equal(outsideReason(base, '../../etc/shadow'), `"../../etc/shadow" (resolves to ${join(base, '../../etc/shadow')})`);
    assert.match(outsideReason(base, '/etc/passwd') ?? '', /resolves to \/etc\/passwd/);
    // A name that merely starts with two dots is inside.
    assert.equal(outsideReason(base, '..data.csv'), null);
  });

  test('a split file at ../../etc/shadow is refused at its mapping line before it is read; nothing of it is printed', async () => {
    const secretDir = join(tmp, `secret-${count++}`);
    mkdirSync(secretDir);
    writeFileSync(join(secretDir, 'shadow'), 'root:$6$SECRETHASH:19000:0:99999:7:::\n');
    const mappingPath = writeCase({ 'a.csv': A, 'b.csv': B }, `${MAPPING}split: { file: ../../${secretDir.split('/').pop()}/shadow, site: site, row: row, value: split }\n`);
    const err = await importError(mappingPath);
    assert.match(err.message, /map\.yaml:8:\d+ at split\.file: expected a path inside the mapping's folder .* \(or pass --allow-outside-paths\), found "\.\.\/\.\.\/secret-\d+\/shadow" \(resolves to /);
    assert.doesNotMatch(err.message, /SECRETHASH|root:/);
  });

  test('with allowOutsidePaths the file is read, and a header that is no column list is not quoted', async () => {
    const secretDir = join(tmp, `secret-${count++}`);
    mkdirSync(secretDir);
    writeFileSync(join(secretDir, 'shadow'), `root:$6$${'H'.repeat(80)}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`);
    const mappingPath = writeCase({ 'a.csv': A, 'b.csv': B }, `${MAPPING}split: { file: ../../${secretDir.split('/').pop()}/shadow, site: site, row: row, value: split }\n`);
    const err = await importError(mappingPath, { allowOutsidePaths: true });
    assert.match(err.message, /expected a column of shadow: \(1 column whose names do not look like a table header; is this the right file\?\)/);
    assert.doesNotMatch(err.message, /HHH|19000|daemon|root/);
  });

  test('a site file that is a symbolic link out of the folder is refused', async () => {
    const mappingPath = writeCase({ 'a.csv': A }, MAPPING);
    const outside = join(tmp, `outside-${count++}.csv`);
    writeFileSync(outside, B);
    symlinkSync(outside, join(mappingPath, '..', 'b.csv'));
    const err = await importError(mappingPath);
    assert.match(err.message, /at sites\[1\]\.path: expected a path inside the mapping's folder .*, found "b\.csv" \(a symbolic link to .*outside-\d+\.csv\)/);
    // Allowed explicitly, it imports.
    const ok = await importDataset(mappingPath, { outDir: freshDir(), allowOutsidePaths: true });
    assert.equal(ok.sites[1].rowsKept, 2);
  });
});

describe('message hygiene', () => {
  test('shortText and parserMessage keep the reason and drop the data', () => {
    assert.equal(shortText('abc'), '"abc"');
    assert.equal(shortText('x'.repeat(50)), `"${'x'.repeat(40)}"… (50 characters)`);
    assert.equal(parserMessage('Invalid Opening Quote: a quote is found on field 0 at line 1, value is "root:$6$abc"'), 'Invalid Opening Quote: a quote is found on field 0 at line 1');
  });

  test('shortList: plausible names listed (cut short past 40 characters is impossible: such names are not plausible)', () => {
    assert.equal(shortList(['age (years)', 'BMI [kg/m²]', 'sex']), 'age (years), BMI [kg/m²], sex');
    assert.equal(shortList(['ok', 'root:$6$x']), '(2 columns whose names do not look like a table header; is this the right file?)');
  });

  test('a duplicated header name of 1 MB is shown as a prefix', async () => {
    const long = 'c'.repeat(1_000_000);
    const err = await importError(writeCase({ 'a.csv': `${long},${long}\n1,2\n`, 'b.csv': B }, MAPPING));
    assert.ok(err.message.length < 2000, `message of ${err.message.length} characters`);
    assert.match(err.message, /expected distinct column names, found "c{40}"… \(1000000 characters\) twice/);
  });
});

describe('warnings', () => {
  test('one file for two sites: a warning in the result and in the manifest; the import still succeeds', async () => {
    const out = freshDir();
    const r = await importDataset(writeCase({ 'a.csv': A }, MAPPING.replace('path: b.csv', 'path: a.csv')), { outDir: out });
    assert.deepEqual(r.warnings, ['sites a and b read the same file a.csv: the same patients would count as two hospitals']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.import.warnings, r.warnings);
    // Two files with identical bytes are caught by their checksum.
    const copy = await importDataset(writeCase({ 'a.csv': A, 'b.csv': A }, MAPPING), { outDir: freshDir() });
    assert.match(copy.warnings[0], /^sites a and b read identical files \(a\.csv and b\.csv, sha256 [0-9a-f]{12}…\)/);
  });

  test('a one-class label at a site, and everywhere', async () => {
    const oneSite = await importDataset(writeCase({ 'a.csv': A, 'b.csv': 'age,outcome\n80,1\n72,1\n' }, MAPPING), { outDir: freshDir() });
    assert.deepEqual(oneSite.warnings, ['site b: all 2 kept rows have label 1 (outcome: 1 when outcome is one of 1, else 0): one class, so no AUC at this site']);
    const everywhere = await importDataset(writeCase({ 'a.csv': 'age,outcome\n70,0\n', 'b.csv': 'age,outcome\n80,0\n' }, MAPPING), { outDir: freshDir() });
    assert.equal(everywhere.warnings.length, 3);
    assert.match(everywhere.warnings[2], /^every kept row at every site has label 0: the label column outcome has one class/);
  });

  test('a clean import has no warnings and no warnings key in its manifest', async () => {
    const out = freshDir();
    const r = await importDataset(writeCase({ 'a.csv': A, 'b.csv': B }, MAPPING), { outDir: out });
    assert.deepEqual(r.warnings, []);
    assert.equal('warnings' in JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).import, false);
    assert.equal(tableFromIPC(readFileSync(join(out, 'a.arrow'))).numRows, 2);
  });
});
