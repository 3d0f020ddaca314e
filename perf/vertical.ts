/**
 * Vertical FL cost: `npm run perf:vertical`. The vertical-4party scenario with a population of
 * 100,000 and every party covering all of it (4 parties × 100,000 records), timed in phases:
 *   generate  the parties' tables in memory (what `fedage generate` writes)
 *   psi       ECDH-PSI with X25519 between the label holder and the 3 other parties, each party
 *             on its own threads (runPsiParallel, as `fedage vertical` runs it), measured in full
 *   align     per-party preprocessing into the training matrices
 *   train     runVerticalExperiment, 10 epochs (every arm; leakage attacks included)
 * The issue's target: PSI + 10 epochs under 60 s on 2 cores.
 *
 * Before the PSI it prints the single-thread rates of its two operations (hash to the curve,
 * X25519) on 5,000 ids. --psi-keys N (default: every key) runs the PSI on N keys per party and
 * EXTRAPOLATES linearly (it does a fixed number of hashes and multiplications per key), for a
 * quick look; the printed lines say which figure is measured and which extrapolated. The machine
 * is shared: timings are noisy.
 * Options: --patients N (default 100000), --epochs N (10), --psi-keys N (all), --psi-label-threads N (2),
 * --batch-size N (256), --encryption masked|paillier (masked).
 */
import { loadScenario } from '../src/scenario/parse.js';
import { readStrings } from '../src/data/prepare/columns.js';
import { verticalDatasetInMemory } from '../src/vertical/vertical-dataset.js';
import { type PsiResult } from '../src/vertical/psi.js';
import { runPsiParallel } from '../src/vertical/psi-parallel.js';
import { SecretKey, hashToGroupCounted, ELEMENT_BYTES } from '../src/vertical/x25519-group.js';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { alignForTraining } from '../src/vertical/align.js';
import { runVerticalExperiment } from '../src/vertical/experiment.js';
import type { FeatureSource } from '../src/data/prepare/preprocess.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const PATIENTS = Number(arg('patients', '100000'));
const EPOCHS = Number(arg('epochs', '10'));
const PSI_KEYS = Math.min(PATIENTS, Number(arg('psi-keys', String(PATIENTS))));
const LABEL_THREADS = Number(arg('psi-label-threads', '2'));
const BATCH = Number(arg('batch-size', '256'));
const ENCRYPTION = arg('encryption', 'masked') as 'masked' | 'paillier';
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const scenario = await loadScenario('scenarios/vertical-4party.yaml');
const full = { ...scenario, vertical: { ...scenario.vertical!, parties: scenario.vertical!.parties.map((p) => ({ ...p, coverage: 1 })) } };
const scale = PATIENTS / scenario.sites[0].patients;

let t = performance.now();
const data = verticalDatasetInMemory(full, { scale });
const generateMs = performance.now() - t;
console.log(`vertical: ${data.parties.length} parties x ${data.manifest.population.patients} records; generate ${s(generateMs)} (not part of the target)`);

const keys = Object.fromEntries(data.parties.map((p) => [p.id, readStrings(p.table, 'join_key')]));
const label = data.parties.find((p) => p.label)!;
const others = data.parties.filter((p) => !p.label);
// Single-thread rates of the PSI's two operations, per CPU second.
{
  const n = 5000;
  let c = process.cpuUsage();
  let tries = 0;
  const elements = new Uint8Array(n * ELEMENT_BYTES);
  for (let i = 0; i < n; i++) {
    const h = hashToGroupCounted(`rate-${i}`);
    tries += h.tries;
    elements.set(h.element, i * ELEMENT_BYTES);
  }
  let u = process.cpuUsage(c);
  const hashRate = n / ((u.user + u.system) / 1e6);
  c = process.cpuUsage();
  new SecretKey(randomBytes(32)).blindAll(elements);
  u = process.cpuUsage(c);
  const mulRate = n / ((u.user + u.system) / 1e6);
  console.log(`psi rates (one thread): ${Math.round(hashRate)} hashes to the curve per CPU s (${(tries / n).toFixed(2)} candidates each), ${Math.round(mulRate)} X25519 per CPU s`);
}

