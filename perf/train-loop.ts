/**
 * npm run perf:train-loop — the SGD inner loop at consortium scale (issue 19, target 1): samples/s
 * of logistic regression and MLP [32] at d = 70 on a large site (default 200,000 rows, a design
 * matrix of 112 MB: far beyond the caches, so memory access patterns show), one core.
 * Side by side in ONE run, in alternation (A, B, A, B, …) so that every variant sees the same
 * machine load, and reported as ratios (the machine is shared; absolute figures are noisy):
 *   - before: the loops before issue 19's kernels (one row at a time; test/model/reference-*.ts,
 *     verbatim), now: model/logistic-kernels.ts (four rows at a time) and model/dense-kernels.ts
 *     (register-blocked MLP) — bit-identical results (test/model/*-kernels.test.ts)
 *   - the MLP's dense loops in WebAssembly SIMD (model/dense-backend.ts, the default) vs the
 *     register-blocked JavaScript loops (`kernels: 'js'`) — bit-identical (test/model/dense-wasm.test.ts)
 *   - logistic with row-reshuffled minibatches (sampling: reshuffle) for the memory-order effect
 *   - DP-SGD (Poisson sampling, per-example clipping), logistic and MLP, before and now
 * Each variant's rate is given per wall-clock second and per CPU second of this process (the
 * per-core rate: on a loaded machine the wall clock also counts time spent waiting for a core).
 * Usage: node dist/perf/train-loop.js [--rows N] [--features D] [--runs K] [--json]
 */
import { Xoshiro128, streamState } from '../src/random/rng.js';
import { LogisticRegression } from '../src/model/logistic.js';
import { Mlp } from '../src/model/mlp.js';
import { Sgd } from '../src/model/optimizer.js';
import { permuteRows, trainLocal } from '../src/model/train.js';
import type { LabeledData, LocalTrainingOptions, Model } from '../src/model/types.js';
import { trainDpSgd } from '../src/privacy/dp-sgd.js';
import { sampleRateForBatchSize } from '../src/privacy/poisson-sampling.js';
import { ReferenceLogistic } from '../test/model/reference-logistic.js';
import { ReferenceMlp } from '../test/model/reference-mlp.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const rows = arg('rows', 200_000);
const features = arg('features', 70);
const runs = arg('runs', 5);
const BATCH = 32;
const progress = (line: string) => process.stderr.write(`${line}\n`);

