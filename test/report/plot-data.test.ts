/**
 * The plotted numbers against the results they come from, recomputed here independently
 * (plain loops over perSeed / splits / dataSummary), and the optional DP fields' reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  communicationRows,
  convergenceRows,
  featureShiftRows,
  headlineReferences,
  headlineRows,
  labelPrevalenceRows,
  privacyRows,
  siteAucRows,
  topShiftDistributions,
} from '../../src/report/plot-data.js';
import { armPrivacy, parseDpArmName, privateArms, type ReportResult } from '../../src/report/extensions.js';
import { DP_EPSILONS, smallBench, withDp } from './helpers.js';

const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

test('headline rows: every trained arm with the summary mean and CI; derived arms become reference lines', async () => {
  const r = (await smallBench()) as ReportResult;
  const rows = headlineRows(r, 'auc');
  assert.deepEqual(rows.map((x) => x.arm), ['central', 'local:us-academic', 'local:se-memory', 'local:us-community', 'fedavg', 'scaffold']);
  for (const row of rows) {
    const s = r.summary.find((x) => x.arm === row.arm)!.metrics.auc!;
    assert.equal(row.mean, s.mean);
    assert.deepEqual([row.ciLow, row.ciHigh], s.ci95);
  }
  const refs = headlineReferences(r, 'auc');
  const labelOracle = r.oracle?.labelPooledAuc ? ['oracle (recorded label)'] : [];
  assert.deepEqual(refs.map((x) => x.reference), ['central', 'best local', ...labelOracle, 'oracle (true event)', 'chance (AUC 0.5)']);
  assert.equal(refs.at(-1)!.value, 0.5);
  assert.equal(refs[1].value, r.summary.find((s) => s.arm === 'best_local')!.metrics.auc!.mean);
  assert.equal(refs.find((x) => x.reference === 'oracle (true event)')!.value, r.oracle!.pooledAuc!.mean);
  if (r.oracle?.labelPooledAuc) assert.equal(refs.find((x) => x.reference === 'oracle (recorded label)')!.value, r.oracle.labelPooledAuc.mean);
  // No oracle line for F1: the oracle is an AUC.
  assert.deepEqual(headlineReferences(r, 'f1').map((x) => x.reference), ['central', 'best local']);
});

test('convergence rows are the per-round means over seeds of the pooled AUC', async () => {
  const r = (await smallBench()) as ReportResult;
  const rows = convergenceRows(r);
  assert.deepEqual([...new Set(rows.map((x) => x.arm))], ['fedavg', 'scaffold']);
  for (const arm of ['fedavg', 'scaffold']) {
    for (let round = 1; round <= 4; round++) {
      let sum = 0;
      let n = 0;
      for (const s of r.perSeed) {
        if (s.arm !== arm) continue;
        const rec = s.convergence!.find((c) => c.round === round)!;
        sum += rec.pooledAuc!;
        n++;
      }
      const row = rows.find((x) => x.arm === arm && x.round === round)!;
      assert.equal(row.seeds, 2);
      assert.ok(close(row.auc, sum / n), `${arm} round ${round}`);
    }
  }
});

test('communication: the last cumulative value equals the mean total bytes of the run (an independent field)', async () => {
  const r = (await smallBench()) as ReportResult;
  const rows = communicationRows(r);
  for (const arm of ['fedavg', 'scaffold']) {
    const armRows = rows.filter((x) => x.arm === arm);
    assert.equal(armRows.length, 4);
    const totals = r.perSeed.filter((s) => s.arm === arm).map((s) => s.communication!.totalBytesUp + s.communication!.totalBytesDown);
    const mean = totals.reduce((a, v) => a + v, 0) / totals.length;
    assert.ok(close(armRows[3].cumulativeBytes, mean));
    assert.equal(r.summary.find((s) => s.arm === arm)!.communication!.meanTotalBytes, mean);
    assert.ok(armRows.every((x) => x.secureAggregationBytes === null));
  }
  // SCAFFOLD sends control variates too: twice FedAvg's bytes per round.
  assert.equal(rows.find((x) => x.arm === 'scaffold' && x.round === 1)!.bytes, 2 * rows.find((x) => x.arm === 'fedavg' && x.round === 1)!.bytes);
});

test('per-site AUC rows: the summary per-site means, exactly one worst site per arm, the lowest', async () => {
  const r = (await smallBench()) as ReportResult;
  const rows = siteAucRows(r);
  for (const s of r.summary.filter((x) => x.family !== 'derived')) {
    const armRows = rows.filter((x) => x.arm === s.arm);
    assert.equal(armRows.length, 3);
    for (const row of armRows) assert.equal(row.mean, s.siteAuc[row.site]!.mean);
    const worst = armRows.filter((x) => x.worst);
    assert.equal(worst.length, 1);
    assert.equal(worst[0].mean, Math.min(...armRows.map((x) => x.mean)));
  }
});

test('label prevalence: positives over labeled patients per split, averaged over seeds', async () => {
  const r = (await smallBench()) as ReportResult;
  const { rows, pooledTrainPercent } = labelPrevalenceRows(r);
  const site = 'se-memory';
  const expected = (Object.values(r.splits).map((counts) => counts.find((c) => c.site === site)!).map((c) => (100 * c.testPositives) / c.test).reduce((a, v) => a + v, 0)) / 2;
  assert.ok(close(rows.find((x) => x.site === site && x.split === 'test')!.prevalencePercent, expected));
  const pooled = Object.values(r.splits).map((counts) => (100 * counts.reduce((a, c) => a + c.trainPositives, 0)) / counts.reduce((a, c) => a + c.train, 0));
  assert.ok(close(pooledTrainPercent!, (pooled[0] + pooled[1]) / 2));
});

test('feature shift: (site mean − pooled mean) / pooled SD, most shifted feature first', async () => {
  const r = (await smallBench()) as ReportResult;
  const rows = featureShiftRows(r);
  const age = r.dataSummary!.numeric.find((c) => c.column === 'age_years')!;
  for (const site of r.data.sites) {
    const row = rows.find((x) => x.feature === 'age_years' && x.site === site)!;
    assert.ok(close(row.smd, (age.sites[site].mean! - age.pooled.mean!) / age.pooled.sd!));
    assert.equal(row.unit, 'years');
  }
  // A categorical level: the proportion among the site's observed values against the pooled one.
  const dx = r.dataSummary!.categorical.find((c) => c.column === 'dx_code_baseline')!;
  const pooledObserved = dx.pooled.counts.reduce((a, v) => a + v, 0);
  const k = dx.pooled.counts.findIndex((c) => c > 0 && c < pooledObserved);
  const p = dx.pooled.counts[k] / pooledObserved;
  const siteCounts = dx.sites['se-memory'].counts;
  const q = siteCounts[k] / siteCounts.reduce((a, v) => a + v, 0);
  const row = rows.find((x) => x.feature === `dx_code_baseline=${dx.levels[k]}` && x.site === 'se-memory')!;
  assert.ok(close(row.smd, (q - p) / Math.sqrt(p * (1 - p))));
  // A level no training row has (pooled proportion 0) has no spread: left out.
  const never = dx.levels.filter((_, j) => dx.pooled.counts[j] === 0);
  assert.ok(never.length > 0 && never.every((level) => !rows.some((x) => x.feature === `dx_code_baseline=${level}`)));
  // Ordered by the largest |difference| of each feature.
  const features = [...new Set(rows.map((x) => x.feature))];
  const maxAbs = features.map((f) => Math.max(...rows.filter((x) => x.feature === f).map((x) => Math.abs(x.smd))));
  for (let i = 1; i < maxAbs.length; i++) assert.ok(maxAbs[i - 1] >= maxAbs[i]);
  // The distributions plot takes the six most shifted numeric (not binary) features.
  const top = [...new Set(topShiftDistributions(r).map((x) => x.feature))];
  const numeric = new Set(r.dataSummary!.numeric.filter((c) => c.featureType === 'numeric').map((c) => c.column));
  assert.deepEqual(top, features.filter((f) => numeric.has(f)).slice(0, 6));
});

test('an old results.json without dataSummary: no feature rows, label prevalence still drawn', async () => {
  const r = (await smallBench()) as ReportResult;
  delete r.dataSummary;
  assert.deepEqual(featureShiftRows(r), []);
  assert.deepEqual(topShiftDistributions(r), []);
  assert.ok(labelPrevalenceRows(r).rows.length === 6);
});

test('DP arm names parse to strategy and ε', () => {
  assert.deepEqual(parseDpArmName('fedavg+dp(eps=1)'), { strategy: 'fedavg', epsilon: 1 });
  assert.deepEqual(parseDpArmName('central+dp(eps=0.5)'), { strategy: 'central', epsilon: 0.5 });
  assert.deepEqual(parseDpArmName('local:us-academic+dp(eps=1e-1)'), { strategy: 'local:us-academic', epsilon: 0.1 });
  assert.deepEqual(parseDpArmName('fedprox+dp(level=client, eps=8)'), { strategy: 'fedprox', epsilon: 8 });
  assert.deepEqual(parseDpArmName('fedavg+dp(sigma=1)'), { strategy: 'fedavg', epsilon: null });
  assert.equal(parseDpArmName('fedavg'), null);
});

test('privacy: ε spent per site is the largest over seeds; secure only if every record says so', async () => {
  const r = withDp(await smallBench());
  assert.deepEqual(privateArms(r), [...DP_EPSILONS.map((e) => `fedavg+dp(eps=${e})`), ...DP_EPSILONS.map((e) => `scaffold+dp(eps=${e})`)]);
  const p = armPrivacy(r, 'fedavg+dp(eps=1)')!;
  assert.ok(close(p.epsilonSpentPerSite['us-academic'], 0.9 + 0.01));
  assert.ok(close(p.epsilonSpentPerSite['se-memory'], 0.93));
  assert.equal(p.secureNoise, true);
  const seedRecord = r.perSeed.find((x) => x.arm === 'fedavg+dp(eps=1)' && x.seed === 0)!;
  seedRecord.privacy = { ...seedRecord.privacy!, secureNoise: false };
  assert.equal(armPrivacy(r, 'fedavg+dp(eps=1)')!.secureNoise, false);
  assert.equal(armPrivacy(r, 'fedavg'), null);
});

test('privacy–utility rows: one series per strategy ordered by ε, with the non-private arm as baseline', async () => {
  const r = withDp(await smallBench());
  const { rows, baselines } = privacyRows(r);
  assert.deepEqual(rows.map((x) => `${x.series}@${x.epsilon}`), [...DP_EPSILONS.map((e) => `fedavg@${e}`), ...DP_EPSILONS.map((e) => `scaffold@${e}`)]);
  for (const row of rows) assert.equal(row.mean, r.summary.find((s) => s.arm === row.arm)!.metrics.auc!.mean);
  assert.deepEqual(
    baselines.map((b) => [b.series, b.auc]),
    ['fedavg', 'scaffold'].map((a) => [a, r.summary.find((s) => s.arm === a)!.metrics.auc!.mean]),
  );
  // Mixed levels become separate series.
  r.summary.find((s) => s.arm === 'scaffold+dp(eps=1)')!.privacy!.level = 'client';
  for (const x of r.perSeed) if (x.arm === 'scaffold+dp(eps=1)') x.privacy!.level = 'client';
  assert.ok(privacyRows(r).rows.some((x) => x.series === 'scaffold (client-level)'));
});

test('secure-aggregation bytes are averaged per round and stay part of the round total', async () => {
  const r = withDp(await smallBench());
  const rows = communicationRows(r).filter((x) => x.arm === 'fedavg');
  const plain = communicationRows((await smallBench()) as ReportResult).filter((x) => x.arm === 'fedavg');
  rows.forEach((row, i) => {
    assert.equal(row.secureAggregationBytes, 128);
    assert.equal(row.bytes, plain[i].bytes + 128);
  });
});
