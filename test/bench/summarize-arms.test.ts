import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derivedLocal, summarizeArms } from '../../src/bench/summarize-arms.js';
import type { ArmSeedResult } from '../../src/bench/results.js';
import type { BinaryEvaluation } from '../../src/metrics/evaluate.js';

function metrics(auc: number | null, f1: number | null = null): BinaryEvaluation {
  return { n: 10, positives: 3, auc, auprc: null, f1, precision: null, recall: null, accuracy: null, brier: null, ece: null, threshold: 0.5, warnings: [] };
}

function row(arm: string, family: ArmSeedResult['family'], seed: number, auc: number | null, siteAucs: Record<string, number> = {}): ArmSeedResult {
  const sites = Object.fromEntries(Object.entries(siteAucs).map(([k, v]) => [k, metrics(v)]));
  const worst = Object.entries(siteAucs).sort((a, b) => a[1] - b[1])[0];
  return { arm, family, seed, threshold: 0.5, pooled: metrics(auc, auc === null ? null : auc / 2), sites, worstSite: worst ? { site: worst[0], auc: worst[1] } : null, training: { steps: 1, examplesSeen: 1 } };
}

const seeds = [0, 1, 2];
const results: ArmSeedResult[] = [
  ...[0.8, 0.7, 0.9].map((a, s) => row('central', 'central', s, a, { a: a - 0.1, b: a })),
  ...[0.6, 0.65, 0.5].map((a, s) => row('local:a', 'local', s, a)),
  ...[0.55, 0.68, 0.7].map((a, s) => row('local:b', 'local', s, a)),
  ...[0.75, 0.7, 0.8].map((a, s) => row('fedavg', 'federated', s, a, { a: a - 0.2, b: a })),
];

test('best_local picks, per seed, the local model with the highest pooled AUC', () => {
  assert.deepEqual(
    derivedLocal(results, seeds, 'best').map((r) => r.arm),
    ['local:a', 'local:b', 'local:b'],
  );
  assert.deepEqual(
    derivedLocal(results, seeds, 'worst').map((r) => r.arm),
    ['local:b', 'local:a', 'local:a'],
  );
});

test('paired gaps equal the mean of per-seed differences, with a t interval (t(0.975, 2) = 4.303)', () => {
  const summary = summarizeArms(results, seeds, ['a', 'b']);
  const fedavg = summary.find((s) => s.arm === 'fedavg')!;
  const diffs = [0.75 - 0.8, 0.7 - 0.7, 0.8 - 0.9];
  const mean = diffs.reduce((a, b) => a + b) / 3;
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / 2);
  assert.ok(Math.abs(fedavg.gapToCentral!.auc!.mean - mean) < 1e-12);
  assert.ok(Math.abs(fedavg.gapToCentral!.auc!.sd! - sd) < 1e-12);
  const half = (4.302652729911275 * sd) / Math.sqrt(3);
  assert.ok(Math.abs(fedavg.gapToCentral!.auc!.ci95![1] - (mean + half)) < 1e-9);
  const gains = [0.75 - 0.6, 0.7 - 0.68, 0.8 - 0.7];
  assert.ok(Math.abs(fedavg.gainOverBestLocal!.auc!.mean - gains.reduce((a, b) => a + b) / 3) < 1e-12);
  // worst-site AUC is the per-seed minimum over sites, averaged.
  assert.ok(Math.abs(fedavg.metrics.worst_site_auc!.mean - (0.55 + 0.5 + 0.6) / 3) < 1e-12);
  assert.ok(Math.abs(fedavg.siteAuc.b!.mean - 0.75) < 1e-12);
  // Central has no gap to itself; local arms report no gain over best local.
  assert.equal(summary.find((s) => s.arm === 'central')!.gapToCentral, null);
  assert.equal(summary.find((s) => s.arm === 'local:a')!.gainOverBestLocal, null);
  assert.deepEqual(
    summary.map((s) => s.arm),
    ['central', 'local:a', 'local:b', 'fedavg', 'best_local', 'worst_local'],
  );
});

test('a seed with an undefined AUC is left out of the pairs, not turned into NaN', () => {
  const withNull = [...results.filter((r) => !(r.arm === 'fedavg' && r.seed === 2)), row('fedavg', 'federated', 2, null)];
  const fedavg = summarizeArms(withNull, seeds, ['a', 'b']).find((s) => s.arm === 'fedavg')!;
  assert.equal(fedavg.metrics.auc!.n, 2);
  assert.equal(fedavg.gapToCentral!.auc!.n, 2);
  assert.ok(Number.isFinite(fedavg.gapToCentral!.auc!.mean));
});

test('intervals are kept inside the metric range (two seeds: t = 12.7)', () => {
  const two = [row('central', 'central', 0, 0.95), row('central', 'central', 1, 0.6), row('fedavg', 'federated', 0, 0.2), row('fedavg', 'federated', 1, 0.9)];
  const summary = summarizeArms(two, [0, 1], []);
  const central = summary.find((s) => s.arm === 'central')!;
  assert.ok(central.metrics.auc!.ci95![0] >= 0 && central.metrics.auc!.ci95![1] === 1);
  const gap = summary.find((s) => s.arm === 'fedavg')!.gapToCentral!.auc!;
  assert.ok(gap.ci95![0] === -1 && gap.ci95![1] <= 1);
  assert.ok(Math.abs(gap.mean - (0.2 - 0.95 + 0.9 - 0.6) / 2) < 1e-12);
});
