import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tableFromIPC, type Table } from 'apache-arrow';
import { readArrowBatches, readArrowSchema } from '../../src/data/arrow-io.js';
import type { Manifest } from '../../src/data/manifest.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { ICD_CODE_DICTIONARY } from '../../src/synth/coding.js';
import type { ColumnBatch, NumericColumn } from '../../src/synth/columnar.js';
import { GROUP_DICTIONARY, ICD_SYSTEM_DICTIONARY, PHENOTYPE_DICTIONARY, RECORDED_DX_DICTIONARY, patientColumns, visitColumns } from '../../src/synth/columns.js';
import { generateSiteBatches, siteModelFor } from '../../src/synth/generate-site.js';

const root = mkdtempSync(join(tmpdir(), 'fedage-arrow-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Two sites from one population, differing in lab units and APOE missingness.
const N = 20_000;
const scenario = parseScenario(
  `consortium: { name: io, seed: 5 }
sites:
  - id: conv
    patients: ${N}
    coding: { labUnits: conventional }
    missingness: { apoe: 0 }
  - id: si
    patients: ${N}
    coding: { labUnits: SI, icdSystem: WHO-ICD-10, switchDate: null }
    missingness: { apoe: 1.0 }
`,
  'io.yaml',
);
const outDir = join(root, 'data');
await writeSyntheticDataset(scenario, { outDir });
const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
const tables = new Map<string, Table>();
for (const site of manifest.sites) {
  tables.set(site.files.patients.file, tableFromIPC(readFileSync(join(outDir, site.files.patients.file))));
  tables.set(site.files.visits!.file, tableFromIPC(readFileSync(join(outDir, site.files.visits!.file))));
}
const patients = (id: string): Table => tables.get(`${id}.arrow`)!;
const visits = (id: string): Table => tables.get(`${id}.visits.arrow`)!;

function values(t: Table, name: string): unknown[] {
  const c = t.getChild(name);
  assert.ok(c, `column ${name} missing`);
  return Array.from({ length: t.numRows }, (_, i) => c.get(i));
}

function meanOf(xs: unknown[]): number {
  let s = 0;
  let k = 0;
  for (const x of xs) {
    if (x === null) continue;
    s += x as number;
    k++;
  }
  return s / k;
}

describe('round trip through apache-arrow tableFromIPC', () => {
  test('row counts equal the manifest; schema field order equals the column contract', () => {
    for (const site of manifest.sites) {
      assert.equal(patients(site.id).numRows, site.files.patients.rows);
      assert.equal(patients(site.id).numRows, N);
      assert.equal(visits(site.id).numRows, site.files.visits!.rows);
      assert.ok(visits(site.id).numRows > N, 'follow-up visits exist');
      const resolved = scenario.sites.find((s) => s.id === site.id)!;
      assert.deepEqual(patients(site.id).schema.fields.map((f) => f.name), patientColumns(resolved).map((c) => c.name));
      assert.deepEqual(visits(site.id).schema.fields.map((f) => f.name), visitColumns(resolved).map((c) => c.name));
    }
  });

  test('dictionary columns decode to their strings', () => {
    for (const id of ['conv', 'si']) {
      const t = patients(id);
      const sex = new Set(values(t, 'sex'));
      assert.deepEqual([...sex].sort(), ['F', 'M']);
      assert.deepEqual(new Set(values(t, 'site')), new Set([id]));
      assert.deepEqual([...new Set(values(t, 'true_dx_baseline'))].sort(), [...GROUP_DICTIONARY].sort());
      for (const v of values(t, 'frailty_phenotype')) assert.ok(v === null || (PHENOTYPE_DICTIONARY as readonly unknown[]).includes(v));
      for (const v of values(t, 'dx_recorded_baseline')) assert.ok(v === null || (RECORDED_DX_DICTIONARY as readonly unknown[]).includes(v));
      for (const v of values(t, 'dx_code_baseline')) assert.ok(v === null || (ICD_CODE_DICTIONARY as readonly unknown[]).includes(v));
      for (const v of values(visits(id), 'icd_system')) assert.ok((ICD_SYSTEM_DICTIONARY as readonly unknown[]).includes(v));
      // Female fraction 0.45 by default: binomial SE 0.0035.
      const f = values(t, 'sex').filter((s) => s === 'F').length / t.numRows;
      assert.ok(Math.abs(f - 0.45) < 0.015, `female fraction ${f}`);
    }
    assert.ok(values(patients('si'), 'dx_code_baseline').some((c) => c === 'F00.1'));
  });

  test('patient ids are unique strings and the visits refer to them', () => {
    const ids = values(patients('conv'), 'patient_id') as string[];
    assert.equal(new Set(ids).size, ids.length);
    assert.match(ids[0], /^[A-Z]{3}-\d{7,}$/);
    const idSet = new Set(ids);
    for (const v of values(visits('conv'), 'patient_id')) assert.ok(idSet.has(v as string));
  });

  test('missingness: apoe 0 -> no nulls in apoe_e4_carrier; apoe 1.0 -> all null', () => {
    const conv = patients('conv').getChild('apoe_e4_carrier')!;
    const si = patients('si').getChild('apoe_e4_carrier')!;
    assert.equal(conv.nullCount, 0);
    assert.equal(si.nullCount, N);
    assert.ok(values(patients('si'), 'apoe_e4_carrier').every((v) => v === null));
    // And the carriers in the fully observed site are a 0/1 column at the configured rate 0.4.
    const rate = meanOf(values(patients('conv'), 'apoe_e4_carrier'));
    assert.ok(Math.abs(rate - 0.4) < 0.02, `e4 rate ${rate}`);
  });

  test('values and nulls equal what the generator produced, cell by cell (every numeric and dictionary column)', () => {
    for (const site of scenario.sites) {
      const model = siteModelFor(scenario, site);
      const pBatches: ColumnBatch[] = [];
      const vBatches: ColumnBatch[] = [];
      for (const b of generateSiteBatches(model)) {
        pBatches.push(b.patients);
        vBatches.push(b.visits!);
      }
      for (const [t, batches] of [
        [patients(site.id), pBatches],
        [visits(site.id), vBatches],
      ] as const) {
        for (const field of t.schema.fields) {
          const buf0 = batches[0].columns.get(field.name)!;
          if (buf0.kind === 'utf8') continue;
          const col = t.getChild(field.name)!;
          const isDict = field.metadata.get('fedage.role') !== undefined && col.type.toString().startsWith('Dictionary');
          let row = 0;
          for (const b of batches) {
            const c = b.columns.get(field.name) as NumericColumn;
            for (let i = 0; i < b.length; i++, row++) {
              const expectValid = c.valid ? c.valid[i] === 1 : true;
              assert.equal(col.isValid(row), expectValid, `${site.id} ${field.name} row ${row}: validity`);
              if (!expectValid) continue;
              const got = col.get(row);
              if (isDict) {
                const dict = col.data[0].dictionary!;
                assert.equal(got, dict.get(c.values[i]), `${site.id} ${field.name} row ${row}`);
              } else if (typeof got === 'number' || typeof got === 'bigint') {
                // DateDay decodes to epoch milliseconds; other types to the stored number.
                const expected = field.type.toString().startsWith('Date') ? c.values[i] * 86_400_000 : c.values[i];
                assert.equal(Number(got), expected, `${site.id} ${field.name} row ${row}`);
              } else {
                assert.ok(got instanceof Date);
                assert.equal(got.getTime(), c.values[i] * 86_400_000, `${site.id} ${field.name} row ${row}`);
              }
            }
          }
          assert.equal(row, t.numRows);
        }
      }
    }
  });

  test('nulls follow the modality flags: MRI columns share one null mask, Fried columns another', () => {
    const t = patients('conv');
    const mask = (name: string) => Array.from({ length: t.numRows }, (_, i) => t.getChild(name)!.isValid(i));
    const mri = mask('hippocampus_cm3');
    for (const n of ['icv_cm3', 'entorhinal_thickness_mm', 'wmh_cm3', 'mri_field_strength']) assert.deepEqual(mask(n), mri, n);
    const fr = mask('gait_speed_m_s');
    for (const n of ['grip_strength_kg', 'fried_count', 'frailty_phenotype', 'fried_weak_grip']) assert.deepEqual(mask(n), fr, n);
    // Scanned 0.8 x (1 - 0.05); frailty 0.7 x (1 - 0.1): binomial SE < 0.004.
    const share = (m: boolean[]) => m.filter(Boolean).length / m.length;
    assert.ok(Math.abs(share(mri) - 0.76) < 0.02, `MRI observed ${share(mri)}`);
    assert.ok(Math.abs(share(fr) - 0.63) < 0.02, `frailty observed ${share(fr)}`);
    // Visits: MRI only at even visit indices.
    const v = visits('conv');
    const idx = values(v, 'visit_index') as number[];
    const hip = v.getChild('hippocampus_cm3')!;
    for (let r = 0; r < v.numRows; r++) if (idx[r] % 2 === 1) assert.equal(hip.isValid(r), false, `visit row ${r}`);
  });
});

describe('units and roles in field metadata', () => {
  const meta = (t: Table, name: string, key: string) => t.schema.fields.find((f) => f.name === name)!.metadata.get(key);

  test('glucose: fedage.unit mg/dL (conventional) and mmol/L (SI), as in the manifest', () => {
    assert.equal(meta(patients('conv'), 'glucose', 'fedage.unit'), 'mg/dL');
    assert.equal(meta(patients('si'), 'glucose', 'fedage.unit'), 'mmol/L');
    assert.equal(meta(patients('si'), 'creatinine', 'fedage.unit'), 'umol/L');
    assert.equal(manifest.sites[0].units.glucose, 'mg/dL');
    assert.equal(manifest.sites[1].units.glucose, 'mmol/L');
  });

  test('SI glucose mean = conventional mean x 0.0555 (UNITS1) within 1.5 %', () => {
    const conv = meanOf(values(patients('conv'), 'glucose'));
    const si = meanOf(values(patients('si'), 'glucose'));
    // Glucose SD ~30 mg/dL (diabetics 22 %): SE of each mean ~0.2 mg/dL (0.2 %); the two sites
    // are independent draws from one population, so the ratio has SE ~0.3 %; 1.5 % is 5 SE.
    const ratio = si / (conv * 0.0555);
    assert.ok(Math.abs(ratio - 1) < 0.015, `SI ${si} mmol/L vs conventional ${conv} mg/dL: ratio ${ratio}`);
    assert.ok(conv > 95 && conv < 125, `conventional glucose mean ${conv}`);
  });

  test('true_risk has fedage.role=ground_truth, target role target, patient_id role id', () => {
    for (const id of ['conv', 'si']) {
      const t = patients(id);
      assert.equal(meta(t, 'true_risk', 'fedage.role'), 'ground_truth');
      assert.equal(meta(t, 'target', 'fedage.role'), 'target');
      assert.equal(meta(t, 'patient_id', 'fedage.role'), 'id');
      assert.equal(meta(t, 'age_years', 'fedage.unit'), 'years');
      assert.equal(t.schema.metadata.get('fedage.site'), id);
      assert.equal(t.schema.metadata.get('fedage.table'), 'patients');
    }
  });
});

describe('readArrowBatches / readArrowSchema (the project reader)', () => {
  test('streams the same rows and schema as tableFromIPC', async () => {
    const path = join(outDir, 'conv.arrow');
    const schema = await readArrowSchema(path);
    assert.deepEqual(schema.fields.map((f) => f.name), patients('conv').schema.fields.map((f) => f.name));
    let rows = 0;
    let sumAge = 0;
    for await (const b of readArrowBatches(path)) {
      rows += b.numRows;
      const age = b.getChild('age_years')!;
      for (let i = 0; i < b.numRows; i++) sumAge += age.get(i) as number;
    }
    assert.equal(rows, N);
    assert.ok(Math.abs(sumAge / rows - meanOf(values(patients('conv'), 'age_years'))) < 1e-9);
  });
});
