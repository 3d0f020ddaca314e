/** Subgroup metrics against brute force, disparity summaries, and the narrow / widen verdicts. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareGaps, disparityOf, gapVerdict, groupMetrics, seedFairness, type GroupMetrics } from '../../src/analysis/fairness.js';
import { ageBand, educationBand } from '../../src/analysis/subgroups.js';

/** P(score_pos > score_neg) + ties / 2 by all pairs. */
function bruteAuc(y: number[], s: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++)
    for (let j = 0; j < y.length; j++)
      if (y[i] === 1 && y[j] === 0) {
        den++;
        num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
  return num / den;
}

describe('groupMetrics', () => {
  // 40 rows, two groups: deterministic pseudo-random scores and labels.
  const n = 40;
  const y = Float64Array.from({ length: n }, (_, i) => +((i * 7) % 5 < 2));
  const s = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 41) / 41 + 0.3 * y[i]);
  const codes = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const groups = groupMetrics(y, s, 0.5, { levels: ['g0', 'g1'], codes });

  test('AUC, TPR, FPR and calibration of each group equal brute force on its rows', () => {
    groups.forEach((g, k) => {
      const idx = [...codes.keys()].filter((i) => codes[i] === k);
      const yy = idx.map((i) => y[i]);
      const ss = idx.map((i) => s[i]);
      assert.equal(g.n, idx.length);
      assert.ok(Math.abs((g.auc as number) - bruteAuc(yy, ss)) < 1e-12);
      const pos = idx.filter((i) => y[i] === 1);
      const neg = idx.filter((i) => y[i] === 0);
      assert.equal(g.tpr, pos.filter((i) => s[i] >= 0.5).length / pos.length);
      assert.equal(g.fpr, neg.filter((i) => s[i] >= 0.5).length / neg.length);
      const obs = pos.length / idx.length;
      const pred = ss.reduce((a, b) => a + b, 0) / idx.length;
      assert.ok(Math.abs((g.observedToExpected as number) - obs / pred) < 1e-12);
    });
  });

  test('per-row thresholds apply row by row', () => {
    const t = Float64Array.from({ length: n }, (_, i) => (codes[i] === 1 ? 2 : -1));
    const g = groupMetrics(y, s, t, { levels: ['g0', 'g1'], codes });
    assert.equal(g[0].tpr, 1);
    assert.equal(g[0].fpr, 1);
    assert.equal(g[1].tpr, 0);
  });

  test('groups under 10 rows get null metrics', () => {
    const small = groupMetrics(y, s, 0.5, { levels: ['a', 'b'], codes: Int32Array.from({ length: n }, (_, i) => (i < 5 ? 1 : 0)) });
    assert.equal(small[1].auc, null);
    assert.equal(small[1].tpr, null);
  });
});

describe('disparityOf', () => {
  const g = (level: string, auc: number, tpr: number, fpr: number): GroupMetrics => ({ level, n: 100, positives: 50, auc, tpr, fpr, observed: 0.5, predicted: 0.5, observedToExpected: 1 });
  test('equalized-odds gap = max(TPR range, FPR range); worst group and AUC range', () => {
    const d = disparityOf([g('a', 0.8, 0.7, 0.2), g('b', 0.7, 0.6, 0.35), g('c', 0.75, 0.65, 0.25)]);
    assert.ok(Math.abs((d.equalizedOddsGap as number) - 0.15) < 1e-12);
    assert.equal(d.worstGroup, 'b');
    assert.equal(d.worstGroupAuc, 0.7);
    assert.ok(Math.abs((d.aucRange as number) - 0.1) < 1e-12);
  });
});

describe('federation vs local', () => {
  test('verdicts from the interval of the paired difference', () => {
    assert.equal(gapVerdict({ n: 3, mean: -0.1, sd: 0.01, ci95: [-0.12, -0.08] }), 'narrows');
    assert.equal(gapVerdict({ n: 3, mean: 0.1, sd: 0.01, ci95: [0.08, 0.12] }), 'widens');
    assert.equal(gapVerdict({ n: 3, mean: 0.01, sd: 0.1, ci95: [-0.2, 0.2] }), 'no clear change');
    assert.equal(gapVerdict(null), 'undefined');
  });

  test('an arm whose groups are scored alike narrows the gap of a reference that treats them differently', () => {
    const n = 200;
    const y = Float64Array.from({ length: n }, (_, i) => +(i % 2 === 0));
    const codes = Int32Array.from({ length: n }, (_, i) => +(i >= n / 2));
    const fair = Float64Array.from(y, (v, i) => 0.5 + (v ? 0.2 : -0.2) + ((i % 7) - 3) / 100);
    // The reference flags every row of group 1 and only the positives of group 0.
    const unfair = Float64Array.from(y, (v, i) => (codes[i] === 1 ? 0.9 : v ? 0.7 : 0.3));
    const attrs = { sex: { levels: ['F', 'M'], codes } };
    const seeds = [0, 1, 2];
    const arm = seeds.map((sd) => seedFairness(sd, y, fair, 0.5, attrs));
    const ref = seeds.map((sd) => seedFairness(sd, y, unfair.map((v, i) => v + sd * 1e-3 * (i % 3)), 0.5, attrs));
    const eo = compareGaps('fed', arm, ref).find((c) => c.attribute === 'sex' && c.measure === 'equalizedOddsGap')!;
    assert.equal(eo.verdict, 'narrows');
  });
});

describe('bands', () => {
  test('age and education bands at their edges', () => {
    assert.deepEqual([64.9, 65, 74.9, 75, 84.9, 85].map(ageBand), [0, 1, 1, 2, 2, 3]);
    assert.deepEqual([12, 13, 16, 17, Number.NaN].map(educationBand), [0, 1, 1, 2, -1]);
  });
});
