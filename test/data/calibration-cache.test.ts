import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  cachedCalibration,
  calibrationCacheDir,
  calibrationKey,
  decodeCalibration,
  encodeCalibration,
} from '../../src/data/calibration-cache.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { calibrateSite, type SiteCalibration } from '../../src/synth/site-model.js';

const root = mkdtempSync(join(tmpdir(), 'fedage-calibration-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `c${dirs++}`);

const yaml = `consortium:\n  name: cal\n  seed: 5\n  target: incident_dementia_code\nsites:\n  - id: alpha\n    patients: 400\n  - id: beta\n    patients: 300\n    apoeE4CarrierRate: 0.5\n`;
const scenario = parseScenario(yaml, 'cal.yaml');
const [alpha, beta] = scenario.sites;

/** Bit-for-bit equality (Object.is: -0 and NaN distinguished), typed array included. */
function assertSameCalibration(a: SiteCalibration, b: SiteCalibration): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const key of Object.keys(a) as (keyof SiteCalibration)[]) {
    if (key === 'liabilitySample') {
      assert.ok(Buffer.from(a.liabilitySample.buffer).equals(Buffer.from(b.liabilitySample.buffer)), 'liability samples differ');
    } else if (key === 'thresholds') {
      assert.ok(Object.is(a.thresholds[0], b.thresholds[0]) && Object.is(a.thresholds[1], b.thresholds[1]), 'thresholds differ');
    } else {
      assert.ok(Object.is(a[key], b[key]), `${key}: ${a[key]} vs ${b[key]}`);
    }
  }
}

describe('calibration cache', () => {
  const direct = calibrateSite(alpha, 5);

  test('a miss computes and stores; a hit returns the same numbers bit for bit', () => {
    const dir = freshDir();
    const first = cachedCalibration(alpha, 5, dir);
    assert.equal(first.source, 'miss');
    assertSameCalibration(first.calibration, direct);
    assert.deepEqual(readdirSync(dir), [`${calibrationKey(alpha, 5)}.json`]);
    const second = cachedCalibration(alpha, 5, dir);
    assert.equal(second.source, 'hit');
    assertSameCalibration(second.calibration, direct);
  });

  test('the key follows the seed and the settings calibration reads, not the patient count or name', () => {
    const k = calibrationKey(alpha, 5);
    assert.notEqual(calibrationKey(alpha, 6), k);
    assert.notEqual(calibrationKey({ ...alpha, apoeE4CarrierRate: alpha.apoeE4CarrierRate + 0.01 }, 5), k);
    assert.notEqual(calibrationKey({ ...alpha, id: 'other' }, 5), k); // the id seeds the streams
    assert.notEqual(calibrationKey(beta, 5), k);
    assert.equal(calibrationKey({ ...alpha, patients: alpha.patients * 10, name: 'renamed' }, 5), k);
  });

  test('a corrupt, truncated or foreign entry is recomputed and rewritten', () => {
    const dir = freshDir();
    const key = calibrationKey(alpha, 5);
    cachedCalibration(alpha, 5, dir);
    const path = join(dir, `${key}.json`);
    const good = readFileSync(path, 'utf8');
    for (const bad of [good.slice(0, good.length / 2), '{}', 'not json', good.replace(key, calibrationKey(beta, 5))]) {
      writeFileSync(path, bad);
      const r = cachedCalibration(alpha, 5, dir);
      assert.equal(r.source, 'miss');
      assertSameCalibration(r.calibration, direct);
      assert.equal(readFileSync(path, 'utf8'), good);
    }
    // A sample that is no longer sorted (bit rot in the middle of the bytes) is refused too.
    const entry = JSON.parse(good) as { liabilitySampleBase64: string };
    const bytes = Buffer.from(entry.liabilitySampleBase64, 'base64');
    bytes.writeDoubleLE(1e9, 8 * 100);
    assert.equal(decodeCalibration(key, JSON.stringify({ ...entry, liabilitySampleBase64: bytes.toString('base64') })), null);
    assert.notEqual(decodeCalibration(key, encodeCalibration(key, direct)), null);
  });

  test('FEDAGE_CACHE_DIR chooses the directory; off turns the cache off; otherwise the OS cache directory', () => {
    assert.equal(calibrationCacheDir({ FEDAGE_CACHE_DIR: '/x/y' }), join('/x/y', 'calibration'));
    assert.equal(calibrationCacheDir({ FEDAGE_CACHE_DIR: 'off' }), null);
    assert.equal(cachedCalibration(alpha, 5, null).source, 'off');
    if (process.platform === 'linux') assert.equal(calibrationCacheDir({ XDG_CACHE_HOME: '/xdg' }), join('/xdg', 'fedage', 'calibration'));
  });

  test('an unwritable cache directory is skipped: the calibration is still returned', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const r = cachedCalibration(alpha, 5, join(file, 'below'));
    assert.equal(r.source, 'miss');
    assertSameCalibration(r.calibration, direct);
  });

  test('two threads writing the same entry at once: every read sees a whole entry, no temp file is left', async () => {
    const dir = freshDir();
    const key = calibrationKey(alpha, 5);
    const moduleUrl = new URL('../../src/data/calibration-cache.js', import.meta.url).href;
    const text = encodeCalibration(key, direct);
    // Each writer stores the entry 40 times; the main thread reads while they write.
    const source = `
      const { workerData } = require('node:worker_threads');
      import(workerData.moduleUrl).then(({ storeCalibration, decodeCalibration }) => {
        const c = decodeCalibration(workerData.key, workerData.text);
        for (let i = 0; i < 40; i++) storeCalibration(workerData.dir, workerData.key, c);
      });`;
    const writers = [0, 1].map(() => new Worker(source, { eval: true, workerData: { moduleUrl, key, text, dir } }));
    const done = writers.map((w) => new Promise((resolve, reject) => (w.on('exit', resolve), w.on('error', reject))));
    let reads = 0;
    let whole = 0;
    let finished = false;
    void Promise.all(done).then(() => (finished = true));
    while (!finished) {
      try {
        const t = readFileSync(join(dir, `${key}.json`), 'utf8');
        reads++;
        if (decodeCalibration(key, t) !== null) whole++;
      } catch {
        // not written yet
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(done);
    assert.equal(whole, reads, `${reads - whole} of ${reads} reads saw a partial entry`);
    assert.deepEqual(readdirSync(dir), [`${key}.json`]);
    assert.equal(readFileSync(join(dir, `${key}.json`), 'utf8'), text);
  });

  test('generated files are byte-identical with the cache off, on a miss and on a hit', async () => {
    const saved = process.env.FEDAGE_CACHE_DIR;
    const digest = (dir: string) =>
      readdirSync(dir)
        .sort()
        .map((f) => `${f}:${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')}`)
        .join('\n');
    const outputs: string[] = [];
    const cacheDir = freshDir();
    try {
      for (const setting of ['off', cacheDir, cacheDir]) {
        process.env.FEDAGE_CACHE_DIR = setting;
        const out = freshDir();
        await writeSyntheticDataset(scenario, { outDir: out, visits: false });
        outputs.push(digest(out));
      }
    } finally {
      if (saved === undefined) delete process.env.FEDAGE_CACHE_DIR;
      else process.env.FEDAGE_CACHE_DIR = saved;
    }
    assert.equal(readdirSync(join(cacheDir, 'calibration')).length, 2);
    assert.equal(outputs[1], outputs[0]);
    assert.equal(outputs[2], outputs[0]);
  });
});
