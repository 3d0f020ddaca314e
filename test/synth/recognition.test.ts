/**
 * The coding process over visits and the exact label risk: conversionLabelRisk against a
 * brute-force simulation of the same process (runCoding with fresh draws, dropout drawn), the
 * quadrature against closed forms, and label_risk's calibration on generated cohorts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Xoshiro128, streamState } from '../../src/random/rng.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { generateSiteBatches, siteModelFor } from '../../src/synth/generate-site.js';
import type { NumericColumn } from '../../src/synth/columnar.js';
import {
  type Course,
  type Recognition,
  NO_CODE,
  codingDraws,
  conversionLabelRisk,
  dementiaRecognitionProb,
  integrateExponential,
  recognitionOf,
  runCoding,
} from '../../src/synth/recognition.js';

const site = parseScenario(
  `consortium: { name: r, seed: 3 }
sites:
  - id: a
    coding: { dementiaSensitivity: 0.4, mciSensitivity: 0.3, mciCodedAsDementia: 0.3 }
`,
  'r.yaml',
).sites[0];
const r: Recognition = recognitionOf(site);

describe('recognition', () => {
  test('ADAMS-U: 26 % at CDR-SB 6 (CDR 1) rises to ~83 % at CDR-SB 17 with 0.24 log-odds per point', () => {
    const adams = { ...r, logitDementia: Math.log(0.26 / 0.74), perCdrSb: 0.24 };
    assert.ok(Math.abs(dementiaRecognitionProb(adams, 0, 6) - 0.26) < 1e-12);
    assert.ok(Math.abs(dementiaRecognitionProb(adams, 0, 17) - 0.83) < 0.01);
  });

  test('integrateExponential matches closed forms (survival at b, E[exp(-T)] truncated)', () => {
    for (const rate of [0.05, 0.3, 2]) {
      const b = 2.5;
      const got = integrateExponential(rate, 0, 3, 1, 8, (t) => +(t <= b));
      // The indicator jumps inside an interval: midpoints get it right within one node's mass.
      assert.ok(Math.abs(got - (1 - Math.exp(-rate * b))) < (1 - Math.exp(-rate)) / 8 + 1e-12, `rate ${rate}: ${got}`);
      const smooth = integrateExponential(rate, 0, 3, 1, 64, (t) => (t === Infinity ? 0 : Math.exp(-t)));
      const exact = (rate / (rate + 1)) * (1 - Math.exp(-(rate + 1) * 3));
      assert.ok(Math.abs(smooth - exact) < 1e-4, `rate ${rate}: ${smooth} vs ${exact}`);
    }
  });

  test('once coded stays coded: the dementia visit is never before the MCI visit, and none while CN', () => {
    const rng = new Xoshiro128(streamState(1, 'a', 'x'));
    const lastVisit = 5;
    const u = new Float64Array(codingDraws(lastVisit));
    const out = new Int32Array(2);
    for (let it = 0; it < 2000; it++) {
      for (let k = 0; k < u.length; k++) u[k] = rng.uniform();
      const tMci = rng.uniform() * 4;
      const course: Course = { tMci, tAd: tMci + rng.uniform() * 4, cdr0: 1, slope: 1, offset: 0 };
      runCoding(r, course, lastVisit, 1, u, 0, out);
      if (out[0] !== NO_CODE) assert.ok(out[0] >= Math.ceil(tMci - 1e-12), 'no code before impairment');
      if (out[1] !== NO_CODE) assert.ok(out[1] >= Math.ceil(tMci - 1e-12));
      if (out[0] !== NO_CODE && out[1] !== NO_CODE) assert.ok(out[1] < out[0], 'an MCI code precedes a later dementia code');
    }
  });

  test('conversionLabelRisk equals a brute-force simulation of the process (within 4 SE)', () => {
    const lastVisit = 3;
    const interval = 1;
    const hDrop = 0.15;
    const rng = new Xoshiro128(streamState(7, 'a', 'mc'));
    const u = new Float64Array(codingDraws(lastVisit));
    const out = new Int32Array(2);
    const cases = [
      { group: 1, baselineCode: 0, h1: 0, h2: 0.4, cdr0: 1.5, slope: 1.2, offset: 0.1 },
      { group: 1, baselineCode: -1, h1: 0, h2: 0.2, cdr0: 1, slope: 0.5, offset: -0.2 },
      { group: 2, baselineCode: -1, h1: 0, h2: 0, cdr0: 4, slope: 1, offset: 0 },
      { group: 2, baselineCode: 0, h1: 0, h2: 0, cdr0: 6, slope: 1.5, offset: 0 },
      { group: 0, baselineCode: -1, h1: 0.3, h2: 0.5, cdr0: 0.1, slope: 1, offset: 0 },
    ];
    for (const c of cases) {
      const exact = conversionLabelRisk(
        r,
        { group: c.group, baselineCode: c.baselineCode, hazardCnToMci: c.h1, hazardMciToAd: c.h2, hazardDropout: hDrop, cdr0: c.cdr0, slope: c.slope, offset: c.offset },
        lastVisit,
        interval,
        16,
      );
      // Simulate patients with this baseline state and record, eligible (>= 1 follow-up visit).
      let n = 0;
      let pos = 0;
      while (n < 40_000) {
        const tMci = c.group >= 1 ? 0 : -Math.log(rng.uniform()) / c.h1;
        const tAd = c.group === 2 ? 0 : tMci - Math.log(rng.uniform()) / c.h2;
        for (let k = 0; k < u.length; k++) u[k] = rng.uniform();
        runCoding(r, { tMci, tAd, cdr0: c.cdr0, slope: c.slope, offset: c.offset }, lastVisit, interval, u, 0, out);
        const rec0 = out[0] === 0 ? 1 : out[1] === 0 ? 0 : -1;
        if (rec0 !== c.baselineCode) continue; // condition on the baseline record
        const td = -Math.log(rng.uniform()) / hDrop;
        const kLast = Math.min(lastVisit, Math.floor(td / interval + 1e-12));
        if (kLast < 1) continue; // condition on at least one follow-up visit
        n++;
        pos += +(out[0] > 0 && out[0] <= kLast);
      }
      const p = pos / n;
      const se = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs(p - exact) < 4 * se + 2e-3, `${JSON.stringify(c)}: simulated ${p.toFixed(4)} vs exact ${exact.toFixed(4)} (SE ${se.toFixed(4)})`);
    }
  });
});

describe('label_risk on generated cohorts', () => {
  for (const target of ['mci_to_ad', 'incident_dementia_code', 'current_impairment']) {
    test(`${target}: mean label_risk equals the recorded positive rate, overall and by quintile (within 4 SE)`, () => {
      const s = parseScenario(
        `consortium: { name: c, seed: 9, target: ${target} }
sites:
  - id: a
    patients: 40000
    coding: { labelNoise: 0.05, dementiaSensitivity: 0.5 }
`,
        'c.yaml',
      );
      const risks: number[] = [];
      const labels: number[] = [];
      for (const b of generateSiteBatches(siteModelFor(s, s.sites[0]), { visits: false })) {
        const t = b.patients.columns.get('target') as NumericColumn;
        const lr = b.patients.columns.get('label_risk') as NumericColumn;
        for (let i = 0; i < b.patients.length; i++) {
          if (t.valid && !t.valid[i]) continue;
          assert.ok(!lr.valid || lr.valid[i], 'label_risk is defined wherever the target is');
          risks.push(lr.values[i]);
          labels.push(t.values[i]);
        }
      }
      const order = risks.map((_, i) => i).sort((a, b) => risks[a] - risks[b]);
      const check = (idx: number[], what: string): void => {
        const meanRisk = idx.reduce((a, i) => a + risks[i], 0) / idx.length;
        const rate = idx.reduce((a, i) => a + labels[i], 0) / idx.length;
        const se = Math.sqrt(idx.reduce((a, i) => a + risks[i] * (1 - risks[i]), 0)) / idx.length;
        assert.ok(Math.abs(rate - meanRisk) < 4 * se + 1e-3, `${what}: positive rate ${rate.toFixed(4)} vs mean label_risk ${meanRisk.toFixed(4)} (SE ${se.toFixed(4)}, n ${idx.length})`);
      };
      assert.ok(order.length > 1000, `${order.length} eligible`);
      check(order, 'all eligible');
      for (let q = 0; q < 5; q++) check(order.slice(Math.floor((q * order.length) / 5), Math.floor(((q + 1) * order.length) / 5)), `quintile ${q + 1}`);
    });
  }
});
