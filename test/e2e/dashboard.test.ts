/**
 * The consortium dashboard through the built CLI: `fedage bench` writes results.json
 * `fairness`, `contribution`, `drift` and the report's dashboard sections (none with
 * --no-dashboard); `fedage inspect --drift` reports the planted switch of a generated directory
 * and the population shift between its sites.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const fedage = (...args: string[]) => spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

describe('consortium dashboard (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-dashboard-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('bench writes fairness, contribution and drift, and the report draws them', () => {
    const out = join(dir, 'with');
    const r = fedage('bench', 'consortium-planted', '--seeds', '2', '--rounds', '5', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(result.fairness.attributes, ['sex', 'ageBand', 'educationBand', 'site', 'raceEthnicity']);
    assert.ok(result.fairness.arms.some((a: { arm: string }) => a.arm === 'local (each site its own model)'));
    assert.deepEqual(result.contribution.arms.map((a: { arm: string }) => a.arm), ['fedavg']);
    assert.equal(result.contribution.arms[0].sites.length, 5);
    assert.equal(result.drift.enrollment.length, 5);
    assert.equal(result.drift.clientDrift[0].rounds.length, 5);
    assert.deepEqual(result.drift.siteShift.map((s: { site: string }) => s.site), result.drift.enrollment.map((s: { site: string }) => s.site));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const id of ['subgroups', 'contribution', 'drift']) assert.ok(html.includes(`<section id="${id}"`), id);
    assert.match(html, /Population shift between sites/);
    for (const fig of ['subgroup-heatmap', 'shapley', 'drift-timeline', 'client-drift']) assert.ok(html.includes(`data-figure="${fig}"`), fig);
  });

  test('--no-dashboard leaves them out', () => {
    const out = join(dir, 'without');
    const r = fedage('bench', 'consortium-planted', '--seeds', '1', '--rounds', '2', '--arms', 'central,fedavg', '--no-dashboard', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(result.fairness, undefined);
    assert.equal(result.contribution, undefined);
    assert.ok(!readFileSync(join(out, 'report.html'), 'utf8').includes('<section id="subgroups"'));
  });

  test('inspect --drift finds the planted switch in a generated directory', () => {
    const data = join(dir, 'data');
    assert.equal(fedage('generate', 'consortium-planted', '--out', data, '--no-visits').status, 0);
    const r = fedage('inspect', data, '--drift', '--json');
    assert.equal(r.status, 0, r.stderr);
    const { drift } = JSON.parse(r.stdout);
    assert.equal(drift.enrollment.length, 5);
    for (const s of drift.enrollment) assert.equal(s.switchFound, true, s.site);
    // Five sites from one population (the low-quality site differs in its labels and codes only).
    assert.equal(drift.siteShift.length, 5);
    for (const s of drift.siteShift) assert.equal(s.alarms, 0, `${s.site}: ${s.shiftedFeatures}`);
    const text = fedage('inspect', data, '--drift').stdout;
    assert.match(text, /planted switch 2015-10-01: found within one period/);
    assert.match(text, /Population shift between sites[^]*low-quality +1500 +0\/\d+ /);
  });
});