function syntheticDataset(n: number, d: number): LabeledData {
  const rng = new Xoshiro128(streamState(7, 'perf-train-loop'));
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

interface Variant {
  label: string;
  run: () => number; // samples
}

function variant(label: string, model: Model, data: LabeledData, epochs: number, sampling?: LocalTrainingOptions['sampling'], dp = false): Variant {
  const rng = new Xoshiro128(streamState(1, 'perf-train-loop', label));
  const random = () => rng.uniform();
  return {
    label,
    run: () => {
      const params = model.init(random);
      if (dp) {
        return trainDpSgd(model, params, data, {
          sampleRate: sampleRateForBatchSize(BATCH, data.n),
          noiseMultiplier: 1,
          clipNorm: 1,
          epochs,
          optimizer: new Sgd(0.05),
          random,
          noise: { secure: false, fillGaussian: (out, sd) => { for (let j = 0; j < out.length; j++) out[j] = sd * rng.normal(); } },
        }).examplesSeen;
      }
      return trainLocal(model, params, data, { batchSize: BATCH, epochs, optimizer: new Sgd(0.05), random, ...(sampling ? { sampling } : {}) }).examplesSeen;
    },
  };
}

/** Runs the variants in alternation `runs` times; samples per wall second and per CPU second of each. */
function alternate(variants: Variant[]): { wall: Map<string, number[]>; cpu: Map<string, number[]> } {
  const wall = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  const cpu = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  for (const v of variants) v.run(); // warm-up
  for (let k = 0; k < runs; k++) {
    for (const v of variants) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const samples = v.run();
      const c = process.cpuUsage(c0);
      wall.get(v.label)!.push(samples / ((performance.now() - t0) / 1000));
      cpu.get(v.label)!.push(samples / ((c.user + c.system) / 1e6));
    }
    progress(`  run ${k + 1}/${runs} done`);
  }
  return { wall, cpu };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

const { loadavg } = await import('node:os');
progress(`train loop: n = ${fmt(rows)}, d = ${features}, batch ${BATCH}, ${runs} alternated runs; load average ${loadavg()[0].toFixed(2)}`);
const raw = syntheticDataset(rows, features);
// Block shuffling needs rows stored in random order (model/train.ts blockShuffleInto).
const rng = new Xoshiro128(streamState(3, 'perf-train-loop', 'permute'));
const data = permuteRows(raw, () => rng.uniform()).data;
const lr = new LogisticRegression(features, 1e-4);
const lrBefore = new ReferenceLogistic(features, 1e-4);
const mlpOptions = { featureCount: features, hiddenUnits: [32], l2: 1e-4 };
const mlp = new Mlp(mlpOptions);
const mlpJs = new Mlp({ ...mlpOptions, kernels: 'js' });
const deepOptions = { featureCount: features, hiddenUnits: [64, 32], l2: 1e-4 };
const deep = new Mlp(deepOptions);
const deepJs = new Mlp({ ...deepOptions, kernels: 'js' });
if (mlp.kernelBackend !== 'wasm-simd') progress('  note: WebAssembly SIMD is not available here; "mlp [32]" runs the JavaScript kernels');
const mlpBefore = new ReferenceMlp(mlpOptions);
const block = { kind: 'block-shuffle' } as const;
const { wall, cpu } = alternate([
  variant('logistic before', lrBefore, data, 2, block),
  variant('logistic', lr, data, 2, block),
  variant('logistic reshuffle', lr, data, 2, { kind: 'reshuffle' }),
  variant('logistic dp-sgd before', lrBefore, data, 1, undefined, true),
  variant('logistic dp-sgd', lr, data, 1, undefined, true),
  variant('mlp [32] before', mlpBefore, data, 1, block),
  variant('mlp [32] js kernels', mlpJs, data, 1, block),
  variant('mlp [32]', mlp, data, 1, block),
  variant('mlp [64,32] js kernels', deepJs, data, 1, block),
  variant('mlp [64,32]', deep, data, 1, block),
  variant('mlp [32] dp-sgd before', mlpBefore, data, 1, undefined, true),
  variant('mlp [32] dp-sgd js', mlpJs, data, 1, undefined, true),
  variant('mlp [32] dp-sgd', mlp, data, 1, undefined, true),
]);
const wallMedian = new Map([...wall].map(([k, v]) => [k, median(v)]));
const cpuMedian = new Map([...cpu].map(([k, v]) => [k, median(v)]));
// Ratios per alternated pair, then the median: both sides of a pair saw the same load.
const pairRatio = (a: string, b: string) => median(wall.get(a)!.map((v, k) => v / wall.get(b)![k]));
const out = {
  rows,
  features,
  batchSize: BATCH,
  runs,
  loadAverage: loadavg()[0],
  samplesPerSecond: Object.fromEntries(wallMedian),
  samplesPerCpuSecond: Object.fromEntries(cpuMedian),
  ratios: {
    logisticNowOverBefore: pairRatio('logistic', 'logistic before'),
    logisticBlockOverReshuffle: pairRatio('logistic', 'logistic reshuffle'),
    logisticDpNowOverBefore: pairRatio('logistic dp-sgd', 'logistic dp-sgd before'),
    mlpNowOverBefore: pairRatio('mlp [32]', 'mlp [32] before'),
    mlpWasmOverJsKernels: pairRatio('mlp [32]', 'mlp [32] js kernels'),
    mlpDpWasmOverJsKernels: pairRatio('mlp [32] dp-sgd', 'mlp [32] dp-sgd js'),
    mlp64x32WasmOverJsKernels: pairRatio('mlp [64,32]', 'mlp [64,32] js kernels'),
    mlpDpNowOverBefore: pairRatio('mlp [32] dp-sgd', 'mlp [32] dp-sgd before'),
    logisticDpOverLogistic: pairRatio('logistic dp-sgd', 'logistic'),
    mlpDpOverMlp: pairRatio('mlp [32] dp-sgd', 'mlp [32]'),
  },
  mlpKernels: mlp.kernelBackend,
  targets: { logisticSamplesPerSecond: 4_000_000, mlpSamplesPerSecond: 1_000_000 },
};
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  const lines = [`${'variant'.padEnd(24)} ${'samples/s'.padStart(12)} ${'per CPU s'.padStart(12)}`];
  for (const [k, v] of wallMedian) lines.push(`${k.padEnd(24)} ${fmt(v).padStart(12)} ${fmt(cpuMedian.get(k)!).padStart(12)}`);
  lines.push('', ...Object.entries(out.ratios).map(([k, v]) => `${k.padEnd(30)} ${v.toFixed(2)}x`));
  const verdict = (label: string, target: number) => {
    const perCpu = cpuMedian.get(label)!;
    return `${label}: ${fmt(perCpu)} samples per CPU second (target >= ${fmt(target)} per core: ${perCpu >= target ? 'met' : 'NOT met'})`;
  };
  lines.push('', verdict('logistic', out.targets.logisticSamplesPerSecond), `${verdict('mlp [32]', out.targets.mlpSamplesPerSecond)}, kernels ${mlp.kernelBackend}`);
  lines.push(`load average ${out.loadAverage.toFixed(2)} (2 cores, shared machine: compare ratios, not absolute figures)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
