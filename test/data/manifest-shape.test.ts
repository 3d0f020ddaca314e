/**
 * Crafted data directories (issue 13): a manifest with two sites of one id, a file entry whose
 * checksum is an object or whose row count is a word, and an Arrow file whose column type was
 * replaced (with a matching checksum) are located input errors, never crashes or messages like
 * "expected sha256 [object Object]".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { InputError } from '../../src/errors.js';
import { describeJsonValue, manifestShapeProblems, readManifest, sha256Hex, type Manifest } from '../../src/data/manifest.js';
import { verifyDataset } from '../../src/data/verify.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { parseScenario } from '../../src/scenario/parse.js';

const SCENARIO = 'consortium:\n  name: shape-test\n  seed: 5\nsites:\n  - id: alpha\n    patients: 120\n  - id: beta\n    patients: 80\n';

describe('manifest shape and file schema', () => {
  let root: string;
  let n = 0;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fedage-shape-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function fresh(): Promise<{ dir: string; manifest: Manifest }> {
    const dir = join(root, `d-${n++}`);
    await writeSyntheticDataset(parseScenario(SCENARIO, 'shape.yaml'), { outDir: dir, visits: false });
    return { dir, manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) };
  }
  const save = (dir: string, m: unknown) => writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);

  async function inputError(p: Promise<unknown>): Promise<InputError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
      assert.equal(e.exitCode, 2);
      return e;
    }
    assert.fail('expected a rejection');
  }

  test('a fresh manifest has no shape problems', async () => {
    const { dir, manifest } = await fresh();
    assert.deepEqual(manifestShapeProblems(manifest, 'm.json'), []);
    await verifyDataset(dir);
  });

  test('two sites with one id: located at the second, naming the first', async () => {
    const { dir, manifest } = await fresh();
    manifest.sites[1].id = 'alpha';
    save(dir, manifest);
    const err = await inputError(readManifest(dir));
    assert.match(err.message, /manifest\.json at sites\[1\]\.id: expected a site id not used before \(sites\[0\] has it\), found "alpha" again/);
  });

  test('a checksum that is an object, a row count that is a word, a missing byte count: each at its JSON path', async () => {
    const { dir, manifest } = await fresh();
    const entry = manifest.sites[0].files.patients as unknown as Record<string, unknown>;
    entry.sha256 = { value: 'abc' };
    entry.rows = 'many';
    delete entry.bytes;
    (manifest.sites[1] as unknown as Record<string, unknown>).patients = -3;
    save(dir, manifest);
    const err = await inputError(verifyDataset(dir));
    assert.doesNotMatch(err.message, /\[object Object\]/);
    assert.match(err.message, /at sites\[0\]\.files\.patients\.rows: expected a whole number >= 0, found "many"/);
    assert.match(err.message, /at sites\[0\]\.files\.patients\.bytes: expected a whole number >= 0, found nothing \(the key is missing\)/);
    assert.match(err.message, /at sites\[0\]\.files\.patients\.sha256: expected a SHA-256 checksum: 64 lowercase hexadecimal digits, found an object/);
    assert.match(err.message, /at sites\[1\]\.patients: expected a whole number >= 0, found -3/);
  });

  test('describeJsonValue never prints [object Object] and cuts long strings', () => {
    assert.equal(describeJsonValue({ a: 1 }), 'an object');
    assert.equal(describeJsonValue([1, 2]), 'a list of 2 items');
    assert.match(describeJsonValue('x'.repeat(100)), /^"x{57}"… \(100 characters\)$/);
  });

  test('a column whose type was replaced, with the checksum updated to match: the column, expected and found types', async () => {
    const { dir, manifest } = await fresh();
    const file = join(dir, manifest.sites[0].files.patients.file);
    const table = tableFromIPC(readFileSync(file));
    const columns: Record<string, Vector> = {};
    for (const f of table.schema.fields) {
      const v = table.getChild(f.name)!;
      columns[f.name] = f.name === 'age_years' ? vectorFromArray(Array.from({ length: table.numRows }, (_, i) => String(v.get(i))), new Utf8()) : v;
    }
    const bytes = tableToIPC(new Table(columns), 'file');
    writeFileSync(file, bytes);
    manifest.sites[0].files.patients.sha256 = sha256Hex(bytes);
    manifest.sites[0].files.patients.bytes = bytes.byteLength;
    save(dir, manifest);
    const k = manifest.schema.patients.findIndex((c) => c.name === 'age_years');
    const err = await inputError(verifyDataset(dir));
    assert.match(err.message, new RegExp(`alpha\\.arrow at column age_years: expected type float32 \\(schema\\.patients\\[${k}\\]\\.type in manifest\\.json\\), found type utf8`));
  });

  test('a column missing from the file and one the manifest does not list', async () => {
    const { dir, manifest } = await fresh();
    const file = join(dir, manifest.sites[1].files.patients.file);
    const table = tableFromIPC(readFileSync(file));
    const columns: Record<string, Vector> = {};
    for (const f of table.schema.fields) if (f.name !== 'mmse') columns[f.name] = table.getChild(f.name)!;
    columns.smuggled = vectorFromArray(Array.from({ length: table.numRows }, () => 'x'), new Utf8());
    const bytes = tableToIPC(new Table(columns), 'file');
    writeFileSync(file, bytes);
    manifest.sites[1].files.patients.sha256 = sha256Hex(bytes);
    manifest.sites[1].files.patients.bytes = bytes.byteLength;
    save(dir, manifest);
    const err = await inputError(verifyDataset(dir));
    assert.match(err.message, /beta\.arrow at column mmse: expected a column of type int8 \(schema\.patients\[\d+\]\.type in manifest\.json\), found no such column/);
    assert.match(err.message, /beta\.arrow at column smuggled: expected only the columns schema\.patients in manifest\.json lists, found an extra utf8 column/);
  });
});
