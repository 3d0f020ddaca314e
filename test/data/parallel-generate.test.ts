import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MIN_PATIENTS_FOR_WORKERS, generateSitesInWorkers, generateWorkerCount } from '../../src/data/parallel-generate.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { parseScenario } from '../../src/scenario/parse.js';

const root = mkdtempSync(join(tmpdir(), 'fedage-parallel-generate-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Four uneven sites (largest not first), so that largest-first scheduling reorders them.
const yaml = `consortium:\n  name: par\n  seed: 9\n  target: incident_dementia_code\nsites:\n  - id: small\n    patients: 150\n  - id: large\n    patients: 900\n  - id: middle\n    patients: 400\n    coding: { labUnits: SI, icdSystem: WHO-ICD-10, switchDate: null }\n  - id: tiny\n    patients: 60\n`;
const scenario = parseScenario(yaml, 'par.yaml');

/** Every file's name and SHA-256 (manifest.json included): equal digests = byte-identical directories. */
const digest = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => `${f} ${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')}`);

describe('sites generated on worker threads', () => {
  test('byte-identical to serial generation, with and without visits, for 2 and 3 workers', async () => {
    for (const visits of [true, false]) {
      const serial = join(root, `serial-${visits}`);
      await writeSyntheticDataset(scenario, { outDir: serial, visits, workers: 1, batchSize: 256 });
      const expected = digest(serial);
      assert.equal(expected.length, visits ? 9 : 5);
      for (const workers of [2, 3]) {
        const dir = join(root, `w${workers}-${visits}`);
        const progress: string[] = [];
        await writeSyntheticDataset(scenario, { outDir: dir, visits, workers, batchSize: 256, onProgress: (p) => progress.push(`${p.siteId}:${p.patientsDone}`) });
        assert.deepEqual(digest(dir), expected, `${workers} workers, visits ${visits}`);
        // Every site reported its last batch from its worker.
        for (const s of scenario.sites) assert.ok(progress.includes(`${s.id}:${s.patients}`), `no final progress for ${s.id}`);
      }
    }
  });

  test('worker count: never more than sites; one thread for small runs unless asked', () => {
    assert.equal(generateWorkerCount(scenario, 1), 1);
    assert.equal(generateWorkerCount(scenario, 1, 8), 4);
    assert.equal(generateWorkerCount(scenario, 1, 2), 2);
    const patients = scenario.sites.reduce((a, s) => a + s.patients, 0);
    assert.ok(generateWorkerCount(scenario, Math.ceil(MIN_PATIENTS_FOR_WORKERS / patients)) >= 1);
  });

  test('this thread takes the largest site; a worker thread that fails stops it before the call returns', async () => {
    const calls: number[] = [];
    let sawStop = false;
    let finishedAt = 0;
    // The worker threads write below a regular file: their first site fails.
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const missing = join(file, 'deeper');
    const failure = generateSitesInWorkers(scenario, missing, { visits: false }, 2, async (siteIndex, stopped) => {
      calls.push(siteIndex);
      // A long site on this thread: batches until told to stop (the worker thread needs a while to start).
      for (const end = performance.now() + 30_000; performance.now() < end; ) {
        if (stopped()) {
          sawStop = true;
          finishedAt = performance.now();
          throw new Error('stopped');
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      throw new Error('never stopped');
    });
    await assert.rejects(failure, (err: Error) => !/stopped/.test(err.message));
    const returnedAt = performance.now();
    assert.deepEqual(calls, [1], 'this thread ran the largest site (index 1) and no other');
    assert.ok(sawStop && finishedAt <= returnedAt, 'this thread stopped before the call returned');
  });
});
