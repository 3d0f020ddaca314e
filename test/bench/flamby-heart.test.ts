/**
 * FLamby's Fed-Heart-Disease benchmark reproduced: the UCI fixtures imported with FLamby's
 * cleaning, then `fixtures/uci-heart/flamby-bench.yaml` run. Each method's headline (accuracy
 * at 0.5, unweighted mean over the 4 center test sets, mean over 5 seeds) must land within
 * FLamby's published seed spread: |ours − FLamby| ≤ max(2·sd, 0.02), sd = FLamby's SD of the
 * per-seed center averages (flamby_reference_summary.csv, computed from FLamby's result files).
 * The preprocessing the protocol fixes is checked by brute force on the prepared matrices.
 * Runs in about a second (486 training rows, logistic regression): not tagged slow.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { importDataset } from '../../src/data/import/import-dataset.js';
import { loadBenchConfig } from '../../src/scenario/parse.js';
import { runBench, type BenchRun } from '../../src/bench/runner.js';
import { meanSd } from '../data/prepare/helpers.js';
import { renderReport } from '../../src/report/index.js';
import { markdownSummary } from '../../src/report/markdown.js';
import { runFederated } from '../../src/federated/run-federated.js';
import { createModel } from '../../src/model/create-model.js';
import { uniformFanInInit } from '../../src/bench/run-seed.js';
import { Xoshiro128, streamState } from '../../src/random/rng.js';

const HEART = fileURLToPath(new URL('../../../fixtures/uci-heart/', import.meta.url));

/** Our arm → FLamby's method name in flamby_reference_summary.csv. */
const FLAMBY_NAME: Record<string, string> = {
  central: 'Pooled Training',
  'local:cleveland': 'Local 0',
  'local:hungarian': 'Local 1',
  'local:switzerland': 'Local 2',
  'local:va': 'Local 3',
  fedavg: 'FedAvg100',
  fedprox: 'FedProx100',
  scaffold: 'Scaffold100',
  fedadam: 'FedAdam100',
  fedyogi: 'FedYogi100',
  fedadagrad: 'FedAdagrad100',
};

