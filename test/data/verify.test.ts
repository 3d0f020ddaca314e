import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { readManifest } from '../../src/data/manifest.js';
import { verifyDataset } from '../../src/data/verify.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { parseScenario } from '../../src/scenario/parse.js';

const SCENARIO = `
consortium:
  name: verify-test
  seed: 3
sites:
  - id: alpha
    patients: 300
  - id: beta
    patients: 200
`;

describe('verifyDataset', () => {
  let root: string;
  let n = 0;

  /** A fresh copy of the dataset, so each test can damage its own. */
  async function freshDataset(): Promise<string> {
    const dir = join(root, `data-${n++}`);
    await writeSyntheticDataset(parseScenario(SCENARIO, 'verify-test.yaml'), { outDir: dir });
    return dir;
  }

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fedage-verify-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('passes on a fresh dataset and lists every file', async () => {
    const dir = await freshDataset();
    const manifest = await readManifest(dir);
    const result = await verifyDataset(dir);
    assert.equal(result.files.length, 4);
    assert.deepEqual(
      result.files.map((f) => f.file).sort(),
      manifest.sites.flatMap((s) => [s.files.patients.file, s.files.visits!.file]).sort(),
    );
    for (const f of result.files) {
      const site = manifest.sites.find((s) => s.id === f.site)!;
      assert.equal(f.sha256, site.files[f.table]!.sha256);
      assert.equal(f.bytes, site.files[f.table]!.bytes);
    }
    assert.equal(result.totalBytes, result.files.reduce((a, f) => a + f.bytes, 0));
  });

  test('one flipped byte: InputError naming the file, the expected and the found hash', async () => {
    const dir = await freshDataset();
    const manifest = await readManifest(dir);
    const entry = manifest.sites[1].files.patients;
    const path = join(dir, entry.file);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(path, bytes);
    await assert.rejects(verifyDataset(dir), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.exitCode, 2);
      assert.equal(e.problems.length, 1);
      assert.equal(e.problems[0].file, path);
      assert.match(e.message, new RegExp(entry.file.replace('.', '\\.')));
      assert.match(e.message, new RegExp(`expected sha256 ${entry.sha256}`));
      assert.match(e.message, /found sha256 [0-9a-f]{64}/);
      assert.doesNotMatch(e.problems[0].found, new RegExp(entry.sha256));
      return true;
    });
  });

  test('a missing file and a damaged file are both reported', async () => {
    const dir = await freshDataset();
    const manifest = await readManifest(dir);
    unlinkSync(join(dir, manifest.sites[0].files.visits!.file));
    writeFileSync(join(dir, manifest.sites[1].files.visits!.file), 'not arrow');
    await assert.rejects(verifyDataset(dir), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.problems.length, 2);
      assert.match(e.message, /alpha\.visits\.arrow.*found no such file/);
      assert.match(e.message, /beta\.visits\.arrow.*found sha256/);
      return true;
    });
  });

  test('not a data directory: InputError', async () => {
    await assert.rejects(verifyDataset(join(root, 'missing')), InputError);
    const empty = mkdtempSync(join(root, 'empty-'));
    await assert.rejects(verifyDataset(empty), (e: unknown) => e instanceof InputError && /manifest\.json/.test(e.message));
  });
});
