/**
 * npm run perf:scaling — how bench time grows with patients, sites, seeds and rounds (issue 19,
 * target 5): the exponent b of time ∝ x^b from runs at x and 2x, one factor at a time, on
 * consortium-10site with every site set to the same size (so that "sites" does not also change
 * the patients per site). In process, --workers 1, data generated to a temporary directory
 * before the clock starts; each pair runs back to back (the machine is shared: the exponents,
 * not the seconds, are the figures).
 * Each time is the fastest of --repeat runs (default 3): the minimum is the least disturbed by
 * the machine's other work and by just-in-time compilation. Runs shorter than a few seconds
 * measure fixed costs, not growth: the README's table uses --patients-per-site 100000.
 * Usage: node dist/perf/scaling.js [--patients-per-site N] [--rounds R] [--repeat K] [--arms a,b] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBench } from '../src/bench/runner.js';
import { writeSyntheticDataset } from '../src/data/write-dataset.js';
import { loadScenario } from '../src/scenario/parse.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const perSite = Number(arg('patients-per-site', '2000'));
const rounds = Number(arg('rounds', '10'));
const repeat = Math.max(1, Number(arg('repeat', '3')));
const arms = arg('arms', 'central,local,fedavg').split(',');
const progress = (line: string) => process.stderr.write(`${line}\n`);

const scenarioPath = fileURLToPath(new URL('../../scenarios/consortium-10site.yaml', import.meta.url));
const base = await loadScenario(scenarioPath);
const work = mkdtempSync(join(tmpdir(), 'fedage-perf-scaling-'));

async function dataDir(sites: number, patients: number): Promise<string> {
  const dir = join(work, `s${sites}-p${patients}`);
  const scenario = { ...base, sites: base.sites.slice(0, sites).map((s) => ({ ...s, patients })) };
  await writeSyntheticDataset(scenario, { outDir: dir, visits: false, force: true });
  return dir;
}

async function seconds(dir: string, seeds: number, r: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < repeat; k++) {
    const t0 = performance.now();
    await runBench(dir, { settings: { bench: base.bench ?? {}, privacy: null }, overrides: { seeds: Array.from({ length: seeds }, (_, i) => i), rounds: r, arms }, workers: 1 });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

const load = loadavg()[0];
const small = await dataDir(5, perSite);
await seconds(small, 1, 2); // warm-up (JIT)
const factors: { factor: string; x: string; t1: number; t2: number; exponent: number }[] = [];
const pair = async (factor: string, x: string, a: () => Promise<number>, b: () => Promise<number>) => {
  const t1 = await a();
  const t2 = await b();
  factors.push({ factor, x, t1, t2, exponent: Math.log(t2 / t1) / Math.log(2) });
  progress(`  ${factor}: ${t1.toFixed(2)} s -> ${t2.toFixed(2)} s`);
};
const large = await dataDir(5, 2 * perSite);
const wide = await dataDir(10, perSite);
await pair('patients per site', `${perSite} -> ${2 * perSite}`, () => seconds(small, 1, rounds), () => seconds(large, 1, rounds));
await pair('sites', '5 -> 10', () => seconds(small, 1, rounds), () => seconds(wide, 1, rounds));
await pair('seeds', '1 -> 2', () => seconds(small, 1, rounds), () => seconds(small, 2, rounds));
await pair('rounds', `${rounds} -> ${2 * rounds}`, () => seconds(small, 1, rounds), () => seconds(small, 1, 2 * rounds));
rmSync(work, { recursive: true, force: true });

const out = { scenario: 'consortium-10site, equal sites', arms, perSite, rounds, repeat, loadAverage: load, factors };
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  const lines = [`${'factor'.padEnd(18)} ${'x -> 2x'.padEnd(14)} ${'t(x)'.padStart(8)} ${'t(2x)'.padStart(8)} exponent`];
  for (const f of factors) lines.push(`${f.factor.padEnd(18)} ${f.x.padEnd(14)} ${f.t1.toFixed(2).padStart(7)}s ${f.t2.toFixed(2).padStart(7)}s ${f.exponent.toFixed(2).padStart(8)}`);
  lines.push(`arms ${arms.join(', ')}; fastest of ${repeat}; --workers 1, in process; load average ${load.toFixed(2)} at start (shared 2-core machine)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
