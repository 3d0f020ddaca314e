/**
 * npm run perf:train — training throughput of the model layer, in samples/s on one core.
 * Target (issue #3): >= 1,000,000 samples/s for logistic regression, minibatch SGD, batch 32,
 * d = 36 features, on the hand-written typed-array path. The tfjs backend is measured in the same
 * run as the baseline (on fewer samples: it is orders of magnitude slower per small minibatch).
 * DP-SGD (issue #5, privacy/dp-sgd.ts) on the same data: Poisson sampling at q = 1/⌈n/32⌉ (the
 * same expected batch and steps per epoch), per-example clipping (C = 1), Gaussian noise
 * (σ = 1); target >= 60 % of the non-DP logistic throughput. The noise here comes from a seeded
 * xoshiro128** stream (bench only); the product uses the secure source.
 * Usage: node dist/perf/train.js [--rows N] [--runs K] [--json]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Xoshiro128, streamState } from '../src/random/rng.js';
import { createModel, type ModelSpec } from '../src/model/create-model.js';
import { describeBackend, loadTfjs, type BackendDescription } from '../src/model/tfjs-backend.js';
import { Sgd } from '../src/model/optimizer.js';
import { trainLocal } from '../src/model/train.js';
import type { LabeledData, LocalTrainingResult } from '../src/model/types.js';
import { trainDpSgd } from '../src/privacy/dp-sgd.js';
import type { GaussianNoise } from '../src/privacy/noise-types.js';
import { sampleRateForBatchSize } from '../src/privacy/poisson-sampling.js';

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

const DP_NOISE_MULTIPLIER = 1;
const DP_CLIP_NORM = 1;

/** Seeded Gaussian noise for the throughput bench only (not secure). */
function benchNoise(label: string): GaussianNoise {
  const rng = new Xoshiro128(streamState(1, 'bench-train-noise', label));
  return {
    secure: false,
    fillGaussian(out, sd) {
      for (let j = 0; j < out.length; j++) out[j] = sd * rng.normal();
    },
  };
}

type Work = { epochs: number } | { steps: number };

