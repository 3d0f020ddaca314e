/**
 * fedage import: the UCI fixtures cleaned as FLamby documents (counts from FLAMBY_PROTOCOL.md,
 * checked against a brute-force reading of the raw files here), and every error class located.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { InputError, OutputError } from '../../../src/errors.js';
import { importDataset } from '../../../src/data/import/import-dataset.js';
import { parseImportMapping } from '../../../src/data/import/parse-mapping.js';
import { loadDirectory } from '../../../src/data/load.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const HEART = join(REPO, 'fixtures/uci-heart');
const tmp = mkdtempSync(join(tmpdir(), 'fedage-import-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let dirCount = 0;
const freshDir = () => join(tmp, `out-${dirCount++}`);

/** FLamby's cleaning by brute force on the raw text: drop cols 10-12, drop rows with any `?`. */
function bruteForceClean(file: string): { rows: number; positives: number } {
  const lines = readFileSync(join(HEART, file), 'utf8').split('\n').filter((l) => l.trim() !== '');
  let rows = 0;
  let positives = 0;
  for (const line of lines) {
    const f = line.split(',');
    const kept = [...f.slice(0, 10), f[13]];
    if (kept.some((v) => v.trim() === '?')) continue;
    rows++;
    if (Number(f[13]) > 0) positives++;
  }
  return { rows, positives };
}

