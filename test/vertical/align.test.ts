/**
 * Alignment to training data (src/vertical/align.ts), on a generated vertical dataset with the
 * PSI's answer taken from the ground truth (psi.test.ts checks the PSI itself): row i is the
 * same patient at every party, labels are the recorded target, the split is stratified and
 * disjoint, and each party's standardization is fitted on its own training rows only.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../src/scenario/parse.js';
import { readNumeric, readStrings } from '../../src/data/prepare/columns.js';
import { alignForTraining, type AlignParty } from '../../src/vertical/align.js';
import type { PsiResult } from '../../src/vertical/psi.js';
import { verticalDatasetInMemory, type VerticalDataset } from '../../src/vertical/vertical-dataset.js';
import type { FeatureSource } from '../../src/data/prepare/preprocess.js';

const SCENARIO = fileURLToPath(new URL('../../../scenarios/vertical-4party.yaml', import.meta.url));
let data: VerticalDataset;
let psi: PsiResult;
let parties: AlignParty[];
/** Population row of each aligned row (before the label filter). */
let popRows: number[];

before(async () => {
  data = verticalDatasetInMemory(await loadScenario(SCENARIO), { scale: 0.2 });
  const n = data.manifest.population.patients;
  const rowOf = Object.fromEntries(data.parties.map((p) => [p.id, readNumeric(data.groundTruth, `row_${p.id}`)]));
  const held = (id: string, i: number) => !rowOf[id].valid || rowOf[id].valid![i] === 1;
  const aligned: number[] = [];
  for (let i = 0; i < n; i++) if (data.parties.every((p) => held(p.id, i))) aligned.push(i);
  const label = data.parties.find((p) => p.label)!;
  aligned.sort((a, b) => rowOf[label.id].values[a] - rowOf[label.id].values[b]);
  popRows = aligned;
  psi = {
    labelParty: label.id,
    labelRows: Int32Array.from(aligned, (i) => rowOf[label.id].values[i]),
    partyRows: Object.fromEntries(data.parties.filter((p) => !p.label).map((p) => [p.id, Int32Array.from(aligned, (i) => rowOf[p.id].values[i])])),
    pairs: [],
    bytesTotal: 0,
  };
  parties = data.parties.map((p) => {
    const m = data.manifest.parties.find((q) => q.id === p.id)!;
    return { id: p.id, label: p.label, table: p.table, features: m.features.map((name) => ({ name, featureType: m.schema.find((c) => c.name === name)!.featureType as FeatureSource['featureType'] })) };
  });
});

describe('alignForTraining', () => {
  test('labels are the recorded target of the aligned labelled patients; train and test split them, stratified', () => {
    const { data: t, summary } = alignForTraining(parties, psi, { seed: 3, testFraction: 0.25 });
    const target = readNumeric(data.groundTruth, 'target');
    const labelled = popRows.filter((i) => !target.valid || target.valid[i] === 1);
    assert.equal(t.labels.length, labelled.length);
    labelled.forEach((i, k) => assert.equal(t.labels[k], target.values[i]));
    const all = [...t.trainIndices, ...t.testIndices].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: labelled.length }, (_, k) => k), 'disjoint and complete');
    const pos = (idx: Uint32Array) => idx.reduce((s, i) => s + t.labels[i], 0);
    const totalPos = pos(t.trainIndices) + pos(t.testIndices);
    assert.ok(Math.abs(pos(t.testIndices) - 0.25 * totalPos) <= 1, 'positives split by the fraction, within one row');
    assert.equal(summary.labelledRows, labelled.length);
    assert.equal(summary.alignedRows, popRows.length);
  });

  test('row k is the same patient at every party (numeric values traced back through the ground truth)', () => {
    const { data: t } = alignForTraining(parties, psi, { seed: 3, testFraction: 0.25, missingIndicators: false });
    const target = readNumeric(data.groundTruth, 'target');
    const labelled = popRows.filter((i) => !target.valid || target.valid[i] === 1);
    const gtKeys = readStrings(data.groundTruth, 'join_key');
    for (const party of data.parties) {
      const keys = readStrings(party.table, 'join_key');
      const rowOf = readNumeric(data.groundTruth, `row_${party.id}`).values;
      labelled.forEach((i) => assert.equal(keys[rowOf[i]], gtKeys[i]));
    }
    // And the matrix holds that patient's value: age at the hospital, standardized.
    const hospital = t.parties.find((p) => p.partyId === 'hospital')!;
    const j = hospital.featureNames.indexOf('age_years');
    const age = readNumeric(data.parties.find((p) => p.id === 'hospital')!.table, 'age_years').values;
    const rowOf = readNumeric(data.groundTruth, 'row_hospital').values;
    const raw = labelled.map((i) => age[rowOf[i]]);
    const z = labelled.map((_, k) => hospital.values[k * hospital.cols + j]);
    // z is an increasing affine function of the raw age: (age - mean) / sd with sd > 0.
    const slope = (z[1] - z[0]) / (raw[1] - raw[0]);
    raw.forEach((a, k) => assert.ok(Math.abs(z[k] - (z[0] + slope * (a - raw[0]))) < 1e-9));
    assert.ok(slope > 0);
  });

  test("each party's numeric columns are standardized on its own training rows: mean 0 and SD 1 there, not on the test rows", () => {
    const { data: t } = alignForTraining(parties, psi, { seed: 3, testFraction: 0.25 });
    const img = t.parties.find((p) => p.partyId === 'imaging-centre')!;
    const j = img.featureNames.indexOf('icv_cm3');
    const col = (idx: Uint32Array) => Array.from(idx, (r) => img.values[r * img.cols + j]);
    const train = col(t.trainIndices);
    // Missing values are imputed with the training mean (0 after centering), so the mean over
    // training rows is 0 exactly; the SD is 1 over the observed rows, below 1 with the imputed zeros.
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    assert.ok(Math.abs(mean) < 1e-9, `train mean ${mean}`);
    const sd = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / (train.length - 1));
    assert.ok(sd > 0.9 && sd <= 1 + 1e-9, `train sd ${sd}`);
    const test = col(t.testIndices);
    assert.ok(Math.abs(test.reduce((a, b) => a + b, 0) / test.length) > 1e-6, 'the test rows are not what the statistics were fitted on');
  });
});