const median = (values: number[]): number => {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** One timed training from fresh params (non-DP trainLocal, or DP-SGD when `dp`). */
function runner(label: string, spec: ModelSpec, data: LabeledData, work: Work, dp: boolean): { once: () => { seconds: number; samples: number }; backend: BackendDescription } {
  const model = createModel(spec);
  const random = (() => {
    const rng = new Xoshiro128(streamState(1, 'bench-train', label));
    return () => rng.uniform();
  })();
  const noise = benchNoise(label);
  const train = (params: Float64Array): LocalTrainingResult =>
    dp
      ? trainDpSgd(model, params, data, {
          sampleRate: sampleRateForBatchSize(BATCH_SIZE, data.n),
          noiseMultiplier: DP_NOISE_MULTIPLIER,
          clipNorm: DP_CLIP_NORM,
          ...work,
          optimizer: new Sgd(LEARNING_RATE),
          random,
          noise,
        })
      : trainLocal(model, params, data, { batchSize: BATCH_SIZE, ...work, optimizer: new Sgd(LEARNING_RATE), random });
  const once = (): { seconds: number; samples: number } => {
    const params = model.init(random);
    const t0 = performance.now();
    const r = train(params);
    const seconds = (performance.now() - t0) / 1000;
    if (!Number.isFinite(r.lastLoss)) throw new Error(`${label}: training diverged (loss ${r.lastLoss})`);
    return { seconds, samples: r.examplesSeen };
  };
  return { once, backend: describeBackend(model) };
}

/** Median samples/s of `runs` timed trainings (after one untimed warm-up), each from fresh params. */
function measure(label: string, spec: ModelSpec, data: LabeledData, work: Work, runCount: number): Measurement {
  const { once, backend } = runner(label, spec, data, work, false);
  once(); // warm-up: let the JIT compile the hot loops (tfjs: its kernels) before timing
  const rates: number[] = [];
  let samples = 0;
  for (let k = 0; k < runCount; k++) {
    const r = once();
    rates.push(r.samples / r.seconds);
    samples = r.samples;
  }
  const m = { model: label, backend, samplesPerSecond: median(rates), samplesPerRun: samples, runs: runCount };
  progress(`  ${label} on ${m.backend.name}: ${fmt(m.samplesPerSecond)} samples/s`);
  return m;
}

/**
 * DP-SGD against the same non-DP training, run in alternation (non-DP, DP, non-DP, DP, …) so
 * that both see the same machine load (the bench machine is shared): the ratio reported is the
 * median of the per-pair ratios, the samples/s the median of the DP runs.
 */
function measureDp(label: string, spec: ModelSpec, data: LabeledData, work: Work, runCount: number): { measurement: Measurement; ratio: number } {
  const plain = runner(label, spec, data, work, false);
  const dp = runner(`${label} dp-sgd`, spec, data, work, true);
  plain.once();
  dp.once();
  const ratios: number[] = [];
  const rates: number[] = [];
  let samples = 0;
  for (let k = 0; k < runCount; k++) {
    const a = plain.once();
    const b = dp.once();
    const rate = b.samples / b.seconds;
    rates.push(rate);
    ratios.push(rate / (a.samples / a.seconds));
    samples = b.samples;
  }
  const measurement = { model: `${label} dp-sgd`, backend: dp.backend, samplesPerSecond: median(rates), samplesPerRun: samples, runs: runCount };
  const ratio = median(ratios);
  progress(`  ${label} dp-sgd on ${dp.backend.name}: ${fmt(measurement.samplesPerSecond)} samples/s, ${(100 * ratio).toFixed(0)} % of non-DP (median of paired runs)`);
  return { measurement, ratio };
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
  const dpLogistic = measureDp('logistic', lr, data, { epochs: 10 }, runs);
  const dpMlp = measureDp('mlp [32]', mlp, data, { epochs: 2 }, runs);
  results.push(dpLogistic.measurement, dpMlp.measurement);
  await loadTfjs();
  // tfjs pays per-minibatch dispatch and tensor allocation: a few hundred steps suffice.
  results.push(measure('logistic', { ...lr, backend: 'tfjs' }, data, { steps: 300 }, Math.min(runs, 3)));
  results.push(measure('mlp [32]', { ...mlp, backend: 'tfjs' }, data, { steps: 200 }, Math.min(runs, 3)));
  const endToEnd = await endToEndBench();

  const speedup = (label: string) => {
    const [typed, tfjs] = [results.find((r) => r.model === label && r.backend.name === 'js-typed-array'), results.find((r) => r.model === label && r.backend.name !== 'js-typed-array')];
    return typed && tfjs ? typed.samplesPerSecond / tfjs.samplesPerSecond : Number.NaN;
  };

  const dpRatio = { logistic: dpLogistic.ratio, mlp: dpMlp.ratio };

  if (asJson) {
    const out = {
      features: FEATURES,
      rows,
      batchSize: BATCH_SIZE,
      optimizer: { kind: 'sgd', learningRate: LEARNING_RATE },
      targetSamplesPerSecond: { logistic: 1_000_000 },
      results,
      speedupTypedOverTfjs: { logistic: speedup('logistic'), mlp: speedup('mlp [32]') },
      dpSgd: { noiseMultiplier: DP_NOISE_MULTIPLIER, clipNorm: DP_CLIP_NORM, sampling: 'poisson, q = 1/ceil(n/32)', noise: 'seeded (bench only)', ratioToNonDp: dpRatio, targetRatio: { logistic: 0.6 } },
      endToEnd,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const lines = [
    `${'model'.padEnd(16)} ${'backend'.padEnd(16)} ${'samples/s'.padStart(12)} ${'samples/run'.padStart(12)}`,
    ...results.map((r) => `${r.model.padEnd(16)} ${r.backend.name.padEnd(16)} ${fmt(r.samplesPerSecond).padStart(12)} ${fmt(r.samplesPerRun).padStart(12)}`),
    '',
    `typed / tfjs speed-up: logistic ${speedup('logistic').toFixed(0)}x, mlp [32] ${speedup('mlp [32]').toFixed(0)}x`,
    `logistic target >= 1,000,000 samples/s: ${results[0].samplesPerSecond >= 1_000_000 ? 'met' : 'NOT met'}`,
    `DP-SGD (σ = ${DP_NOISE_MULTIPLIER}, C = ${DP_CLIP_NORM}, Poisson q = 1/⌈n/${BATCH_SIZE}⌉) / non-DP: logistic ${(100 * dpRatio.logistic).toFixed(0)} % (target >= 60 %: ${dpRatio.logistic >= 0.6 ? 'met' : 'NOT met'}), mlp [32] ${(100 * dpRatio.mlp).toFixed(0)} %`,
    endToEnd ? `end-to-end: ${endToEnd.seconds.toFixed(2)} s (${endToEnd.description})` : 'end-to-end: not yet wired',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