const loadBefore = loadavg()[0];
const cpu0 = process.cpuUsage();
t = performance.now();
let psi: PsiResult = await runPsiParallel(
  { id: label.id, keys: keys[label.id].slice(0, PSI_KEYS) },
  others.map((p) => ({ id: p.id, keys: keys[p.id].slice(0, PSI_KEYS) })),
  { labelThreads: LABEL_THREADS },
);
const psiMeasuredMs = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
const psiMs = (psiMeasuredMs * PATIENTS) / PSI_KEYS;
const psiCpuMs = ((cpu.user + cpu.system) / 1000) * (PATIENTS / PSI_KEYS);
const measured = PSI_KEYS === PATIENTS;
const operations = { hashes: PSI_KEYS * data.parties.length, multiplications: PSI_KEYS * (2 * others.length + others.length + 1) };
console.log(
  `psi: ${PSI_KEYS} keys per party (${operations.hashes} hashes, ${operations.multiplications} X25519; ${others.length} party threads + ${LABEL_THREADS} label-holder threads): ` +
    `${s(psiMeasuredMs)} wall, ${s((cpu.user + cpu.system) / 1000)} CPU (all threads: ${((cpu.user + cpu.system) / 1000 / psiMeasuredMs).toFixed(2)} cores on average, load average before ${loadBefore.toFixed(1)}), ${psi.bytesTotal} bytes (${(psi.bytesTotal / 1e6).toFixed(1)} MB), ${psi.labelRows.length} aligned rows` +
    (measured ? ' (measured in full)' : `; EXTRAPOLATED to ${PATIENTS} keys: ${s(psiMs)} wall, ${s(psiCpuMs)} CPU, ${Math.round((psi.bytesTotal * PATIENTS) / PSI_KEYS / 1e6)} MB`),
);
if (!measured) {
  // Alignment and training need the full intersection: every party covers everyone here, so it is
  // each party's rows matched by join key (what the full PSI returns, psi.test.ts checks that).
  const rowOf = (id: string) => new Map(keys[id].map((k, r) => [k, r]));
  const labelRows = Int32Array.from(keys[label.id], (_, r) => r);
  psi = {
    labelParty: label.id,
    labelRows,
    partyRows: Object.fromEntries(others.map((p) => {
      const m = rowOf(p.id);
      return [p.id, Int32Array.from(keys[label.id], (k) => m.get(k)!)];
    })),
    pairs: [],
    bytesTotal: 0,
  };
}

t = performance.now();
const { data: training, summary } = alignForTraining(
  data.parties.map((p) => {
    const m = data.manifest.parties.find((q) => q.id === p.id)!;
    return { id: p.id, label: p.label, table: p.table, features: m.features.map((name) => ({ name, featureType: m.schema.find((c) => c.name === name)!.featureType as FeatureSource['featureType'] })) };
  }),
  psi,
  { seed: 1, testFraction: 0.25 },
);
const alignMs = performance.now() - t;
console.log(`align: ${summary.labelledRows} labelled rows (${summary.trainRows} train), ${summary.parties.map((p) => `${p.id} ${p.columns}`).join(', ')} columns: ${s(alignMs)}`);

const t1 = scenario.vertical!.training;
t = performance.now();
const result = await runVerticalExperiment(training, {
  seed: 1,
  epochs: EPOCHS,
  batchSize: BATCH,
  learningRate: t1.learningRate,
  bottomHiddenUnits: t1.bottomHiddenUnits,
  verticalLr: { encryption: ENCRYPTION, keyBits: t1.keyBits },
  leakageDefence: { noiseMultiplier: t1.leakageNoiseMultiplier },
});
const trainMs = performance.now() - t;
for (const a of result.arms) console.log(`  ${a.arm.padEnd(30)} AUC ${a.auc.toFixed(3)}  ${s(a.wallMs)}  ${a.bytesPerEpoch} bytes/epoch`);
const federated = result.arms.filter((a) => a.arm.startsWith('split') || a.arm === 'vertical-lr').reduce((x, a) => x + a.wallMs, 0);
console.log(`train: ${EPOCHS} epochs, every arm ${s(trainMs)} (the federated arms: ${s(federated)}; vertical LR with ${ENCRYPTION})`);
const total = psiMs + trainMs;
console.log(`PSI + ${EPOCHS} epochs: ${s(total)} (${measured ? 'measured' : 'PSI extrapolated'}); target < 60 s on 2 cores: ${total < 60_000 ? 'met' : 'NOT met'}`);
// Not a measurement: what the PSI's CPU time would take if both cores were free for it.
console.log(`(the PSI's CPU time over 2 free cores would be >= ${s(psiCpuMs / 2)}: PSI + ${EPOCHS} epochs >= ${s(psiCpuMs / 2 + trainMs)}; a bound, not a measurement)`);
