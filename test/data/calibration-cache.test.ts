import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  CALIBRATION_CACHE_MAX_ENTRIES,
  cachedCalibration,
  calibrationCacheDir,
  calibrationEntryPath,
  calibrationKey,
  decodeCalibration,
  encodeCalibration,
  pruneCalibrationCache,
  storeCalibration,
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
    assert.deepEqual(readdirSync(dir), [`${calibrationKey(alpha, 5)}.cal`]);
    // Binary: the raw sample plus a small header, not base64 (format 1 took 427 KB).
    assert.ok(statSync(join(dir, readdirSync(dir)[0])).size < 40_000 * 8 + 1_024);
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
    const path = calibrationEntryPath(dir, key);
    const good = readFileSync(path);
    const foreign = Buffer.from(good);
    foreign.write(calibrationKey(beta, 5), good.indexOf(key), 'latin1'); // same length, another key
    const badMagic = Buffer.from(good);
    badMagic[0] ^= 1;
    const formatOne = Buffer.from(JSON.stringify({ format: 1, key, thresholds: [0, 1] }));
    const longHeader = Buffer.from(good);
    longHeader.writeUInt32LE(0xffff_fff0, 8);
    for (const bad of [good.subarray(0, good.length / 2), good.subarray(0, 5), Buffer.alloc(0), foreign, badMagic, formatOne, longHeader, Buffer.concat([good, Buffer.alloc(8)])]) {
      writeFileSync(path, bad);
      assert.equal(decodeCalibration(key, bad), null);
      const r = cachedCalibration(alpha, 5, dir);
      assert.equal(r.source, 'miss');
      assertSameCalibration(r.calibration, direct);
      assert.ok(readFileSync(path).equals(good));
    }
    // A sample that is no longer sorted (bit rot in the middle of the bytes) is refused too.
    const rotten = Buffer.from(good);
    rotten.writeDoubleLE(1e9, good.length - 8 * 100);
    assert.equal(decodeCalibration(key, rotten), null);
    assert.notEqual(decodeCalibration(key, encodeCalibration(key, direct)), null);
  });

  test('the cache keeps the most recently used entries: a hit refreshes, a store prunes the oldest', () => {
    const dir = freshDir();
    const keys = Array.from({ length: 6 }, (_, i) => calibrationKey(alpha, 100 + i));
    // Stored with modification times one minute apart, oldest first; the limit is 4.
    const base = Date.now() / 1000 - 3_600;
    keys.slice(0, 4).forEach((key, i) => {
      storeCalibration(dir, key, direct, 4);
      utimesSync(calibrationEntryPath(dir, key), base + 60 * i, base + 60 * i);
    });
    // A hit on the oldest makes it the most recent (a real lookup, through cachedCalibration).
    assert.equal(cachedCalibration(alpha, 100, dir).source, 'hit');
    // Leftovers: a format-1 entry, a temp file of a writer killed two hours ago, and one being written now.
    writeFileSync(join(dir, `${'a'.repeat(64)}.json`), '{}');
    const staleTemp = join(dir, `${keys[5]}.cal.tmp-1-aaaaaa`);
    const liveTemp = join(dir, `${keys[5]}.cal.tmp-2-bbbbbb`);
    writeFileSync(staleTemp, 'x');
    writeFileSync(liveTemp, 'x');
    utimesSync(staleTemp, base - 3_600, base - 3_600);
    storeCalibration(dir, keys[4], direct, 4);
    const left = readdirSync(dir).sort();
    // keys[1] (now the oldest) is gone; keys[0] survived because it was just used.
    const want = [keys[0], keys[2], keys[3], keys[4]].map((k) => `${k}.cal`);
    assert.deepEqual(left, [...want, `${keys[5]}.cal.tmp-2-bbbbbb`].sort());
    assert.ok(CALIBRATION_CACHE_MAX_ENTRIES * (40_000 * 8) <= 70 * 1024 * 1024, 'the default bound stays near 64 MB');
  });

  test('pruning an unreadable or vanished directory does nothing and throws nothing', () => {
    assert.doesNotThrow(() => pruneCalibrationCache(join(root, 'no-such-dir'), 1));
    const dir = freshDir();
    mkdirSync(dir);
    assert.doesNotThrow(() => pruneCalibrationCache(dir, 0));
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
    const bytes = encodeCalibration(key, direct);
    // Each writer stores the entry 40 times; the main thread reads while they write.
    const source = `
      const { workerData } = require('node:worker_threads');
      import(workerData.moduleUrl).then(({ storeCalibration, decodeCalibration }) => {
        const c = decodeCalibration(workerData.key, workerData.bytes);
        for (let i = 0; i < 40; i++) storeCalibration(workerData.dir, workerData.key, c);
      });`;
    const writers = [0, 1].map(() => new Worker(source, { eval: true, workerData: { moduleUrl, key, bytes, dir } }));
    const done = writers.map((w) => new Promise((resolve, reject) => (w.on('exit', resolve), w.on('error', reject))));
    let reads = 0;
    let whole = 0;
    let finished = false;
    void Promise.all(done).then(() => (finished = true));
    while (!finished) {
      try {
        const t = readFileSync(calibrationEntryPath(dir, key));
        reads++;
        if (decodeCalibration(key, t) !== null) whole++;
      } catch {
        // not written yet
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(done);
    assert.equal(whole, reads, `${reads - whole} of ${reads} reads saw a partial entry`);
    assert.deepEqual(readdirSync(dir), [`${key}.cal`]);
    assert.ok(readFileSync(calibrationEntryPath(dir, key)).equals(bytes));
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