describe('import of the UCI heart fixtures (FLamby cleaning)', () => {
  const out = freshDir();
  let manifest: any;
  test('740 records: 303 / 261 / 46 / 130, positives as the raw files say', async () => {
    const result = await importDataset(join(HEART, 'import.yaml'), { outDir: out });
    manifest = result.manifest;
    const expected = { cleveland: 'processed.cleveland.data', hungarian: 'processed.hungarian.data', switzerland: 'processed.switzerland.data', va: 'processed.va.data' };
    assert.deepEqual(manifest.sites.map((s: any) => s.id), Object.keys(expected));
    const counts = manifest.sites.map((s: any) => s.patients);
    assert.deepEqual(counts, [303, 261, 46, 130]); // FLAMBY_PROTOCOL.md §2.3
    for (const [k, [id, file]] of Object.entries(expected).entries()) {
      const brute = bruteForceClean(file);
      assert.equal(result.sites[k].rowsKept, brute.rows, id);
      assert.equal(result.sites[k].positives, brute.positives, id);
    }
    assert.deepEqual(result.sites.map((s) => s.positives), [139, 98, 45, 101]); // §2.4
    assert.equal(manifest.source, 'imported');
    assert.equal(manifest.target, 'heart_disease');
    assert.deepEqual(manifest.features, ['age', 'sex', 'trestbps', 'chol', 'fbs', 'thalach', 'exang', 'oldpeak', 'cp', 'restecg']);
  });

  test('Arrow files: ids <site>-<row>, typed columns with metadata, zeros kept, the fixed split sizes', async () => {
    const table = tableFromIPC(readFileSync(join(out, 'switzerland.arrow')));
    const field = (name: string) => table.schema.fields.find((f) => f.name === name)!;
    assert.equal(field('cp').metadata.get('fedage.reference_level'), '1');
    assert.equal(field('cp').metadata.get('fedage.feature_type'), 'categorical');
    assert.equal(field('sex').metadata.get('fedage.role'), 'feature');
    assert.equal(field('target').metadata.get('fedage.role'), 'target');
    assert.equal(field('chol').metadata.get('fedage.unit'), 'mg/dL');
    // Every Swiss record kept has chol = 0 (§2.3): a value, not a missing marker.
    const chol = table.getChild('chol')!.toArray() as Float64Array;
    assert.ok(chol.every((v) => v === 0));
    assert.equal(table.getChild('chol')!.nullCount, 0);
    // Ids are the raw line numbers of kept records, as flamby_split_reimpl.csv lists them.
    const reimpl = readFileSync(join(HEART, 'flamby_split_reimpl.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const swissLines = reimpl.filter((r) => r[1] === 'switzerland').map((r) => `switzerland-${r[2]}`);
    assert.deepEqual(table.getChild('patient_id')!.toArray(), swissLines);
    // Split sizes (FLAMBY_PROTOCOL.md §3) from the written directory.
    const dataset = await loadDirectory(out);
    const sizes = dataset.sites.map((s) => {
      const split = s.table.getChild('split')!.toArray() as string[];
      return [split.filter((v) => v === 'train').length, split.filter((v) => v === 'test').length];
    });
    assert.deepEqual(sizes, [[199, 104], [172, 89], [30, 16], [85, 45]]);
  });

  test('same mapping and files → byte-identical output', async () => {
    const again = freshDir();
    await importDataset(join(HEART, 'import.yaml'), { outDir: again });
    for (const f of ['manifest.json', 'cleveland.arrow', 'va.arrow']) assert.deepEqual(readFileSync(join(again, f)), readFileSync(join(out, f)), f);
  });

  test('a non-empty output directory is refused without force, overwritten with it', async () => {
    await assert.rejects(importDataset(join(HEART, 'import.yaml'), { outDir: out }), OutputError);
    await importDataset(join(HEART, 'import.yaml'), { outDir: out, force: true });
  });
});

/** A small two-site CSV dataset in its own folder; returns the mapping path. */
function writeCase(files: Record<string, string>, mapping: string): string {
  const dir = join(tmp, `case-${dirCount++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'map.yaml'), mapping);
  return join(dir, 'map.yaml');
}

const A = 'id,age,sex,grade,outcome\np1,70,1,low,0\np2,65,0,high,1\np3,NA,1,mid,1\n';
const B = 'id,age,sex,grade,outcome\nq1,80,0,mid,1\nq2,72,1,low,0\n';
const MAPPING = `name: toy
id: id
sites:
  - { id: a, path: a.csv }
  - { id: b, path: b.csv }
label: { column: outcome, positive: [1] }
features:
  age: { type: numeric, unit: years }
  sex: binary
  grade: { type: categorical, reference: low }
`;

async function importError(mappingPath: string): Promise<InputError> {
  try {
    await importDataset(mappingPath, { outDir: freshDir() });
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err;
  }
  assert.fail('import succeeded');
}

describe('import: data handling', () => {
  test('drop-row by default; keep leaves a null; a constant imputes', async () => {
    const dropped = await importDataset(writeCase({ 'a.csv': A, 'b.csv': B }, MAPPING), { outDir: freshDir() });
    assert.deepEqual(dropped.sites.map((s) => s.rowsKept), [2, 2]);
    assert.deepEqual(dropped.sites[0].droppedMissing, { age: 1 });
    const keepOut = freshDir();
    const kept = await importDataset(writeCase({ 'a.csv': A, 'b.csv': B }, MAPPING.replace('{ type: numeric, unit: years }', '{ type: numeric, unit: years, missing: keep }')), { outDir: keepOut });
    assert.deepEqual(kept.sites.map((s) => s.rowsKept), [3, 2]);
    const age = tableFromIPC(readFileSync(join(keepOut, 'a.arrow'))).getChild('age')!;
    assert.deepEqual([age.get(0), age.get(1), age.get(2)], [70, 65, null]);
    const impOut = freshDir();
    await importDataset(writeCase({ 'a.csv': A, 'b.csv': B }, MAPPING.replace('{ type: numeric, unit: years }', '{ type: numeric, missing: { value: 60 } }')), { outDir: impOut });
    assert.equal(tableFromIPC(readFileSync(join(impOut, 'a.arrow'))).getChild('age')!.get(2), 60);
  });

  test('categorical levels are shared across sites and canonical (1.0 = 1); ids come from the id column', async () => {
    const out = freshDir();
    const m = writeCase(
      { 'a.csv': 'k,y,c\n1,0,1.0\n2,1,3\n', 'b.csv': 'k,y,c\n7,1,2\n8,0,1\n' },
      'name: t\nid: k\nsites: [{ id: a, path: a.csv }, { id: b, path: b.csv }]\nlabel: { column: y, threshold: ">= 1" }\nfeatures: { c: { type: categorical, reference: 1 } }\n',
    );
    await importDataset(m, { outDir: out });
    const a = tableFromIPC(readFileSync(join(out, 'a.arrow')));
    assert.deepEqual(a.getChild('c')!.toArray(), ['1', '3']);
    assert.deepEqual((a.getChild('c')!.data[0].dictionary as any).toArray(), ['1', '2', '3']);
    assert.deepEqual(a.getChild('patient_id')!.toArray(), ['1', '2']);
    assert.deepEqual(Array.from(a.getChild('target')!.toArray() as Int8Array), [0, 1]);
  });
});

describe('import: every error class is exit 2 with a located message', () => {
  test('unknown column: at the mapping key, with the file and a did-you-mean', async () => {
    const err = await importError(writeCase({ 'a.csv': A, 'b.csv': B }, MAPPING.replace('  sex: binary', '  sexx: binary')));
    assert.match(err.message, /map\.yaml:9:3 at features\.sexx: expected a column of a\.csv \(site a\): id, age, sex, grade, outcome, found unknown feature column `sexx` \(did you mean `sex`\?\)/);
    // The file's own `sex` is now unmapped: also reported (every column must be mapped or dropped).
    assert.match(err.message, /unmapped column `sex`/);
  });

  test('non-numeric value in a numeric column: file, line, row and column', async () => {
    const err = await importError(writeCase({ 'a.csv': A, 'b.csv': B.replace('80', '8O') }, MAPPING));
    assert.match(err.message, /b\.csv:2:1 at row 1, column age: expected a number \(numeric feature age\), found "8O"/);
  });

  test('a binary column holding something else than 0/1', async () => {
    const err = await importError(writeCase({ 'a.csv': A, 'b.csv': B.replace('q2,72,1', 'q2,72,2') }, MAPPING));
    assert.match(err.message, /b\.csv:3:1 at row 2, column sex: expected 0 or 1/);
  });

  test('a site with no rows after cleaning', async () => {
    const err = await importError(writeCase({ 'a.csv': A, 'b.csv': 'id,age,sex,grade,outcome\nq1,NA,0,mid,1\n' }, MAPPING));
    assert.match(err.message, /map\.yaml:5:20 at sites\[1\]\.path: expected at least one row left at site b after cleaning, found none of 1 rows \(dropped: 1 missing age\)/);
  });

  test('a missing site file', async () => {
    const err = await importError(writeCase({ 'a.csv': A }, MAPPING));
    assert.match(err.message, /map\.yaml:5:20 at sites\[1\]\.path: expected a readable site file for site b, found .*b\.csv: no such file/);
  });

  test('schema problems: unknown key with did-you-mean, label rule, reference outside the levels', async () => {
    let err = await importError(writeCase({}, MAPPING.replace('label:', 'lable:')));
    assert.match(err.message, /map\.yaml:6:1 at lable: expected a known key of the top level.*found unknown key `lable` \(did you mean `label`\?\)/);
    err = await importError(writeCase({}, MAPPING.replace('positive: [1]', 'positive: [1], threshold: "> 0"')));
    assert.match(err.message, /at label: expected exactly one of `positive`.*found both/);
    err = await importError(writeCase({}, MAPPING.replace('reference: low', 'reference: x, levels: [low, mid, high]')));
    assert.match(err.message, /at features\.grade\.reference: expected one of the levels low, mid, high, found "x"/);
  });

  test('a ragged CSV row names its line', async () => {
    const err = await importError(writeCase({ 'a.csv': `${A}p9,70\n`, 'b.csv': B }, MAPPING));
    assert.match(err.message, /a\.csv:5:1: expected 5 fields per row \(as the header\), found 2 fields/);
  });

  test('mapping parse is pure: the same text gives the same resolved mapping', () => {
    const a = parseImportMapping(MAPPING, '/x/map.yaml');
    const b = parseImportMapping(MAPPING, '/x/map.yaml');
    assert.deepEqual(a, b);
    assert.equal(a.sites[1].path, '/x/b.csv');
  });
});
