/**
 * The generator against its citations: the default scenario at --scale 3 (about 39,000
 * patients, visits included) must reproduce every row of fidelity/targets.yaml within its
 * tolerance. The rows are computed by src/data/fidelity from the written Arrow files, the same
 * path as `fedage inspect DIR --fidelity`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseScenario } from '../../../src/scenario/parse.js';
import { writeSyntheticDataset } from '../../../src/data/write-dataset.js';
import { fidelityReport, readFidelityTargets } from '../../../src/data/fidelity/report.js';
import { InputError } from '../../../src/errors.js';

const ROOT = new URL('../../../../', import.meta.url);
const TARGETS = new URL('fidelity/targets.yaml', ROOT).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fedage-fidelity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('fidelity/targets.yaml', () => {
  test('the default scenario at scale 3 reproduces every cited row within tolerance', async () => {
    const file = new URL('scenarios/alzheimers-3site.yaml', ROOT);
    const scenario = parseScenario(readFileSync(file, 'utf8'), file.pathname);
    await writeSyntheticDataset(scenario, { outDir: join(dir, 'data'), scale: 3 });
    const report = await fidelityReport(join(dir, 'data'), TARGETS);
    assert.ok(report.rows.length >= 20, `${report.rows.length} rows`);
    const failed = report.rows.filter((r) => !r.ok).map((r) => `${r.quantity} ${r.group} ${r.site ?? 'all'}: cited ${r.cited} ± ${r.tolerance}, generated ${r.generated}`);
    assert.deepEqual(failed, []);
    assert.equal(report.failed, 0);
  });

  test('every row names a source key resolved in the scenario refs', async () => {
    const targets = await readFidelityTargets(TARGETS);
    const scenario = readFileSync(new URL(targets.scenario, ROOT), 'utf8');
    for (const r of targets.rows) assert.match(scenario, new RegExp(`^  ${r.source.replace(/[-]/g, '\\-')}: `, 'm'), `${r.source} in refs`);
  });

  test('a bad targets file is an InputError naming the row', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'scenario: x.yaml\nrows:\n  - { quantity: nope, group: CN, cited: 1, source: X, tolerance: 1 }\n');
    await assert.rejects(readFidelityTargets(bad), (err: unknown) => err instanceof InputError && /rows\.0\.quantity/.test(JSON.stringify((err as InputError).problems)));
  });
});
