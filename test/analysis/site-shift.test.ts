/**
 * The between-site population-shift alarm against planted truth: a consortium of sites drawn
 * from the built-in defaults (scenarios/consortium-planted.yaml, coding switch removed) plus one
 * site whose patients are planted 8 years older (a geriatric service, ages up to 100). The older site must be flagged on age, with the
 * planted mean difference; the identical sites must not be flagged. The false-alarm rate is
 * measured on the same consortium without the older site (five sites, one population).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { tableFromArrays } from 'apache-arrow';
import { enrollmentDriftOf } from '../../src/analysis/dashboard.js';
import { ksTest, psi } from '../../src/analysis/drift-stats.js';
import { SITE_KS_FAMILY_ALPHA, SITE_PSI_ALARM, sitePopulationShift } from '../../src/analysis/site-shift.js';
import { datasetFromScenario } from '../../src/data/load.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { siteShiftText } from '../../src/report/drift-text.js';

const FILE = new URL('../../../scenarios/consortium-planted.yaml', import.meta.url);
const base = readFileSync(FILE, 'utf8').replace('switchDate: 2015-10-01', 'switchDate: null');
const DEFAULT_AGE_MEAN = 76; // src/scenario/defaults.ts
const PLANTED_AGE_SHIFT = 8;

function consortium(older: boolean) {
  const same = ['s1', 's2', 's3', 's4', ...(older ? [] : ['s5'])].map((id) => `  - { id: ${id}, name: ${id} }`);
  const shifted = older
    ? [`  - id: older`, `    name: older patients`, `    demographics:`, `      age: { mean: ${DEFAULT_AGE_MEAN + PLANTED_AGE_SHIFT}, sd: 7.5, min: 55, max: 100 }`]
    : [];
  const text = `${base.slice(0, base.indexOf('\nsites:'))}\nsites:\n${[...same, ...shifted].join('\n')}\nbench:\n  arms: [central]\n  seeds: 1\n`;
  return enrollmentDriftOf(datasetFromScenario(parseScenario(text, FILE.pathname), FILE.pathname));
}

describe('sitePopulationShift: the alarm rule', () => {
  // Deterministic "samples": evenly spaced normal-ish quantiles via a logistic inverse CDF.
  const sample = (n: number, shift: number) => Float64Array.from({ length: n }, (_, i) => shift + Math.log((i + 0.5) / (n - i - 0.5)));
  test('a site identical to the others: PSI 0, no alarm; a shifted site: the PSI and KS of drift-stats against the pooled rest', () => {
    const t = (x: Float64Array) => tableFromArrays({ x });
    const out = sitePopulationShift(
      [{ site: 'a', table: t(sample(400, 0)) }, { site: 'b', table: t(sample(400, 0)) }, { site: 'c', table: t(sample(400, 2)) }],
      ['x', 'missing'],
    );
    const [a, , c] = out;
    assert.equal(a.tests, 1, 'a feature absent from the tables is not tested');
    // Independent reference: the same statistics computed directly on the pooled arrays.
    const rest = [...sample(400, 0), ...sample(400, 0)];
    assert.equal(c.shifts[0].psi, psi(rest, sample(400, 2)));
    assert.equal(c.shifts[0].ks, ksTest(sample(400, 2), rest)!.statistic);
    assert.ok(Math.abs(c.shifts[0].meanDifference! - 2) < 1e-9);
    assert.deepEqual(c.shiftedFeatures, ['x']);
    assert.equal(c.shifts[0].level, 'major');
    assert.ok(c.shifts[0].psi! >= SITE_PSI_ALARM && c.shifts[0].ksPValue! < SITE_KS_FAMILY_ALPHA);
    assert.equal(out[1].shifts[0].alarm, a.shifts[0].alarm);
    assert.ok(a.shifts[0].psi! > 0 && a.shifts[0].psi! < c.shifts[0].psi!, 'a against a pool containing c sees a smaller shift');
  });
  test('a small site: a large PSI without a significant KS raises no alarm (both are required)', () => {
    const t = (x: Float64Array) => tableFromArrays({ x });
    const out = sitePopulationShift([{ site: 'big', table: t(sample(2000, 0)) }, { site: 'tiny', table: t(Float64Array.from([0.1, 0.4, 0.5, 0.9, 1.2, 1.5, 1.6, 2.2])) }], ['x']);
    const tiny = out[1].shifts[0];
    assert.ok(tiny.psi! >= SITE_PSI_ALARM, `psi ${tiny.psi}`);
    assert.ok(tiny.ksPValue! >= SITE_KS_FAMILY_ALPHA, `p ${tiny.ksPValue}`);
    assert.equal(tiny.alarm, false);
  });
  test('fewer than two sites: nothing to compare', () => {
    assert.deepEqual(sitePopulationShift([{ site: 'a', table: tableFromArrays({ x: sample(100, 0) }) }], ['x']), []);
  });
});

describe('planted shifted site (consortium-planted defaults, one site 8 years older)', () => {
  const planted = consortium(true);
  const same = consortium(false);

  test('the older site is flagged on age with the planted mean difference; the identical sites are not flagged', () => {
    const older = planted.siteShift.find((s) => s.site === 'older')!;
    assert.ok(older.shiftedFeatures.includes('age_years'), siteShiftText(planted.siteShift));
    assert.equal(older.shiftedFeatures[0], 'age_years', 'age is the largest shift');
    const age = older.shifts.find((x) => x.feature === 'age_years')!;
    // The others' truncation at 95 (defaults) and this site's at 100 move the realised difference a little.
    assert.ok(Math.abs(age.meanDifference! - PLANTED_AGE_SHIFT) < 1, `mean difference ${age.meanDifference}`);
    for (const s of planted.siteShift.filter((x) => x.site !== 'older')) assert.equal(s.alarms, 0, `${s.site}: ${s.shiftedFeatures}`);
    assert.match(siteShiftText(planted.siteShift), /older .* age_years \(\d\.\d\d, \+\d/);
  });

  test('five sites from one population: under 1 % of site-shift tests alarm', () => {
    const tests = same.siteShift.reduce((a, s) => a + s.tests, 0);
    const alarms = same.siteShift.reduce((a, s) => a + s.alarms, 0);
    assert.equal(same.siteShift.length, 5);
    assert.ok(tests >= 100, `tests ${tests}`);
    assert.ok(alarms / tests < 0.01, `${alarms} of ${tests}: ${siteShiftText(same.siteShift)}`);
  });
});
