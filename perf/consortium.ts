/**
 * npm run perf:consortium — the consortium-scale run (issue 19, target 5): consortium-10site
 * with every site at --patients-per-site (default 100,000: 1 M patients), generated to a
 * temporary data directory first (sites on worker threads, timed on its own), then two benches
 * in fresh processes, each printing its own wall time and peak RSS (the process's maxRSS,
 * worker threads included):
 *  - every non-DP arm (the default: central, local per site, every strategy), --seeds 5;
 *  - the same plus sample-level DP arms at ε = 1.
 * Targets on 2 cores: under 2 minutes and 2 GB (non-DP), under 3 minutes (DP). The benches keep
 * no design matrices of finished seeds (keepMatrices: false, as `fedage bench --no-dashboard`).
 * Then how time grows with patients, sites, seeds and rounds: perf/scaling.js's exponents, run at
 * --exponent-patients per site (default 4,000) so the table costs minutes, not hours.
 * Usage: node dist/perf/consortium.js [--patients-per-site N] [--seeds K] [--workers W]
 *        [--rounds R] [--exponent-patients N] [--no-exponents] [--no-dp] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticDataset } from '../src/data/write-dataset.js';
import { loadScenario } from '../src/scenario/parse.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const perSite = Number(arg('patients-per-site', '100000'));
const seeds = Number(arg('seeds', '5'));
// 1 by default, as fedage bench: the arm pool measured slower than one thread on 2 cores.
const workers = Number(arg('workers', '1'));
const rounds = process.argv.includes('--rounds') ? Number(arg('rounds', '0')) : null;
const exponentPatients = Number(arg('exponent-patients', '4000'));
const json = process.argv.includes('--json');
const log = (line: string) => process.stderr.write(`${line}\n`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenarioPath = join(root, 'scenarios/consortium-10site.yaml');
const base = await loadScenario(scenarioPath);
const work = mkdtempSync(join(tmpdir(), 'fedage-perf-consortium-'));
const load = loadavg()[0];

// 1. The data: every site at the same size, no visits (the bench reads the patient tables).
const dataDir = join(work, 'data');
const scenario = { ...base, sites: base.sites.map((s) => ({ ...s, patients: perSite })) };
const g0 = performance.now();
await writeSyntheticDataset(scenario, { outDir: dataDir, visits: false, workers });
const generateSeconds = (performance.now() - g0) / 1000;
log(`generated ${scenario.sites.length} x ${perSite} patients in ${generateSeconds.toFixed(1)} s (${workers} workers)`);

// 2. The benches, each in a fresh process that reports its own time and peak RSS.
interface BenchFigure {
  label: string;
  seconds: number;
  maxRssMb: number;
  arms: number;
  targetSeconds: number;
}
function bench(label: string, privacy: object | null, targetSeconds: number): BenchFigure {
  const file = join(work, `bench-${label.replace(/\W+/g, '-')}.mjs`);
  const overrides = { seeds: Array.from({ length: seeds }, (_, i) => i), ...(rounds !== null ? { rounds } : {}), ...(privacy ? { privacy } : {}) };
  writeFileSync(
    file,
    `
import { runBench } from ${JSON.stringify(new URL('../src/bench/runner.js', import.meta.url).href)};
const t0 = performance.now();
const run = await runBench(${JSON.stringify(dataDir)}, { settings: { bench: ${JSON.stringify(base.bench ?? {})}, privacy: null }, overrides: ${JSON.stringify(overrides)}, workers: ${workers}, keepMatrices: false, memoryLimit: null });
process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, arms: run.result.plan.length }));
`,
  );
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { seconds: number; maxRssMb: number; arms: number };
  log(`${label}: ${out.seconds.toFixed(1)} s, peak RSS ${out.maxRssMb.toFixed(0)} MB, ${out.arms} arms x ${seeds} seeds`);
  return { label, ...out, targetSeconds };
}
const benches = [bench('non-DP arms', null, 120)];
if (!process.argv.includes('--no-dp')) benches.push(bench('+ sample-level DP, eps = 1', { level: 'sample', epsilons: [1] }, 180));

// 3. Scaling exponents (perf/scaling.js), smaller sizes.
let exponents: { factor: string; x: string; t1: number; t2: number; exponent: number }[] = [];
if (!process.argv.includes('--no-exponents')) {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./scaling.js', import.meta.url)), '--patients-per-site', String(exponentPatients), '--json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scaling failed (${r.status}): ${r.stderr}`);
  exponents = (JSON.parse(r.stdout) as { factors: typeof exponents }).factors;
}
rmSync(work, { recursive: true, force: true });

const result = { scenario: 'consortium-10site, every site equal', perSite, patients: perSite * scenario.sites.length, seeds, workers, loadAverage: load, generateSeconds, benches, exponents, memoryTargetMb: 2048 };
if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  const lines = [
    `consortium-10site, ${scenario.sites.length} sites x ${perSite.toLocaleString('en-US')} patients (${result.patients.toLocaleString('en-US')}), ${seeds} seeds, ${workers} workers; generation ${generateSeconds.toFixed(1)} s`,
    ...benches.map(
      (b) =>
        `  ${b.label.padEnd(28)} ${b.seconds.toFixed(1).padStart(7)} s (target < ${b.targetSeconds} s: ${b.seconds < b.targetSeconds ? 'met' : 'NOT met'})  peak RSS ${b.maxRssMb.toFixed(0).padStart(5)} MB (target < 2048: ${b.maxRssMb < 2048 ? 'met' : 'NOT met'})  ${b.arms} arms`,
    ),
  ];
  if (exponents.length > 0) {
    lines.push(`time ~ x^b, from runs at x and 2x (${exponentPatients} patients per site, --workers 1, arms central, local, fedavg):`);
    for (const f of exponents) lines.push(`  ${f.factor.padEnd(18)} ${f.x.padEnd(14)} b = ${f.exponent.toFixed(2)}`);
  }
  lines.push(`load average ${load.toFixed(2)} at start (2 cores, shared machine: the seconds are stretched by the load)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
