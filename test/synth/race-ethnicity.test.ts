/**
 * The race/ethnicity column (generator 3): drawn from its own stream with the configured mix,
 * moving no other variable's draws, and lowering recognition by the configured log-odds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScenario } from '../../src/scenario/parse.js';
import { RACE_ETHNICITY, defaultRaceEthnicityMix } from '../../src/scenario/race-ethnicity.js';
import type { ColumnBatch, NumericColumn } from '../../src/synth/columnar.js';
import { generateSiteBatches, siteModelFor } from '../../src/synth/generate-site.js';

const N = 40_000;
const yaml = (demographics: string, coding: string) => `consortium:
  name: race
  seed: 77
  target: current_impairment
sites:
  - id: s
    patients: ${N}
    demographics: ${demographics}
    coding: ${coding}
`;

function columns(text: string): Map<string, Float64Array> {
  const scenario = parseScenario(text, 'race.yaml');
  const model = siteModelFor(scenario, scenario.sites[0], {});
  const batches: ColumnBatch[] = [...generateSiteBatches(model, { visits: false })].map((b) => b.patients);
  const out = new Map<string, Float64Array>();
  for (const name of batches[0].columns.keys()) {
    if (batches[0].columns.get(name)!.kind === 'utf8') continue;
    const values = new Float64Array(N);
    let o = 0;
    for (const b of batches) {
      const c = b.columns.get(name) as NumericColumn;
      for (let i = 0; i < b.length; i++) values[o + i] = c.valid && !c.valid[i] ? Number.NaN : c.values[i];
      o += b.length;
    }
    out.set(name, values);
  }
  return out;
}

const zeroOdds = '{ recognitionLogOddsByRaceEthnicity: { Black: 0, Hispanic: 0 } }';

describe('race_ethnicity', () => {
  test('frequencies match the configured mix (within 4 binomial SEs)', () => {
    const mix = { White: 0.5, Black: 0.2, Hispanic: 0.15, Asian: 0.1, Other: 0.05 };
    const race = columns(yaml(`{ raceEthnicity: ${JSON.stringify(mix)} }`, zeroOdds)).get('race_ethnicity')!;
    RACE_ETHNICITY.forEach((g, k) => {
      const p = race.filter((v) => v === k).length / N;
      const se = Math.sqrt((mix[g] * (1 - mix[g])) / N);
      assert.ok(Math.abs(p - mix[g]) < 4 * se + 1e-12, `${g}: ${p} vs ${mix[g]}`);
    });
  });

  test('a group left out of a given mix is 0; the default depends on the country', () => {
    const scenario = parseScenario(yaml('{ raceEthnicity: { White: 0.7, Black: 0.3 } }', zeroOdds), 'x.yaml');
    assert.deepEqual(scenario.sites[0].demographics.raceEthnicity, { White: 0.7, Black: 0.3, Hispanic: 0, Asian: 0, Other: 0 });
    const jp = parseScenario(yaml('{}', zeroOdds).replace('patients:', 'country: JP\n    patients:'), 'x.yaml');
    assert.deepEqual(jp.sites[0].demographics.raceEthnicity, defaultRaceEthnicityMix('JP'));
    for (const c of ['US', 'GB', 'JP', 'DE']) {
      const sum = Object.values(defaultRaceEthnicityMix(c)).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-12, `${c} sums to ${sum}`);
    }
  });

  test('with zero recognition log-odds, changing the mix moves no other column', () => {
    const a = columns(yaml('{ raceEthnicity: { White: 1 } }', zeroOdds));
    const b = columns(yaml('{ raceEthnicity: { Black: 0.5, Hispanic: 0.5 } }', zeroOdds));
    for (const [name, va] of a) {
      if (name === 'race_ethnicity') continue;
      assert.deepEqual(b.get(name), va, `column ${name} changed`);
    }
    assert.notDeepEqual(a.get('race_ethnicity'), b.get('race_ethnicity'));
  });

  test('lower recognition log-odds lower the coded fraction among the impaired of that group only', () => {
    const mix = '{ raceEthnicity: { White: 0.5, Black: 0.5 } }';
    const base = columns(yaml(mix, zeroOdds));
    const shifted = columns(yaml(mix, '{ recognitionLogOddsByRaceEthnicity: { Black: -1.5, Hispanic: 0 } }'));
    const codedRate = (t: Map<string, Float64Array>, group: number) => {
      const race = t.get('race_ethnicity')!;
      const trueDx = t.get('true_dx_baseline')!;
      const target = t.get('target')!;
      let k = 0;
      let coded = 0;
      for (let i = 0; i < N; i++) {
        if (race[i] !== group || trueDx[i] === 0) continue;
        k++;
        coded += target[i];
      }
      return coded / k;
    };
    const white = RACE_ETHNICITY.indexOf('White');
    const black = RACE_ETHNICITY.indexOf('Black');
    assert.equal(codedRate(shifted, white), codedRate(base, white), 'White patients are untouched (same uniforms, same offsets)');
    assert.ok(codedRate(shifted, black) < codedRate(base, black) - 0.1, `Black: ${codedRate(shifted, black)} vs ${codedRate(base, black)}`);
  });
});
