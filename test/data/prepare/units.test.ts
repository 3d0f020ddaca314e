import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { datasetFromScenario } from '../../../src/data/load.js';
import { featureSources, prepareSeed, siteFeatures, targetColumn } from '../../../src/data/prepare/prepare.js';
import type { NumericSiteColumn } from '../../../src/data/prepare/preprocess.js';
import { UNIT_TABLE, canonicalUnit, conversionFor, planUnits } from '../../../src/data/prepare/units.js';
import { InputError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { labUnits } from '../../../src/synth/columns.js';
import { prepOpts, scenarioYaml } from './helpers.js';

const convert = (column: string, unit: string, v: number): number => {
  const c = conversionFor('s', column, unit);
  return c.factor * v + c.offset;
};

describe('unit conversions', () => {
  test('published factors', () => {
    assert.equal(convert('glucose', 'mmol/L', 5.5), 5.5 * 18.016);
    assert.equal(convert('cholesterol_total', 'mmol/L', 5), 5 * 38.67);
    assert.ok(Math.abs(convert('creatinine', 'umol/L', 88.42) - 1) < 1e-12);
    assert.ok(Math.abs(convert('hba1c', 'mmol/mol', 48) - (0.09148 * 48 + 2.152)) < 1e-12); // 48 mmol/mol ≈ 6.5 %
    assert.ok(Math.abs(convert('hba1c', 'mmol/mol', 48) - 6.5) < 0.05);
    assert.equal(convert('weight', 'lb', 100), 45.359237);
    for (const [col, unit] of [['glucose', 'mg/dL'], ['hba1c', '%'], ['weight', 'kg'], ['creatinine', 'mg/dL']]) {
      assert.equal(convert(col, unit, 12.5), 12.5, `${col} in ${unit} is canonical`);
    }
  });

  test('every unit the generator writes is known', () => {
    const sites = [{ coding: { labUnits: 'SI' } }, { coding: { labUnits: 'conventional' } }] as unknown as Parameters<typeof labUnits>[0][];
    for (const s of sites) {
      const u = labUnits(s);
      assert.ok(UNIT_TABLE.glucose.accepted[u.glucose]);
      assert.ok(UNIT_TABLE.hba1c.accepted[u.hba1c]);
      assert.ok(UNIT_TABLE.cholesterol_total.accepted[u.cholesterol]);
      assert.ok(UNIT_TABLE.creatinine.accepted[u.creatinine]);
    }
    for (const w of ['kg', 'lb']) assert.ok(UNIT_TABLE.weight.accepted[w]);
    assert.equal(canonicalUnit('glucose'), 'mg/dL');
    assert.equal(canonicalUnit('age_years'), undefined);
  });

  test('an unknown unit is an InputError naming the site, the column and the unit', () => {
    assert.throws(
      () => planUnits([{ id: 'oslo', units: { glucose: 'mg/L' } }], ['glucose'], true),
      (e: unknown) => e instanceof InputError && e.exitCode === 2 && /oslo/.test(e.message) && /glucose/.test(e.message) && /mg\/L/.test(e.message),
    );
    // Columns without known conversions must agree between sites.
    assert.throws(
      () => planUnits([{ id: 'a', units: { height_cm: 'cm' } }, { id: 'b', units: { height_cm: 'in' } }], ['height_cm'], true),
      (e: unknown) => e instanceof InputError && /site b/.test(e.message) && /height_cm/.test(e.message) && /"in"/.test(e.message),
    );
    // Without harmonization nothing is converted and a disagreeing unit is just not reported.
    const plan = planUnits([{ id: 'a', units: { glucose: 'mg/dL' } }, { id: 'b', units: { glucose: 'mmol/L' } }], ['glucose'], false);
    assert.deepEqual(plan.conversions, { a: {}, b: {} });
    assert.equal(plan.unitOf.glucose, undefined);
  });
});

describe('harmonization on generated data', () => {
  // The same site (same id and seed, so the same draws) recorded in conventional units + kg
  // and in SI units + lb: after harmonization the values agree up to the generator's rounding.
  const conventional = datasetFromScenario(parseScenario(scenarioYaml([{ id: 'alpha', patients: 400, coding: '{ labUnits: conventional, weightUnit: kg }' }]), 'u.yaml'), 'u.yaml');
  const si = datasetFromScenario(parseScenario(scenarioYaml([{ id: 'alpha', patients: 400, coding: '{ labUnits: SI, weightUnit: lb }' }]), 'u.yaml'), 'u.yaml');
  // Rounding in the written units (e.g. glucose to 0.1 mmol/L = 1.8 mg/dL) plus the generator's own factors.
  const TOLERANCE: Record<string, number> = { glucose: 1.5, hba1c: 0.11, cholesterol_total: 0.75, creatinine: 0.012, weight: 0.08 };

  function columns(ds: typeof conventional, harmonize: boolean): Map<string, NumericSiteColumn> {
    const sources = featureSources(ds.manifest);
    const plan = planUnits(ds.sites, sources.filter((s) => s.featureType === 'numeric').map((s) => s.name), harmonize);
    const sf = siteFeatures(ds.sites[0], sources, targetColumn(ds.manifest), plan, prepOpts({ harmonizeUnits: harmonize }));
    return new Map(sf.columns.filter((c): c is NumericSiteColumn => c.featureType !== 'categorical').map((c) => [c.name, c]));
  }

  test('the fixture really uses both conventions', () => {
    assert.equal(conventional.sites[0].units.glucose, 'mg/dL');
    assert.equal(si.sites[0].units.glucose, 'mmol/L');
    assert.equal(si.sites[0].units.creatinine, 'umol/L');
    assert.equal(si.sites[0].units.hba1c, 'mmol/mol');
    assert.equal(si.sites[0].units.weight, 'lb');
  });

  test('mg/dL + kg site and mmol/L + lb site agree row by row after harmonization, not before', () => {
    const a = columns(conventional, true);
    const b = columns(si, true);
    const bRaw = columns(si, false);
    for (const [name, tol] of Object.entries(TOLERANCE)) {
      const ca = a.get(name)!;
      const cb = b.get(name)!;
      let compared = 0;
      let rawFar = 0;
      for (let i = 0; i < ca.values.length; i++) {
        const va = ca.valid ? ca.valid[i] : 1;
        assert.equal(va, cb.valid ? cb.valid[i] : 1, `${name} row ${i}: same missingness`);
        if (!va) continue;
        compared++;
        assert.ok(Math.abs(ca.values[i] - cb.values[i]) <= tol, `${name} row ${i}: ${ca.values[i]} vs ${cb.values[i]}`);
        if (Math.abs(ca.values[i] - bRaw.get(name)!.values[i]) > 10 * tol) rawFar++;
      }
      assert.ok(compared > 100, `${name}: ${compared} rows compared`);
      assert.ok(rawFar > compared * 0.9, `${name}: unharmonized values should differ (${rawFar}/${compared})`);
    }
  });

  test('prepareSeed records the conversions and the canonical units', () => {
    const p = prepareSeed(si, prepOpts());
    const conv = p.preprocessing.unitConversions.alpha;
    assert.deepEqual(Object.keys(conv).sort(), ['cholesterol_total', 'creatinine', 'glucose', 'hba1c', 'weight']);
    assert.equal(conv.glucose.from, 'mmol/L');
    assert.equal(conv.glucose.to, 'mg/dL');
    const unit = (n: string) => p.preprocessing.features.find((f) => f.name === n)?.unit;
    assert.equal(unit('glucose'), 'mg/dL');
    assert.equal(unit('hba1c'), '%');
    assert.equal(unit('weight'), 'kg');
    assert.equal(unit('age_years'), 'years');
  });
});
