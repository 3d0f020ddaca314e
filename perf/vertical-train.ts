/**
 * Vertical-FL training cost: `npm run perf:vertical-train [-- rows epochs]` (defaults 100000 and
 * 10). Four parties (hospital with the labels and 12 columns, memory clinic 6, imaging centre 8,
 * wearable vendor 6) over the same synthetic patients, ~10 % positives, batch 256. Times each arm
 * of vertical/experiment.ts on its own and prints training samples per second (rows × epochs /
 * seconds) and bytes per epoch. Paillier at 2048 bits is timed on a few minibatches and
 * extrapolated (it is orders of magnitude slower; that is the figure this script exists to show).
 * The machine is shared: read ratios within one run, not absolute times.
 */
import { Xoshiro128, streamState } from '../src/random/rng.js';
import { trainPooled } from '../src/vertical/baselines.js';
import { labelHolderFirst } from '../src/vertical/columns.js';
import { runVerticalExperiment, type VerticalExperimentConfig, type VerticalTrainingData } from '../src/vertical/experiment.js';
import { gaussianGradientDefence } from '../src/vertical/gradient-defence.js';
import { trainSplitLearning } from '../src/vertical/split-learning.js';
import { trainTaylorLr } from '../src/vertical/taylor-lr.js';
import { MaskedTaylorProtocol } from '../src/vertical/vertical-lr-masked.js';
import { PaillierTaylorProtocol } from '../src/vertical/vertical-lr-paillier.js';

const rows = Number(process.argv[2] ?? 100_000);
const epochs = Number(process.argv[3] ?? 10);
const COLS = { hospital: 12, memoryClinic: 6, imaging: 8, wearable: 6 };

function syntheticParties(n: number): VerticalTrainingData {
  const rng = new Xoshiro128(streamState(1, 'perf-vertical'));
  const entries = Object.entries(COLS);
  const values = entries.map(([, c]) => new Float64Array(n * c));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = -2.6;
    entries.forEach(([, c], p) => {
      for (let j = 0; j < c; j++) {
        const v = rng.normal();
        values[p][i * c + j] = v;
        z += (j % 3 === 0 ? 0.5 : 0.1) * v;
      }
    });
    labels[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const nTest = Math.floor(n / 5);
  return {
    parties: entries.map(([id, c], p) => ({ partyId: id, featureNames: Array.from({ length: c }, (_, j) => `${id}_${j}`), rows: n, cols: c, values: values[p] })),
    labelPartyId: 'hospital',
    labels,
    trainIndices: Uint32Array.from({ length: n - nTest }, (_, i) => i),
    testIndices: Uint32Array.from({ length: nTest }, (_, i) => n - nTest + i),
  };
}

const config: VerticalExperimentConfig = {
  seed: 1,
  epochs,
  batchSize: 256,
  learningRate: 0.05,
  bottomHiddenUnits: 0,
  verticalLr: { encryption: 'masked', keyBits: 2048 },
  leakageDefence: { noiseMultiplier: 1 },
};

const t0 = performance.now();
const data = syntheticParties(rows);
console.log(`vertical training: ${rows} patients × 4 parties (${Object.values(COLS).join('+')} columns), ${epochs} epochs, batch ${config.batchSize}; data made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const nTrain = data.trainIndices.length;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

function report(arm: string, ms: number, bytesPerEpoch: number, samples = nTrain * epochs): void {
  console.log(`  ${arm.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${Math.round(samples / (ms / 1000)).toLocaleString('en-US').padStart(12)} samples/s  ${mib(bytesPerEpoch).padStart(11)}/epoch`);
}

const timed = async <T>(f: () => T | Promise<T>): Promise<[T, number]> => {
  const s = performance.now();
  const r = await f();
  return [r, performance.now() - s];
};

{
  const [, ms] = await timed(() => trainPooled(data, labelHolderFirst(data), config, 'central'));
  report('central (logistic, pooled)', ms, 0);
}
for (const hidden of [0, 8]) {
  const c = { ...config, bottomHiddenUnits: hidden };
  const [run, ms] = await timed(() => trainSplitLearning(data, c));
  report(`split learning (${hidden === 0 ? 'linear' : `ReLU ${hidden}`}, float32)`, ms, run.bytesByDirection.forward + run.bytesByDirection.backward);
}
{
  const [run, ms] = await timed(() => trainSplitLearning(data, config, { defence: gaussianGradientDefence(1, 1) }));
  report('split learning + Gaussian defence', ms, run.bytesByDirection.forward + run.bytesByDirection.backward);
}
{
  const masked = new MaskedTaylorProtocol(20);
  const [, ms] = await timed(() => trainTaylorLr(data, config, masked));
  const b = masked.bytes();
  report('vertical LR, masked (Beaver, Z_2^64)', ms, (b.forward + b.backward) / epochs);
}
{
  // Paillier 2048: a few minibatches, extrapolated.
  const small = { ...data, trainIndices: data.trainIndices.subarray(0, 64) };
  const [protocol, keyMs] = await timed(() => PaillierTaylorProtocol.create(2048, 20));
  const [, ms] = await timed(() => trainTaylorLr(small, { ...config, epochs: 1 }, protocol));
  const b = protocol.bytes();
  const perRowBytes = (b.forward + b.backward) / small.trainIndices.length;
  report(`vertical LR, Paillier 2048 (${small.trainIndices.length} rows)`, ms, perRowBytes * nTrain, small.trainIndices.length);
  const hours = ((ms / small.trainIndices.length) * nTrain * epochs) / 3.6e6;
  console.log(`    key generation ${(keyMs / 1000).toFixed(1)} s; the full run would take ~${hours.toFixed(1)} h at this rate`);
}
{
  const [result, ms] = await timed(() => runVerticalExperiment(data, config));
  console.log(`runVerticalExperiment, every arm (masked vertical LR): ${(ms / 1000).toFixed(1)} s`);
  for (const a of result.arms) console.log(`  ${a.arm.padEnd(34)} AUC ${a.auc.toFixed(4)}  F1 ${a.f1.toFixed(4)}  ${(a.wallMs / 1000).toFixed(2)} s`);
  for (const l of result.leakage) console.log(`  leakage ${l.attackerPartyId}/${l.attack}: attack AUC ${l.attackAuc.toFixed(3)} → ${l.defenceAttackAuc.toFixed(3)} with ${l.defence}, model AUC cost ${l.aucCost.toFixed(4)}`);
}
