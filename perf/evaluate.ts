/**
 * npm run perf:evaluate — the per-round pooled AUC (issue 19, target 3). Side by side in one run,
 * alternated: the AUC before issue 19 (an index array sorted with a JavaScript comparator; the
 * verbatim copy kept for the property tests) against the typed-array sorts + merge now
 * (metrics/auc.ts), on pooled test sets of several sizes; and the share of a federated arm's
 * time that the per-round evaluation (predict + AUC on the pooled test set) takes, measured on
 * the default scenario in process, at every round (evaluateEvery 1) and every k rounds (the
 * evaluations of rounds k, 2k, … and the last, from the same measured per-evaluation time).
 * Usage: node dist/perf/evaluate.js [--runs K] [--json]
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { auc } from '../src/metrics/auc.js';
import { referenceAuc } from '../test/metrics/reference-auc.js';
import { Xoshiro128, streamState } from '../src/random/rng.js';
import { runBench } from '../src/bench/runner.js';
import { createModel } from '../src/model/create-model.js';
import { concatData } from '../src/data/prepare/concat.js';
import { runFederated } from '../src/federated/run-federated.js';
import type { StrategyTrainerPlan } from '../src/bench/arm-plan.js';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 7;
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const progress = (line: string) => process.stderr.write(`${line}\n`);

function scores(n: number): { y: Float64Array; s: Float64Array } {
  const rng = new Xoshiro128(streamState(1, 'perf-evaluate', String(n)));
  const y = new Float64Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.uniform() < 0.15 ? 1 : 0;
    s[i] = 1 / (1 + Math.exp(-(rng.normal() + 1.5 * y[i])));
  }
  return { y, s };
}

function time(fn: () => unknown, repeat: number): number {
  const t0 = performance.now();
  for (let r = 0; r < repeat; r++) fn();
  return (performance.now() - t0) / repeat;
}

const load = loadavg()[0];
const aucRows: { n: number; beforeMs: number; nowMs: number; speedup: number }[] = [];
for (const n of [2_600, 20_000, 200_000]) {
  const { y, s } = scores(n);
  if (!Object.is(auc(y, s), referenceAuc(y, s))) throw new Error(`n = ${n}: the two AUCs differ`);
  const repeat = Math.max(1, Math.round(400_000 / n));
  time(() => auc(y, s), repeat);
  time(() => referenceAuc(y, s), repeat);
  const before: number[] = [];
  const now: number[] = [];
  const ratios: number[] = [];
  for (let k = 0; k < runs; k++) {
    const b = time(() => referenceAuc(y, s), repeat);
    const a = time(() => auc(y, s), repeat);
    before.push(b);
    now.push(a);
    ratios.push(b / a);
  }
  aucRows.push({ n, beforeMs: median(before), nowMs: median(now), speedup: median(ratios) });
  progress(`  AUC n = ${n}: ${median(before).toFixed(3)} ms -> ${median(now).toFixed(3)} ms`);
}

// Share of the per-round evaluation in a federated arm: the default scenario's fedavg arm (its
// plan from the bench), 30 rounds on one seed's prepared sites, with the pooled-test AUC after
// every round timed apart, now and (in the same rounds) as before.
const scenario = fileURLToPath(new URL('../../scenarios/alzheimers-3site.yaml', import.meta.url));
const rounds = 30;
const run = await runBench(scenario, { overrides: { seeds: [0], arms: ['fedavg'], rounds: 1 }, workers: 1 });
const plan = (run.result.plan ?? []).find((p) => p.name === 'fedavg')!.trainer as StrategyTrainerPlan;
const prepared = run.prepared[0];
const pooledTest = concatData(prepared.sites.map((s) => s.test.data));
const model = createModel({ kind: 'logistic', featureCount: pooledTest.d, l2: run.result.config.model.l2 });
const REPEAT = 20;
let evalMs = 0;
let evalBeforeMs = 0;
let t0 = 0;
// Twice: the first pass warms the JIT up (the timed one is the second); in each round the two
// evaluations run in alternating order, so neither always runs on a warmer cache.
for (const timed of [false, true]) {
  evalMs = 0;
  evalBeforeMs = 0;
  t0 = performance.now();
  runFederated({
    model,
    clients: prepared.sites.map((s) => ({ id: s.id, train: s.train.data })),
    strategy: plan.strategy,
    rounds,
    clientFraction: 1,
    local: { batchSize: plan.batchSize, ...(plan.localSteps !== undefined ? { steps: plan.localSteps } : { epochs: plan.localEpochs }), optimizer: plan.clientOptimizer },
    initialParams: model.init(() => 0),
    seed: 0,
    streamLabel: `perf-evaluate-${timed}`,
    onRound: (log, params) => {
      const order = log.round % 2 === 0 ? [auc, referenceAuc] : [referenceAuc, auc];
      // Each evaluation repeated (the time divided back), so that one pre-emption on the shared
      // machine does not decide the figure.
      for (const f of order) {
        const a = performance.now();
        for (let r = 0; r < REPEAT; r++) f(pooledTest.y, model.predict(params, pooledTest));
        if (f === auc) evalMs += (performance.now() - a) / REPEAT;
        else evalBeforeMs += (performance.now() - a) / REPEAT;
      }
    },
  });
}
const trainingMs = performance.now() - t0 - REPEAT * (evalMs + evalBeforeMs);

// The share of the WHOLE bench (every default arm, data loading and preparation, final
// evaluation; one seed, one worker), end to end: the bench with evaluateEvery 1 against the same
// bench evaluating only the last round (evaluateEvery = rounds), alternated. The difference is
// the per-round evaluation of rounds 1 … rounds − 1.
const benchRounds = 30;
const wholeBench = async (evaluateEvery: number) => {
  const t = performance.now();
  await runBench(scenario, { overrides: { seeds: [0], rounds: benchRounds, evaluateEvery }, workers: 1 });
  return performance.now() - t;
};
await wholeBench(1);
const benchEvery: number[] = [];
const benchLast: number[] = [];
const benchShares: number[] = [];
for (let k = 0; k < Math.max(3, Math.min(runs, 5)); k++) {
  const a = await wholeBench(1);
  const b = await wholeBench(benchRounds);
  benchEvery.push(a);
  benchLast.push(b);
  // (a − b) covers rounds − 1 evaluations; the share of all `rounds` of them in a.
  benchShares.push(((a - b) * benchRounds) / (benchRounds - 1) / a);
}
progress(`  whole bench: ${median(benchEvery).toFixed(0)} ms evaluating every round, ${median(benchLast).toFixed(0)} ms the last only`);
const armMs = trainingMs + evalMs;
// bench.evaluateEvery k: rounds k, 2k, … and the last are evaluated.
const evaluationsAt = (k: number) => Array.from({ length: rounds }, (_, r) => r + 1).filter((r) => r % k === 0 || r === rounds).length;
const everyK = [1, 2, 3, 5, 10].map((k) => {
  const ms = (evalMs / rounds) * evaluationsAt(k);
  return { evaluateEvery: k, evaluations: evaluationsAt(k), evaluationMs: ms, share: ms / (trainingMs + ms) };
});
const out = {
  runs,
  loadAverage: load,
  auc: aucRows,
  perRoundEvaluation: {
    scenario: 'alzheimers-3site, fedavg, 1 seed, 30 rounds, in process',
    pooledTestRows: pooledTest.n,
    benchMs: armMs,
    evaluationMs: evalMs,
    evaluationBeforeMs: evalBeforeMs,
    share: evalMs / armMs,
    shareBefore: evalBeforeMs / (trainingMs + evalBeforeMs),
    everyK,
  },
  wholeBench: {
    scenario: 'alzheimers-3site, every default arm, 1 seed, 30 rounds, 1 worker, in process',
    everyRoundMs: median(benchEvery),
    lastRoundOnlyMs: median(benchLast),
    share: median(benchShares),
    shareAtK: Object.fromEntries([1, 2, 3, 5].map((k) => [k, (median(benchShares) * evaluationsAt(k)) / benchRounds])),
  },
  target: { share: 0.03 },
};
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  const lines = aucRows.map((r) => `AUC, n = ${String(r.n).padStart(7)}: before ${r.beforeMs.toFixed(3)} ms, now ${r.nowMs.toFixed(3)} ms, ${r.speedup.toFixed(1)}x`);
  const e = out.perRoundEvaluation;
  lines.push(`per-round evaluation (${e.pooledTestRows} pooled test rows x ${rounds} rounds): ${e.evaluationMs.toFixed(1)} ms of a ${e.benchMs.toFixed(0)} ms arm = ${(100 * e.share).toFixed(1)} % (before: ${(100 * e.shareBefore).toFixed(1)} %; target <= 3 %)`);
  for (const r of e.everyK) lines.push(`  evaluateEvery ${String(r.evaluateEvery).padStart(2)}: ${String(r.evaluations).padStart(2)} evaluations, ${(100 * r.share).toFixed(1)} % of the arm`);
  const w = out.wholeBench;
  lines.push(`whole bench (${w.scenario}): per-round evaluation ${(100 * w.share).toFixed(1)} % of ${w.everyRoundMs.toFixed(0)} ms (median of paired runs)`);
  lines.push(`  at evaluateEvery 2 / 3 / 5: ~${[2, 3, 5].map((k) => (100 * w.shareAtK[k]).toFixed(1)).join(' / ')} %`);
  lines.push(`load average ${load.toFixed(2)} at start (2 cores, shared machine: compare the ratios)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
