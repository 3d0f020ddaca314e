import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import type { Manifest } from '../../src/data/manifest.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { parseScenario } from '../../src/scenario/parse.js';

const root = mkdtempSync(join(tmpdir(), 'fedage-write-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => join(root, `out-${dirCount++}`);

const siteYaml = (id: string, patients: number, extra = '') => `  - id: ${id}
    patients: ${patients}
${extra}`;
const scenarioYaml = (sites: string[], { seed = 11, target = 'incident_dementia_code' } = {}) =>
  `consortium:\n  name: det\n  seed: ${seed}\n  target: ${target}\nsites:\n${sites.join('')}`;

const SITE_A = siteYaml('alpha', 700);
const SITE_B = siteYaml('beta', 500, '    coding: { labUnits: SI, icdSystem: WHO-ICD-10, switchDate: null }\n');
const SITE_C = siteYaml('gamma', 300);

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
const filesOf = (dir: string): string[] => readdirSync(dir).sort();

async function write(yaml: string, opts: { seed?: number; batchSize?: number; force?: boolean; dir?: string } = {}): Promise<string> {
  const dir = opts.dir ?? freshDir();
  await writeSyntheticDataset(parseScenario(yaml, 'det.yaml'), { outDir: dir, seed: opts.seed, batchSize: opts.batchSize, force: opts.force });
  return dir;
}

function assertNoTempFiles(dir: string): void {
  const tmp = readdirSync(dir).filter((f) => f.includes('.tmp-'));
  assert.deepEqual(tmp, [], `temp files left in ${dir}`);
}

// Generated once, reused by several tests.
const base = await write(scenarioYaml([SITE_A, SITE_B]));
const again = await write(scenarioYaml([SITE_A, SITE_B]));

describe('determinism', () => {
  test('same scenario and seed: byte-identical .arrow, .visits.arrow and manifest.json', () => {
    const names = filesOf(base);
    assert.deepEqual(names, ['alpha.arrow', 'alpha.visits.arrow', 'beta.arrow', 'beta.visits.arrow', 'manifest.json']);
    assert.deepEqual(filesOf(again), names);
    for (const f of names) assert.ok(readFileSync(join(base, f)).equals(readFileSync(join(again, f))), `${f} differs between runs`);
  });

  test('a different seed changes every data file', async () => {
    const other = await write(scenarioYaml([SITE_A, SITE_B]), { seed: 12 });
    for (const f of filesOf(base)) assert.notEqual(sha(join(other, f)), sha(join(base, f)), `${f} unchanged with another seed`);
    assert.equal(readManifest(other).seed, 12);
    // The seed in the scenario file does the same as the override.
    const viaScenario = await write(scenarioYaml([SITE_A, SITE_B], { seed: 12 }));
    for (const f of ['alpha.arrow', 'alpha.visits.arrow', 'beta.arrow', 'beta.visits.arrow']) {
      assert.equal(sha(join(viaScenario, f)), sha(join(other, f)), f);
    }
  });

  test('adding a site leaves the other sites byte-identical (files and manifest hashes)', async () => {
    const bigger = await write(scenarioYaml([SITE_A, SITE_C, SITE_B]));
    const m0 = readManifest(base);
    const m1 = readManifest(bigger);
    assert.deepEqual(m1.sites.map((s) => s.id), ['alpha', 'gamma', 'beta']);
    for (const id of ['alpha', 'beta']) {
      const s0 = m0.sites.find((s) => s.id === id)!;
      const s1 = m1.sites.find((s) => s.id === id)!;
      assert.deepEqual(s1.files, s0.files, `${id}: manifest file entries changed`);
      assert.deepEqual(s1.groundTruth, s0.groundTruth, `${id}: ground truth changed`);
      for (const f of [`${id}.arrow`, `${id}.visits.arrow`]) {
        assert.ok(readFileSync(join(bigger, f)).equals(readFileSync(join(base, f))), `${f} changed when a site was added`);
      }
    }
  });

  test('batch size 1000 vs the default: identical content in every site table and identical manifest ground truth', async () => {
    // The record-batch framing is part of the Arrow IPC bytes, so the files are compared by
    // decoded content, column by column, row by row (and the manifest's realized statistics).
    const small = await write(scenarioYaml([SITE_A, SITE_B]), { batchSize: 97 });
    const thousand = await write(scenarioYaml([SITE_A, SITE_B]), { batchSize: 1000 });
    for (const dir of [small, thousand]) {
      for (const f of ['alpha.arrow', 'alpha.visits.arrow', 'beta.arrow', 'beta.visits.arrow']) {
        const a = tableFromIPC(readFileSync(join(base, f)));
        const b = tableFromIPC(readFileSync(join(dir, f)));
        assert.equal(b.numRows, a.numRows, f);
        for (const field of a.schema.fields) {
          const ca = a.getChild(field.name)!.toArray();
          const cb = b.getChild(field.name)!.toArray();
          assert.deepEqual(Array.from(cb as ArrayLike<unknown>), Array.from(ca as ArrayLike<unknown>), `${f}: column ${field.name} depends on the batch size`);
          const nullsA = Array.from({ length: a.numRows }, (_, i) => a.getChild(field.name)!.isValid(i));
          const nullsB = Array.from({ length: b.numRows }, (_, i) => b.getChild(field.name)!.isValid(i));
          assert.deepEqual(nullsB, nullsA, `${f}: nulls of ${field.name} depend on the batch size`);
        }
      }
      const m0 = readManifest(base);
      const m1 = readManifest(dir);
      for (let k = 0; k < m0.sites.length; k++) assert.deepEqual(m1.sites[k].groundTruth, m0.sites[k].groundTruth);
    }
  });
});

describe('manifest', () => {
  const manifest = readManifest(base);

  test('sha256, bytes and rows of every file entry match the files', () => {
    for (const site of manifest.sites) {
      for (const entry of [site.files.patients, site.files.visits!]) {
        const path = join(base, entry.file);
        assert.equal(entry.sha256, sha(path), `${entry.file}: sha256`);
        assert.equal(entry.bytes, statSync(path).size, `${entry.file}: bytes`);
        assert.equal(entry.rows, tableFromIPC(readFileSync(path)).numRows, `${entry.file}: rows`);
      }
      assert.equal(site.patients, site.files.patients.rows);
      assert.equal(site.visits, site.files.visits!.rows);
    }
    assert.deepEqual(manifest.sites.map((s) => s.patients), [700, 500]);
  });

  test('features are role=feature columns of the written schema: no ground_truth, id, target or meta', () => {
    for (const site of manifest.sites) {
      const schema = tableFromIPC(readFileSync(join(base, site.files.patients.file))).schema;
      const role = new Map(schema.fields.map((f) => [f.name, f.metadata.get('fedage.role')]));
      assert.ok(manifest.features.length > 20);
      for (const name of manifest.features) {
        assert.ok(role.has(name), `feature ${name} not in ${site.files.patients.file}`);
        assert.equal(role.get(name), 'feature', `feature ${name} has role ${role.get(name)}`);
      }
      for (const banned of ['patient_id', 'site', 'enrollment_date', 'target', 'followup_years', 'true_risk', 'true_dx_baseline', 'true_event_years']) {
        assert.ok(!manifest.features.includes(banned), `${banned} listed as a feature`);
      }
      // Every ground-truth column of the file is listed as such in the manifest, and vice versa.
      const gt = schema.fields.filter((f) => f.metadata.get('fedage.role') === 'ground_truth').map((f) => f.name);
      assert.deepEqual([...manifest.groundTruthColumns].sort(), gt.sort());
      assert.ok(gt.includes('true_risk'));
    }
  });

  test('target frailty: features exclude fried_*, fried_count, frailty_phenotype, gait and grip', async () => {
    const dir = await write(scenarioYaml([SITE_C], { target: 'frailty' }));
    const m = readManifest(dir);
    assert.equal(m.target, 'frailty');
    for (const name of m.features) assert.ok(!/^fried_/.test(name) && name !== 'frailty_phenotype', `${name} is a feature for frailty`);
    for (const name of ['gait_speed_m_s', 'grip_strength_kg']) assert.ok(!m.features.includes(name), name);
    // ...but they are features for the conversion target.
    for (const name of ['fried_exhaustion', 'frailty_phenotype', 'gait_speed_m_s']) assert.ok(manifest.features.includes(name), name);
  });

  test('target current_impairment: the recorded baseline diagnosis is not a feature', async () => {
    const dir = await write(scenarioYaml([SITE_C], { target: 'current_impairment' }));
    const m = readManifest(dir);
    for (const name of ['dx_code_baseline', 'dx_recorded_baseline']) assert.ok(!m.features.includes(name), name);
    assert.ok(manifest.features.includes('dx_code_baseline'));
  });
});

describe('output directory', () => {
  test('a non-empty directory without force: error with exitCode 2, existing files untouched', async () => {
    const dir = freshDir();
    await write(scenarioYaml([SITE_C]), { dir });
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const before = new Map(filesOf(dir).map((f) => [f, { sha: sha(join(dir, f)), mtime: statSync(join(dir, f)).mtimeMs }]));
    await assert.rejects(write(scenarioYaml([SITE_C], { seed: 99 }), { dir }), (err: unknown) => {
      assert.equal((err as { exitCode?: number }).exitCode, 2);
      assert.match(String((err as Error).message), /not empty/);
      return true;
    });
    assert.deepEqual(filesOf(dir), [...before.keys()]);
    for (const [f, b] of before) {
      assert.equal(sha(join(dir, f)), b.sha, `${f} modified`);
      assert.equal(statSync(join(dir, f)).mtimeMs, b.mtime, `${f} touched`);
    }
  });

  test('with force the files are overwritten (and match a fresh write); no *.tmp-* files remain', async () => {
    const dir = freshDir();
    await write(scenarioYaml([SITE_C]), { dir });
    await write(scenarioYaml([SITE_C], { seed: 99 }), { dir, force: true });
    const fresh = await write(scenarioYaml([SITE_C], { seed: 99 }));
    for (const f of filesOf(fresh)) assert.equal(sha(join(dir, f)), sha(join(fresh, f)), `${f} not overwritten`);
    assert.equal(readManifest(dir).seed, 99);
    assertNoTempFiles(dir);
  });

  test('an output path that is a file is refused with exitCode 2', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(write(scenarioYaml([SITE_C]), { dir: file }), (err: unknown) => (err as { exitCode?: number }).exitCode === 2);
  });

  test('no *.tmp-* files remain after any of the writes in this file', () => {
    for (const d of readdirSync(root)) {
      const p = join(root, d);
      if (statSync(p).isDirectory()) assertNoTempFiles(p);
    }
  });
});
