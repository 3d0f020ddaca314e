import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { datasetFromScenario } from '../../../src/data/load.js';
import { featureSources, prepareSeed } from '../../../src/data/prepare/prepare.js';
import { SPLIT_EXCLUDED, SPLIT_TRAIN, type BenchDataset } from '../../../src/data/prepare/types.js';
import { InputError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { prepOpts, scenarioYaml } from './helpers.js';

const gen = (yaml: string): BenchDataset => datasetFromScenario(parseScenario(yaml, 'p.yaml'), 'p.yaml');
const ds = gen(scenarioYaml([{ id: 'alpha', patients: 500 }, { id: 'beta', patients: 300, coding: '{ labUnits: SI }' }]));

const withFeatures = (base: BenchDataset, features: string[]): BenchDataset => ({ ...base, manifest: { ...base.manifest, features } });

describe('prepareSeed', () => {
  test('no design column comes from an id, meta, target or ground-truth column, nor from a column defining the target', () => {
    for (const target of ['mci_to_ad', 'incident_dementia_code', 'frailty', 'current_impairment']) {
      const d = gen(scenarioYaml([{ id: 'alpha', patients: 200 }], { target }));
      const p = prepareSeed(d, prepOpts());
      const schema = new Map(d.manifest.schema.patients.map((c) => [c.name, c]));
      const sources = new Set(p.preprocessing.features.map((f) => f.source));
      assert.ok(sources.size > 10);
      for (const s of sources) {
        const col = schema.get(s)!;
        assert.equal(col.role, 'feature', `${target}: ${s}`);
        assert.ok(!d.manifest.groundTruthColumns.includes(s), `${target}: ${s} is ground truth`);
        assert.ok(!(col.definesTarget ?? []).includes(target), `${target}: ${s} defines the target`);
      }
      for (const banned of ['patient_id', 'site', 'target', 'true_risk', 'true_event', 'true_liability', 'followup_years', 'enrollment_date']) {
        assert.ok(!sources.has(banned), `${target}: ${banned} used as a feature`);
      }
      const dropped = p.preprocessing.droppedFeatures ?? [];
      assert.deepEqual([...sources], d.manifest.features.filter((f) => !dropped.includes(f)), 'features in the manifest order');
      assert.ok(dropped.includes('moca'), 'MoCA is never observed when every site screens with the MMSE');
    }
  });

  test('a manifest listing an id, target, ground-truth or target-defining column is an InputError', () => {
    for (const bad of ['true_risk', 'target', 'patient_id', 'true_dx_baseline', 'enrollment_date', 'no_such_column']) {
      assert.throws(
        () => prepareSeed(withFeatures(ds, [...ds.manifest.features, bad]), prepOpts()),
        (e: unknown) => e instanceof InputError && e.exitCode === 2 && e.message.includes(bad),
        bad,
      );
    }
    const frailty = gen(scenarioYaml([{ id: 'alpha', patients: 100 }], { target: 'frailty' }));
    assert.throws(() => featureSources(withFeatures(frailty, ['age_years', 'gait_speed_m_s']).manifest), /does not define the target frailty/);
  });

  test('labels, true risk and patient ids line up with the table rows', () => {
    const p = prepareSeed(ds, prepOpts());
    for (const [k, site] of p.sites.entries()) {
      const table = ds.sites[k].table;
      const target = table.getChild('target')!;
      const risk = table.getChild('true_risk')!;
      const ids = table.getChild('patient_id')!;
      assert.equal(site.splitOfRow.length, table.numRows);
      assert.equal(site.patientIds.length, table.numRows);
      let r = 0;
      for (let i = 0; i < table.numRows; i++) {
        assert.equal(site.patientIds[i], ids.get(i));
        if (!target.isValid(i)) assert.equal(site.splitOfRow[i], SPLIT_EXCLUDED);
        if (site.splitOfRow[i] !== SPLIT_TRAIN) continue;
        assert.equal(site.train.data.y[r], target.get(i));
        assert.equal(site.train.patientIds[r], ids.get(i));
        assert.equal(site.train.trueRisk![r], risk.get(i));
        r++;
      }
      assert.equal(r, site.train.data.n);
      const excluded = site.splitOfRow.filter((c) => c === SPLIT_EXCLUDED).length;
      assert.equal(site.train.data.n + site.validation.data.n + site.test.data.n + excluded, table.numRows);
      assert.ok(excluded < table.numRows);
      for (const part of [site.train, site.validation, site.test]) {
        assert.equal(part.data.x.length, part.data.n * p.featureNames.length);
        assert.ok(part.data.x.every(Number.isFinite));
        assert.ok(part.data.y.every((v) => v === 0 || v === 1));
      }
    }
  });

  test('a site keeps its split and its raw rows when another site is added; a new seed re-splits', () => {
    const alone = prepareSeed(gen(scenarioYaml([{ id: 'alpha', patients: 500 }])), prepOpts());
    const together = prepareSeed(ds, prepOpts());
    assert.deepEqual(together.sites[0].splitOfRow, alone.sites[0].splitOfRow);
    assert.deepEqual(together.sites[0].train.patientIds, alone.sites[0].train.patientIds);
    const reseeded = prepareSeed(ds, prepOpts({ seed: 2 }));
    assert.notDeepEqual(reseeded.sites[0].splitOfRow, together.sites[0].splitOfRow);
    assert.deepEqual(prepareSeed(ds, prepOpts()).sites[1].train.data.x, together.sites[1].train.data.x, 'deterministic');
  });
});
