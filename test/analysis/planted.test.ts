/**
 * The dashboard against the planted ground truth of scenarios/consortium-planted.yaml:
 *  - the low-quality site (label noise 0.3, heavy under-coding) ranks last by a clear margin,
 *    by the reconstruction and by exact retraining of every coalition;
 *  - the clean duplicate of clinic-a gets nearly the value of clinic-a;
 *  - every site's ICD-9-CM -> ICD-10-CM switch (2015-10-01) is found within one period;
 *  - the same consortium without the switch raises no code alarm, and feature-shift alarms stay
 *    rare (the false-alarm rate of a scenario without drift).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { analyzeRun, analyzeRunParallel, enrollmentDriftOf } from '../../src/analysis/dashboard.js';
import { runBench } from '../../src/bench/runner.js';
import { datasetFromScenario } from '../../src/data/load.js';
import { parseScenario } from '../../src/scenario/parse.js';

const FILE = new URL('../../../scenarios/consortium-planted.yaml', import.meta.url);

describe('consortium-planted', async () => {
  const run = await runBench(FILE.pathname, { workers: 1, overrides: { seeds: [0, 1, 2] } });
  const dashboard = analyzeRun(run);
  const fedavg = dashboard.contribution.arms.find((a) => a.arm === 'fedavg')!;
  const value = (site: string) => fedavg.shapley[fedavg.sites.indexOf(site)]!.mean;

  test('the site valuation on worker threads equals the in-thread dashboard exactly (2 and 3 workers)', async () => {
    // minParallelWork 0: use the threads even for this small run.
    for (const workers of [2, 3]) assert.deepEqual(await analyzeRunParallel(run, { workers, minParallelWork: 0 }), dashboard);
  });

  test('the low-quality site ranks last by a clear margin (reconstructed Shapley, mean over seeds)', () => {
    assert.equal(fedavg.ranking.at(-1), 'low-quality');
    const clean = fedavg.sites.filter((s) => s !== 'low-quality').map(value);
    const lowest = Math.min(...clean);
    // Clear margin: below the lowest clean site by more than half the clean sites' mean value.
    const meanClean = clean.reduce((a, b) => a + b, 0) / clean.length;
    assert.ok(value('low-quality') < lowest - 0.5 * meanClean, `low-quality ${value('low-quality')}, clean ${clean.join(', ')}`);
  });

  test('exact retraining of all 31 coalitions agrees: the low-quality site is last, the duplicate close to its original', () => {
    const r = fedavg.retrained!;
    assert.ok(r, 'five sites: the retraining check runs');
    const v = (site: string) => r.shapley[fedavg.sites.indexOf(site)];
    const others = fedavg.sites.filter((s) => s !== 'low-quality').map(v);
    assert.ok(v('low-quality') < Math.min(...others) - 0.1 * Math.min(...others), `retrained ${r.shapley}`);
    assert.ok(Math.abs(v('clinic-a') - v('clinic-a-copy')) < 0.15 * Math.max(v('clinic-a'), v('clinic-a-copy')), `clinic-a ${v('clinic-a')} vs copy ${v('clinic-a-copy')}`);
    assert.ok(r.spearman > 0, `rank agreement ${r.spearman}`);
  });

  test('the clean duplicate gets nearly equal value to the original (reconstructed, mean over seeds)', () => {
    const a = value('clinic-a');
    const copy = value('clinic-a-copy');
    const gapToBad = Math.min(a, copy) - value('low-quality');
    assert.ok(Math.abs(a - copy) < 0.25 * gapToBad, `clinic-a ${a} vs copy ${copy}; gap to the low-quality site ${gapToBad}`);
  });

  test('every planted ICD switch is found within one enrollment period', () => {
    for (const s of dashboard.drift.enrollment) {
      assert.ok(s.plantedSwitch, `${s.site}: the switch is planted`);
      assert.equal(s.switchFound, true, `${s.site}: change point ${JSON.stringify(s.codeChangePoint)}`);
    }
  });

  test('client drift and fairness are recorded for every federated arm and subgroup', () => {
    assert.deepEqual(dashboard.drift.clientDrift.map((c) => c.arm), ['fedavg']);
    const cos = dashboard.drift.clientDrift[0].meanCosine as number;
    assert.ok(cos > -1 && cos < 1);
    assert.deepEqual(dashboard.fairness.attributes, ['sex', 'ageBand', 'educationBand', 'site', 'raceEthnicity']);
    assert.ok(dashboard.fairness.federationVsLocal.some((f) => f.arm === 'fedavg'));
  });

  test('without the switch: no code alarm, and under 1 % of feature-shift tests alarm', () => {
    const text = readFileSync(FILE, 'utf8').replace('switchDate: 2015-10-01', 'switchDate: null');
    const scenario = parseScenario(text, FILE.pathname);
    const drift = enrollmentDriftOf(datasetFromScenario(scenario, FILE.pathname));
    for (const s of drift.enrollment) {
      assert.equal(s.plantedSwitch, null);
      assert.equal(s.codeChangePoint?.alarm ?? false, false, `${s.site}: ${JSON.stringify(s.codeChangePoint)}`);
      assert.equal(s.switchFound, true);
    }
    assert.ok(drift.falseAlarmRate.tests > 500);
    assert.ok(drift.falseAlarmRate.alarms / drift.falseAlarmRate.tests < 0.01, JSON.stringify(drift.falseAlarmRate));
  });
});
