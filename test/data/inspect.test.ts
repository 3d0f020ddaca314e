import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { tableFromIPC, type Table } from 'apache-arrow';
import { InputError } from '../../src/errors.js';
import {
  combineMoments,
  indicatorMoments,
  inspectDataset,
  momentsOf,
  poolMoments,
  sampleVariance,
  standardizedMeanDifference,
  type InspectReport,
  type Moments,
} from '../../src/data/inspect.js';
import { readManifest, type Manifest } from '../../src/data/manifest.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { parseScenario } from '../../src/scenario/parse.js';

// ---------------------------------------------------------------------------------------------
// Brute force references

function bruteMean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function bruteVariance(xs: number[]): number {
  const m = bruteMean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

function close(actual: number, expected: number, tolerance: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${message ?? ''} expected ${expected} ± ${tolerance}, got ${actual}`);
}

/** Relative-or-absolute closeness for values whose scale varies. */
function closeRel(actual: number, expected: number, rel = 1e-9): void {
  close(actual, expected, rel * Math.max(1, Math.abs(expected)));
}

describe('moments and standardized mean differences (pure math)', () => {
  test('momentsOf matches brute-force mean and sample variance', () => {
    const xs = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
    const m = momentsOf(xs);
    assert.equal(m.n, xs.length);
    closeRel(m.mean, bruteMean(xs));
    closeRel(sampleVariance(m)!, bruteVariance(xs));
    assert.deepEqual(momentsOf([]), { n: 0, mean: 0, m2: 0 });
    assert.equal(sampleVariance(momentsOf([7])), null);
  });

  test('property: combining per-chunk statistics equals the statistics of the concatenation', () => {
    const value = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 40 }), { minLength: 1, maxLength: 8 }), (chunks) => {
        const all = chunks.flat();
        const combined = poolMoments(chunks.map((c) => momentsOf(c)));
        const direct = momentsOf(all);
        assert.equal(combined.n, all.length);
        if (all.length === 0) return;
        const scale = Math.max(1, ...all.map(Math.abs));
        close(combined.mean, direct.mean, 1e-9 * scale);
        close(combined.m2, direct.m2, 1e-9 * scale * scale * all.length);
      }),
      { numRuns: 300 },
    );
  });

  test('combineMoments is associative and has the empty sample as identity', () => {
    const a = momentsOf([1, 2, 3]);
    const b = momentsOf([10, 20]);
    const c = momentsOf([-5]);
    const left = combineMoments(combineMoments(a, b), c);
    const right = combineMoments(a, combineMoments(b, c));
    closeRel(left.mean, right.mean);
    closeRel(left.m2, right.m2);
    assert.deepEqual(combineMoments(a, { n: 0, mean: 0, m2: 0 }), a);
    assert.deepEqual(combineMoments({ n: 0, mean: 0, m2: 0 }, b), b);
  });

  test('indicatorMoments equals the moments of the 0/1 array', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), (bits) => {
        const xs = bits.map((b) => (b ? 1 : 0));
        const ones = xs.reduce((a: number, b) => a + b, 0);
        const m = indicatorMoments(ones, xs.length);
        const d = momentsOf(xs);
        closeRel(m.mean, d.mean);
        close(m.m2, d.m2, 1e-9 * xs.length);
      }),
    );
  });

  test('SMD matches the brute-force formula against the pooled array', () => {
    const siteA = [70, 72, 68, 75, 71, 69];
    const siteB = [80, 83, 79, 81];
    const pooledArr = [...siteA, ...siteB];
    const pooled = poolMoments([momentsOf(siteA), momentsOf(siteB)]);
    for (const site of [siteA, siteB]) {
      const expected = (bruteMean(site) - bruteMean(pooledArr)) / Math.sqrt((bruteVariance(site) + bruteVariance(pooledArr)) / 2);
      closeRel(standardizedMeanDifference(momentsOf(site), pooled)!, expected);
    }
    assert.ok(standardizedMeanDifference(momentsOf(siteA), pooled)! < 0);
    assert.ok(standardizedMeanDifference(momentsOf(siteB), pooled)! > 0);
  });

  test('SMD edge cases: too few values, constant columns', () => {
    const one: Moments = momentsOf([1]);
    assert.equal(standardizedMeanDifference(one, momentsOf([1, 2, 3])), null);
    assert.equal(standardizedMeanDifference(momentsOf([2, 2]), momentsOf([2, 2, 2])), 0);
    assert.equal(standardizedMeanDifference(momentsOf([2, 2]), momentsOf([3, 3])), null);
  });
});

// ---------------------------------------------------------------------------------------------
// A generated dataset, inspected

const SCENARIO = `
consortium:
  name: inspect-test
  seed: 11
  target: incident_dementia_code
sites:
  - id: site-a
    patients: 2000
    demographics:
      age: { mean: 70, sd: 5, min: 40, max: 100 }
    missingness: { apoe: 0.2 }
  - id: site-b
    patients: 2000
    demographics:
      age: { mean: 80, sd: 5, min: 40, max: 100 }
    missingness: { apoe: 0.4 }
`;
const AGE_MEANS: Record<string, number> = { 'site-a': 70, 'site-b': 80 };
const APOE_MISSING: Record<string, number> = { 'site-a': 0.2, 'site-b': 0.4 };

function columnValues(table: Table, name: string): (number | null)[] {
  const col = table.getChild(name)!;
  const out: (number | null)[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const v = col.get(i) as number | null;
    out.push(v === null ? null : Number(v));
  }
  return out;
}

describe('inspectDataset on a generated two-site dataset', () => {
  let dir: string;
  let report: InspectReport;
  let manifest: Manifest;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fedage-inspect-'));
    // Small batches: the streamed statistics must combine correctly across many batches.
    await writeSyntheticDataset(parseScenario(SCENARIO, 'inspect-test.yaml'), { outDir: join(dir, 'data'), batchSize: 300, force: false });
    manifest = await readManifest(join(dir, 'data'));
    report = await inspectDataset(join(dir, 'data'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('n per site equals the manifest', () => {
    assert.deepEqual(
      report.sites.map((s) => [s.id, s.n]),
      manifest.sites.map((s) => [s.id, s.patients]),
    );
    assert.equal(report.patients, 4000);
  });

  test('age means are close to the configured ones', () => {
    for (const s of report.sites) close(s.age!.mean!, AGE_MEANS[s.id], 0.5, `${s.id} age mean`);
  });

  test('the age SMD has opposite signs at the two sites and |SMD| > 0.5', () => {
    const age = report.shift.find((f) => f.feature === 'age_years')!;
    const a = age.smd['site-a']!;
    const b = age.smd['site-b']!;
    assert.ok(a < -0.5, `site-a age SMD ${a}`);
    assert.ok(b > 0.5, `site-b age SMD ${b}`);
    assert.ok(report.sites.every((s) => s.flaggedFeatures.includes('age_years')));
  });

  test('APOE missingness is close to the configured one', () => {
    for (const s of report.sites) close(s.missingness.apoe_e4_carrier, APOE_MISSING[s.id], 0.03, `${s.id} apoe missingness`);
  });

  test('ground truth is reported apart from the features', () => {
    assert.deepEqual(report.groundTruth.columns, manifest.groundTruthColumns);
    for (const s of report.sites) {
      for (const gt of manifest.groundTruthColumns) assert.ok(!(gt in s.features), `${gt} must not be a feature`);
    }
    for (const g of report.groundTruth.sites) {
      const realized = manifest.sites.find((s) => s.id === g.id)!.groundTruth!.realized as Record<string, number>;
      close(g.oraclePrevalence!, realized.meanTrueRiskAmongEligible, 1e-6);
      close(g.trueEventRateAmongEligible!, realized.trueEventRateAmongEligible, 1e-6);
    }
  });

  test('streamed statistics equal a brute-force computation on the whole table', () => {
    const tables = manifest.sites.map((s) => tableFromIPC(readFileSync(join(dir, 'data', s.files.patients.file))));
    report.sites.forEach((site, k) => {
      const table = tables[k];
      assert.equal(site.n, table.numRows);
      // Missingness of every column.
      for (const field of table.schema.fields) {
        const nulls = table.getChild(field.name)!.nullCount;
        close(site.missingness[field.name], nulls / table.numRows, 1e-12, `${site.id} ${field.name} missingness`);
      }
      // Target.
      const target = columnValues(table, 'target').filter((v): v is number => v !== null);
      assert.equal(site.targetEligible, target.length);
      closeRel(site.targetPrevalence!, bruteMean(target));
      // Every numeric / binary feature.
      for (const [name, stats] of Object.entries(site.features)) {
        if (stats.type === 'categorical') {
          const col = table.getChild(name)!;
          const counts = new Map<string, number>();
          for (let i = 0; i < table.numRows; i++) {
            const v = col.get(i) as string | null;
            if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
          }
          assert.equal(stats.n, table.numRows - col.nullCount);
          for (const [label, c] of counts) closeRel(stats.proportions[label], c / stats.n);
          continue;
        }
        const xs = columnValues(table, name).filter((v): v is number => v !== null);
        assert.equal(stats.n, xs.length, `${site.id} ${name} n`);
        if (xs.length === 0) continue;
        closeRel(stats.mean!, bruteMean(xs));
        if (xs.length > 1) closeRel(stats.sd!, Math.sqrt(bruteVariance(xs)), 1e-7);
      }
      const apoe = columnValues(table, 'apoe_e4_carrier').filter((v): v is number => v !== null);
      closeRel(site.apoeE4!.carrierRate!, bruteMean(apoe));
    });
    // The pooled statistics and SMD of age from the concatenated rows.
    const ages = tables.map((t) => columnValues(t, 'age_years').filter((v): v is number => v !== null));
    const pooledAges = ages.flat();
    const age = report.shift.find((f) => f.feature === 'age_years')!;
    closeRel(age.pooled!.mean!, bruteMean(pooledAges));
    closeRel(age.pooled!.sd!, Math.sqrt(bruteVariance(pooledAges)), 1e-7);
    manifest.sites.forEach((s, k) => {
      const expected = (bruteMean(ages[k]) - bruteMean(pooledAges)) / Math.sqrt((bruteVariance(ages[k]) + bruteVariance(pooledAges)) / 2);
      closeRel(age.smd[s.id]!, expected, 1e-7);
    });
  });

  test('categorical shift: proportion differences and indicator SMDs', () => {
    const sex = report.shift.find((f) => f.feature === 'sex')!;
    assert.equal(sex.type, 'categorical');
    assert.deepEqual(Object.keys(sex.categories!), ['F', 'M']);
    for (const s of report.sites) {
      const pF = (report.sites.find((x) => x.id === s.id)!.features.sex as { proportions: Record<string, number> }).proportions.F;
      closeRel(sex.categories!.F.proportionDifference[s.id]!, pF - sex.categories!.F.pooledProportion);
      assert.ok(sex.smdCategory![s.id] === 'F' || sex.smdCategory![s.id] === 'M');
    }
  });

  test('the JSON form round-trips (no NaN or Infinity)', () => {
    const text = JSON.stringify(report);
    assert.deepEqual(JSON.parse(text), report);
    assert.doesNotMatch(text, /NaN|Infinity/);
  });

  test('errors: missing directory, no manifest, bad manifest, row count mismatch', async () => {
    await assert.rejects(inspectDataset(join(dir, 'nope')), (e: unknown) => e instanceof InputError && /no such directory/.test(e.message));
    const empty = mkdtempSync(join(dir, 'empty-'));
    await assert.rejects(inspectDataset(empty), (e: unknown) => e instanceof InputError && /manifest\.json/.test(e.message));
    writeFileSync(join(empty, 'manifest.json'), '{not json');
    await assert.rejects(inspectDataset(empty), (e: unknown) => e instanceof InputError && /valid JSON/.test(e.message));
    // A manifest that points at the real files but claims another row count.
    const bad = structuredClone(manifest);
    bad.sites[0].patients = 1999;
    const copy = mkdtempSync(join(dir, 'copy-'));
    for (const s of manifest.sites) writeFileSync(join(copy, s.files.patients.file), readFileSync(join(dir, 'data', s.files.patients.file)));
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(bad));
    await assert.rejects(inspectDataset(copy), (e: unknown) => e instanceof InputError && /1999 rows/.test(e.message) && /2000 rows/.test(e.message));
    // A manifest entry escaping the directory is refused.
    bad.sites[0].patients = 2000;
    bad.sites[0].files.patients.file = '../site-a.arrow';
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(bad));
    await assert.rejects(inspectDataset(copy), (e: unknown) => e instanceof InputError && /plain file name/.test(e.message));
  });
});
