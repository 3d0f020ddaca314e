import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadBenchDataset } from '../../src/data/load.js';
import { prepareSeed } from '../../src/data/prepare/prepare.js';
import type { Manifest } from '../../src/data/manifest.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { InputError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { prepOpts, scenarioYaml } from './prepare/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'fedage-bench-load-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const YAML = scenarioYaml(
  [
    { id: 'alpha', patients: 350 },
    { id: 'beta', patients: 250, coding: '{ labUnits: SI, weightUnit: lb }' },
  ],
  { seed: 21 },
);
const scenarioFile = join(root, 'two-sites.yaml');
writeFileSync(scenarioFile, YAML);

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const readJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

async function writeDir(opts: { visits?: boolean; seed?: number; scale?: number } = {}): Promise<string> {
  const dir = join(root, `data-${dirs++}`);
  await writeSyntheticDataset(parseScenario(YAML, scenarioFile), { outDir: dir, ...opts });
  return dir;
}

describe('loadBenchDataset: data directory', () => {
  test('loads every site after verifying it; manifestSha256 is the hash of manifest.json', async () => {
    const dir = await writeDir();
    const ds = await loadBenchDataset(dir, {});
    assert.equal(ds.kind, 'directory');
    assert.equal(ds.origin, dir);
    assert.equal(ds.manifestSha256, sha(readFileSync(join(dir, 'manifest.json'))));
    assert.deepEqual(ds.manifest, readJson(dir));
    assert.deepEqual(ds.sites.map((s) => [s.id, s.table.numRows]), [['alpha', 350], ['beta', 250]]);
    assert.equal(ds.sites[1].units.glucose, 'mmol/L');
    assert.equal(ds.sites[1].name, ds.manifest.sites[1].name);
  });

  test('one flipped byte: InputError (exit 2) naming the file, the expected and the found sha256', async () => {
    const dir = await writeDir();
    const entry = readJson(dir).sites[0].files.patients;
    const path = join(dir, entry.file);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 0x01;
    writeFileSync(path, bytes);
    await assert.rejects(loadBenchDataset(dir, {}), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.exitCode, 2);
      assert.equal(e.problems.length, 1);
      assert.equal(e.problems[0].file, path);
      assert.match(e.problems[0].expected, new RegExp(entry.sha256));
      assert.match(e.problems[0].found, new RegExp(`sha256 ${sha(bytes)}`));
      return true;
    });
  });

  test('a missing file is an InputError naming it', async () => {
    const dir = await writeDir({ visits: false });
    const entry = readJson(dir).sites[1].files.patients;
    unlinkSync(join(dir, entry.file));
    await assert.rejects(loadBenchDataset(dir, {}), (e: unknown) => e instanceof InputError && e.problems[0].file === join(dir, entry.file) && /no such file/.test(e.problems[0].found));
  });

  test('neither a directory nor a scenario file: InputError', async () => {
    await assert.rejects(loadBenchDataset(join(root, 'nope'), {}), InputError);
    const txt = join(root, 'notes.txt');
    writeFileSync(txt, 'x');
    await assert.rejects(loadBenchDataset(txt, {}), InputError);
    await assert.rejects(loadBenchDataset(root, {}), InputError); // a directory without a manifest
  });
});

describe('loadBenchDataset: scenario in memory', () => {
  test('builds byte for byte the manifest `generate` writes without visits (file hashes included)', async () => {
    const mem = await loadBenchDataset(scenarioFile, {});
    const dir = await writeDir({ visits: false });
    assert.equal(mem.kind, 'scenario');
    assert.equal(mem.origin, scenarioFile);
    assert.deepEqual(mem.manifest, readJson(dir));
    assert.equal(mem.manifestSha256, sha(readFileSync(join(dir, 'manifest.json'))));
    for (const site of mem.manifest.sites) {
      assert.equal(site.files.patients.sha256, sha(readFileSync(join(dir, site.files.patients.file))));
    }
  });

  test('seed and scale override the scenario, as in `generate --seed --scale`', async () => {
    const mem = await loadBenchDataset(scenarioFile, { seed: 99, scale: 0.5 });
    const dir = await writeDir({ visits: false, seed: 99, scale: 0.5 });
    assert.equal(mem.manifest.seed, 99);
    assert.equal(mem.manifest.scale, 0.5);
    assert.deepEqual(mem.sites.map((s) => s.table.numRows), [175, 125]);
    assert.equal(mem.manifestSha256, sha(readFileSync(join(dir, 'manifest.json'))));
  });

  test('in memory and from a written directory: identical prepared matrices for the same seed', async () => {
    const mem = await loadBenchDataset(scenarioFile, {});
    const disk = await loadBenchDataset(await writeDir(), {}); // with visits: only patients are used
    for (const opts of [prepOpts({ seed: 4 }), prepOpts({ seed: 5, normalization: 'per-site', missingIndicators: false })]) {
      const a = prepareSeed(mem, opts);
      const b = prepareSeed(disk, opts);
      assert.deepEqual(a.featureNames, b.featureNames);
      assert.deepEqual(a.preprocessing, b.preprocessing);
      for (const [k, site] of a.sites.entries()) {
        const other = b.sites[k];
        assert.deepEqual(site.splitOfRow, other.splitOfRow);
        assert.deepEqual(site.patientIds, other.patientIds);
        for (const part of ['train', 'validation', 'test'] as const) {
          assert.deepEqual(site[part].data.x, other[part].data.x, `${site.id} ${part} x`);
          assert.deepEqual(site[part].data.y, other[part].data.y);
          assert.deepEqual(site[part].trueRisk, other[part].trueRisk);
          assert.deepEqual(site[part].patientIds, other[part].patientIds);
        }
      }
    }
  });
});
