/**
 * npm run bench:train — training throughput of the model layer, in samples/s on one core.
 * Target (issue #3): >= 1,000,000 samples/s for logistic regression, minibatch SGD, batch 32,
 * d = 36 features, on the hand-written typed-array path. The tfjs backend is measured in the same
 * run as the baseline (on fewer samples: it is orders of magnitude slower per small minibatch).
 * Usage: node dist/bench/train.js [--rows N] [--runs K] [--json]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Xoshiro128, streamState } from '../src/synth/rng.js';
import { createModel, type ModelSpec } from '../src/model/create-model.js';
import { describeBackend, loadTfjs, type BackendDescription } from '../src/model/tfjs-backend.js';
import { Sgd } from '../src/model/optimizer.js';
import { trainLocal } from '../src/model/train.js';
import type { LabeledData } from '../src/model/types.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const FEATURES = 36;
const BATCH_SIZE = 32;
const LEARNING_RATE = 0.05;
const rows = arg('rows', 20_000);
const runs = arg('runs', 7);
const asJson = process.argv.includes('--json');
// Human progress goes to stderr; stdout carries only the result (table or JSON).
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Standard-normal features and labels from a logistic model with random weights. */
function syntheticDataset(n: number, d: number, seed: number): LabeledData {
  const rng = new Xoshiro128(streamState(seed, 'bench-train'));
  const weights = Array.from({ length: d }, () => rng.normal() / Math.sqrt(d));
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = -1;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      x[i * d + j] = v;
      z += weights[j] * v;
    }
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { n, d, x, y };
}

interface Measurement {
  model: string;
  backend: BackendDescription;
  samplesPerSecond: number;
  samplesPerRun: number;
  runs: number;
}

/** Median samples/s of `runs` timed trainings (after one untimed warm-up), each from fresh params. */
function measure(label: string, spec: ModelSpec, data: LabeledData, work: { epochs: number } | { steps: number }, runCount: number): Measurement {
  const model = createModel(spec);
  const random = (() => {
    const rng = new Xoshiro128(streamState(1, 'bench-train', label));
    return () => rng.uniform();
  })();
  const once = (): { seconds: number; samples: number } => {
    const params = model.init(random);
    const t0 = performance.now();
    const r = trainLocal(model, params, data, { batchSize: BATCH_SIZE, ...work, optimizer: new Sgd(LEARNING_RATE), random });
    const seconds = (performance.now() - t0) / 1000;
    if (!Number.isFinite(r.lastLoss)) throw new Error(`${label}: training diverged (loss ${r.lastLoss})`);
    return { seconds, samples: r.examplesSeen };
  };
  once(); // warm-up: let the JIT compile the hot loops (tfjs: its kernels) before timing
  const rates: number[] = [];
  let samples = 0;
  for (let k = 0; k < runCount; k++) {
    const r = once();
    rates.push(r.samples / r.seconds);
    samples = r.samples;
  }
  rates.sort((a, b) => a - b);
  const median = rates.length % 2 ? rates[(rates.length - 1) / 2] : (rates[rates.length / 2 - 1] + rates[rates.length / 2]) / 2;
  const m = { model: label, backend: describeBackend(model), samplesPerSecond: median, samplesPerRun: samples, runs: runCount };
  progress(`  ${label} on ${m.backend.name}: ${fmt(median)} samples/s`);
  return m;
}

/**
 * End-to-end wall time of the default bench as a user runs it: a fresh
 * `fedage bench scenarios/alzheimers-3site.yaml` process (startup, in-memory generation, splits,
 * preprocessing, all arms × 5 seeds, evaluation, summary), median of 3 runs; plus one run with
 * `--workers 1` to show what the worker threads buy.
 */
async function endToEndBench(): Promise<{ seconds: number; singleThreadSeconds: number; description: string } | null> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const time = (extra: string[]): number => {
    const started = performance.now();
    const run = spawnSync(process.execPath, ['bin/fedage.js', 'bench', 'scenarios/alzheimers-3site.yaml', ...extra], { cwd: root, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`fedage bench failed (${run.status}): ${run.stderr}`);
    return (performance.now() - started) / 1000;
  };
  progress('end-to-end: fedage bench scenarios/alzheimers-3site.yaml (all arms, 5 seeds), 3 runs');
  const runs = [time([]), time([]), time([])].sort((a, b) => a - b);
  const singleThreadSeconds = time(['--workers', '1']);
  return {
    seconds: runs[1],
    singleThreadSeconds,
    description: `median of 3 fresh processes, default workers = ${availableParallelism()}; --workers 1: ${singleThreadSeconds.toFixed(2)} s; target < 10 s`,
  };
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

async function main(): Promise<void> {
  const data = syntheticDataset(rows, FEATURES, 7);
  const lr: ModelSpec = { kind: 'logistic', featureCount: FEATURES, l2: 1e-4 };
  const mlp: ModelSpec = { kind: 'mlp', featureCount: FEATURES, hiddenUnits: [32], l2: 1e-4 };
  progress(`training throughput: d = ${FEATURES}, n = ${fmt(rows)}, SGD batch ${BATCH_SIZE}, median of ${runs} runs`);
  const results: Measurement[] = [];
  results.push(measure('logistic', lr, data, { epochs: 10 }, runs));
  results.push(measure('mlp [32]', mlp, data, { epochs: 2 }, runs));
  await loadTfjs();
  // tfjs pays per-minibatch dispatch and tensor allocation: a few hundred steps suffice.
  results.push(measure('logistic', { ...lr, backend: 'tfjs' }, data, { steps: 300 }, Math.min(runs, 3)));
  results.push(measure('mlp [32]', { ...mlp, backend: 'tfjs' }, data, { steps: 200 }, Math.min(runs, 3)));
  const endToEnd = await endToEndBench();

  const speedup = (label: string) => {
    const [typed, tfjs] = [results.find((r) => r.model === label && r.backend.name === 'js-typed-array'), results.find((r) => r.model === label && r.backend.name !== 'js-typed-array')];
    return typed && tfjs ? typed.samplesPerSecond / tfjs.samplesPerSecond : Number.NaN;
  };

  if (asJson) {
    const out = {
      features: FEATURES,
      rows,
      batchSize: BATCH_SIZE,
      optimizer: { kind: 'sgd', learningRate: LEARNING_RATE },
      targetSamplesPerSecond: { logistic: 1_000_000 },
      results,
      speedupTypedOverTfjs: { logistic: speedup('logistic'), mlp: speedup('mlp [32]') },
      endToEnd,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const lines = [
    `${'model'.padEnd(10)} ${'backend'.padEnd(16)} ${'samples/s'.padStart(12)} ${'samples/run'.padStart(12)}`,
    ...results.map((r) => `${r.model.padEnd(10)} ${r.backend.name.padEnd(16)} ${fmt(r.samplesPerSecond).padStart(12)} ${fmt(r.samplesPerRun).padStart(12)}`),
    '',
    `typed / tfjs speed-up: logistic ${speedup('logistic').toFixed(0)}x, mlp [32] ${speedup('mlp [32]').toFixed(0)}x`,
    `logistic target >= 1,000,000 samples/s: ${results[0].samplesPerSecond >= 1_000_000 ? 'met' : 'NOT met'}`,
    endToEnd ? `end-to-end: ${endToEnd.seconds.toFixed(2)} s (${endToEnd.description})` : 'end-to-end: not yet wired',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
