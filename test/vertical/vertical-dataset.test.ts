/**
 * A vertical scenario's generated parties (src/vertical/party-tables.ts, vertical-dataset.ts):
 * sizes from coverage, party-local ids, join keys that link the same person everywhere, values
 * that are the population's, the ground-truth overlap, determinism.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../src/scenario/parse.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { datasetFromScenario } from '../../src/data/load.js';
import { readNumeric, readStrings } from '../../src/data/prepare/columns.js';
import { partyMembership } from '../../src/vertical/party-tables.js';
import { verticalDatasetInMemory, type VerticalDataset } from '../../src/vertical/vertical-dataset.js';

const SCENARIO = fileURLToPath(new URL('../../../scenarios/vertical-4party.yaml', import.meta.url));
const SCALE = 0.07;

let scenario: Scenario;
let data: VerticalDataset;
before(async () => {
  scenario = await loadScenario(SCENARIO);
  data = verticalDatasetInMemory(scenario, { scale: SCALE });
});

describe('partyMembership', () => {
  test('exactly round(coverage · n) distinct rows, deterministic per (seed, party), different between parties', () => {
    const a = partyMembership(1000, 0.37, 5, 'a');
    assert.equal(a.length, 370);
    assert.equal(new Set(a).size, 370);
    assert.ok(a.every((r) => r >= 0 && r < 1000));
    assert.deepEqual(a, partyMembership(1000, 0.37, 5, 'a'));
    assert.notDeepEqual(a, partyMembership(1000, 0.37, 5, 'b'));
    assert.equal(partyMembership(10, 1, 5, 'a').length, 10);
  });
});

describe('vertical dataset of scenarios/vertical-4party.yaml', () => {
  test('each party holds round(coverage · N) records, its own feature groups only, the label only at the label holder', () => {
    const n = data.manifest.population.patients;
    assert.equal(n, Math.round(scenario.sites[0].patients * SCALE));
    for (const party of data.parties) {
      const spec = scenario.vertical!.parties.find((p) => p.id === party.id)!;
      assert.equal(party.table.numRows, Math.round(spec.coverage * n), party.id);
      const names = party.table.schema.fields.map((f) => f.name);
      assert.equal(names.includes('target'), spec.label, party.id);
      assert.ok(!names.includes('patient_id') && !names.includes('true_risk'), `${party.id} holds no ground truth`);
    }
    assert.deepEqual(data.parties.find((p) => p.id === 'imaging-centre')!.features, ['icv_cm3', 'hippocampus_cm3', 'hippocampus_icv_adj_cm3', 'entorhinal_thickness_mm', 'ventricles_cm3', 'wmh_cm3']);
  });

  test('record ids are party-local (no patient id in them); join keys link the same patient at every party', () => {
    const population = datasetFromScenario(scenario, SCENARIO, { scale: SCALE }).sites[0].table;
    const patientIds = readStrings(population, 'patient_id');
    const gtIds = readStrings(data.groundTruth, 'patient_id');
    assert.deepEqual(gtIds, patientIds);
    const gtKeys = readStrings(data.groundTruth, 'join_key');
    assert.equal(new Set(gtKeys).size, gtKeys.length, 'join keys are distinct');
    const age = readNumeric(population, 'age_years').values;
    const hippo = readNumeric(population, 'hippocampus_cm3');
    for (const party of data.parties) {
      const recordIds = readStrings(party.table, 'record_id');
      const keys = readStrings(party.table, 'join_key');
      assert.ok(recordIds.every((id) => id.startsWith(`${party.id}-`) && !patientIds.includes(id)));
      // The ground truth's row of each patient at this party, inverted: party row -> population row.
      const rowAt = readNumeric(data.groundTruth, `row_${party.id}`);
      const popOfRow = new Int32Array(party.table.numRows).fill(-1);
      for (let i = 0; i < rowAt.values.length; i++) if (!rowAt.valid || rowAt.valid[i]) popOfRow[rowAt.values[i]] = i;
      assert.ok(popOfRow.every((r) => r >= 0), 'every party row is one population patient');
      keys.forEach((k, r) => assert.equal(k, gtKeys[popOfRow[r]]));
      // Values are the population's, at the mapped rows (float32 round trip exact).
      if (party.id === 'hospital') readNumeric(party.table, 'age_years').values.forEach((v, r) => assert.equal(v, age[popOfRow[r]]));
      if (party.id === 'imaging-centre') {
        const h = readNumeric(party.table, 'hippocampus_cm3');
        h.values.forEach((v, r) => {
          const i = popOfRow[r];
          assert.equal(h.valid ? h.valid[r] : 1, hippo.valid ? hippo.valid[i] : 1);
          if (!h.valid || h.valid[r]) assert.equal(v, hippo.values[i]);
        });
      }
    }
  });

  test('the manifest overlap is the brute-force count of patients every party holds', () => {
    const n = data.manifest.population.patients;
    const target = readNumeric(data.groundTruth, 'target');
    let all = 0;
    let labelled = 0;
    for (let i = 0; i < n; i++) {
      const held = data.parties.every((p) => {
        const r = readNumeric(data.groundTruth, `row_${p.id}`);
        return !r.valid || r.valid[i] === 1;
      });
      if (!held) continue;
      all++;
      if (!target.valid || target.valid[i]) labelled++;
    }
    assert.equal(data.manifest.overlap.allParties, all);
    assert.equal(data.manifest.overlap.allPartiesLabelled, labelled);
    assert.ok(all > 0 && all < n);
  });

  test('deterministic: the same scenario and seed give the same file hashes; another seed other ones', () => {
    const again = verticalDatasetInMemory(scenario, { scale: SCALE });
    assert.equal(again.manifestSha256, data.manifestSha256);
    const other = verticalDatasetInMemory(scenario, { scale: SCALE, seed: 1 });
    assert.notEqual(other.manifest.parties[1].file.sha256, data.manifest.parties[1].file.sha256);
  });
});