function reference(): Map<string, { mean: number; sd: number }> {
  const [header, ...rows] = readFileSync(join(HEART, 'flamby_reference_summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => header.indexOf(name);
  return new Map(rows.map((r) => [r[col('method')], { mean: Number(r[col('figure_mean')]), sd: Number(r[col('sd_of_seed_means')]) }]));
}

describe('FLamby Fed-Heart-Disease reproduction', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fedage-flamby-'));
  let run: BenchRun;
  before(async () => {
    await importDataset(join(HEART, 'import.yaml'), { outDir: join(tmp, 'heart') });
    const settings = await loadBenchConfig(join(HEART, 'flamby-bench.yaml'));
    run = await runBench(join(tmp, 'heart'), { settings, workers: 1 });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('protocol: 13 inputs in FLamby order, 486/254 rows, train positives 91/65/30/66', () => {
    const p = run.prepared[0];
    assert.deepEqual(p.featureNames, ['age', 'sex', 'trestbps', 'chol', 'fbs', 'thalach', 'exang', 'oldpeak', 'cp=2', 'cp=3', 'cp=4', 'restecg=1', 'restecg=2']);
    assert.deepEqual(p.sites.map((s) => [s.train.data.n, s.validation.data.n, s.test.data.n]), [[199, 0, 104], [172, 0, 89], [30, 0, 16], [85, 0, 45]]);
    assert.deepEqual(p.sites.map((s) => s.train.data.y.reduce((a, b) => a + b, 0)), [91, 65, 30, 66]); // FLAMBY_PROTOCOL.md §3
    // The split is fixed: every seed has the same test patients.
    for (const q of run.prepared) assert.deepEqual(q.sites.map((s) => s.test.patientIds), p.sites.map((s) => s.test.patientIds));
  });

  test('per-center z-scoring of every column (binary and dummies too); pooled statistics for the pooled arm', () => {
    const p = run.prepared[0];
    const d = p.featureNames.length;
    const column = (x: Float64Array, n: number, j: number) => Array.from({ length: n }, (_, i) => x[i * d + j]);
    for (const s of p.sites) {
      for (let j = 0; j < d; j++) {
        const values = column(s.train.data.x, s.train.data.n, j);
        const { mean, sd } = meanSd(values);
        assert.ok(Math.abs(mean) < 1e-9, `${s.id} ${p.featureNames[j]} mean ${mean}`);
        // A column constant at a center (Swiss chol = 0 everywhere) becomes all zeros, as FLamby's std + 1e-9.
        if (values.every((v) => v === values[0])) assert.ok(values.every((v) => v === 0));
        else assert.ok(Math.abs(sd - 1) < 1e-9, `${s.id} ${p.featureNames[j]} sd ${sd}`);
      }
    }
    const central = p.centralTrain!;
    assert.equal(central.n, 486);
    for (let j = 0; j < d; j++) {
      const { mean, sd } = meanSd(column(central.x, central.n, j));
      assert.ok(Math.abs(mean) < 1e-9 && Math.abs(sd - 1) < 1e-9, `pooled ${p.featureNames[j]}: ${mean}, ${sd}`);
    }
  });

  test('training budgets: pooled 6100 steps, local 50 epochs, federated 15 × 100 steps per center', () => {
    const seed42 = run.result.perSeed.filter((r) => r.seed === 42);
    const steps = Object.fromEntries(seed42.map((r) => [r.arm, r.training.steps]));
    assert.equal(steps.central, 50 * Math.ceil(486 / 4));
    assert.equal(steps['local:cleveland'], 50 * Math.ceil(199 / 4));
    assert.equal(steps['local:switzerland'], 50 * Math.ceil(30 / 4));
    for (const arm of ['fedavg', 'fedprox', 'scaffold', 'fedadam', 'fedyogi', 'fedadagrad']) assert.equal(steps[arm], 15 * 100 * 4, arm);
  });

  test('site-mean accuracy matches a recomputation from per-site accuracies', () => {
    for (const r of run.result.perSeed) {
      const acc = Object.values(r.sites).map((m) => m.accuracy as number);
      assert.ok(Math.abs((r.siteMean!.accuracy as number) - acc.reduce((a, b) => a + b, 0) / 4) < 1e-12);
      assert.equal(r.threshold, 0.5);
    }
  });

  test('FedYogi (η 0.01, β2 0.999) and FedAdagrad (η 0.316228) take the same steps, as in FLamby, given the same client streams', () => {
    // η_yogi / √(1 − β2) = η_adagrad while Yogi's v < Δ²: FLamby's identical rows follow from its settings.
    const p = run.prepared[0];
    const model = createModel({ kind: 'logistic', featureCount: 13, l2: 0, backend: 'js' });
    const rng = new Xoshiro128(streamState(7, 'yogi-adagrad'));
    const initialParams = uniformFanInInit(14, 13, () => rng.uniform());
    const common = {
      model,
      clients: p.sites.map((s) => ({ id: s.id, train: s.train.data })),
      rounds: 15,
      clientFraction: 1,
      local: { batchSize: 4, steps: 100, optimizer: { kind: 'sgd' as const, learningRate: 0.003162, momentum: 0 } },
      initialParams,
      seed: 42,
      streamLabel: 'shared',
    };
    const yogi = runFederated({ ...common, strategy: { name: 'fedyogi', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 } });
    const adagrad = runFederated({ ...common, strategy: { name: 'fedadagrad', serverLearningRate: 0.316228, beta1: 0.9, tau: 1e-8 } });
    const moved = Math.max(...yogi.params.map((v, j) => Math.abs(v - initialParams[j])));
    const diff = Math.max(...yogi.params.map((v, j) => Math.abs(v - adagrad.params[j])));
    assert.ok(moved > 0.05, `the model moved ${moved}`);
    // Equal until Yogi's v exceeds Δ² on a coordinate (then its sign flips): close, not bit-equal.
    assert.ok(diff < 1e-3 * moved, `Yogi and Adagrad differ by ${diff} (moved ${moved})`);
    for (const s of p.sites) {
      const a = model.predict(yogi.params, s.test.data).map((v) => (v >= 0.5 ? 1 : 0));
      const b = model.predict(adagrad.params, s.test.data).map((v) => (v >= 0.5 ? 1 : 0));
      assert.deepEqual(a, b, `${s.id}: same test predictions at 0.5`);
    }
  });

  test('every method lands within FLamby\'s seed spread: mean ± max(2 sd, 0.02)', () => {
    const ref = reference();
    const misses: string[] = [];
    const table: string[] = [];
    for (const [arm, name] of Object.entries(FLAMBY_NAME)) {
      const ours = run.result.summary.find((s) => s.arm === arm)?.siteMean?.accuracy;
      assert.ok(ours, `no site-mean accuracy for ${arm}`);
      const flamby = ref.get(name)!;
      const tolerance = Math.max(2 * flamby.sd, 0.02);
      table.push(`${arm}: ours ${ours.mean.toFixed(4)} FLamby ${flamby.mean.toFixed(4)} ± ${tolerance.toFixed(4)}`);
      if (Math.abs(ours.mean - flamby.mean) > tolerance) misses.push(table.at(-1)!);
    }
    assert.deepEqual(misses, [], table.join('\n'));
  });

  test('report.html carries the same site-mean table as results.md', async () => {
    const { html } = await renderReport(run.result);
    const table = /<table class="site-mean">([\s\S]*?)<\/table>/.exec(html);
    assert.ok(table, 'a site-mean table in the report');
    const md = markdownSummary(run.result);
    const mdRows = md.split('\n').filter((l) => /^\| \S+ \| \d\.\d{4} ± /.test(l));
    assert.ok(mdRows.length >= 10);
    for (const line of mdRows) {
      const cells = line.slice(2, -2).split(' | ').map((c) => c.trim().replace(/^_(.*)_$/, '$1'));
      for (const c of cells) assert.ok(table[1].includes(`>${c}<`), `report lacks "${c}"`);
    }
  });
});
