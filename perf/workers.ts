/**
 * npm run perf:workers — what the worker pool buys (issue 19, target 2): fresh processes of
 * `fedage bench <scenario>` (bench and dashboard) with --workers 1 and --workers 2, alternated, wall time and peak RSS
 * (the process's maxRSS, worker threads included, reported by the child itself). Two ways:
 * the library in process (bench and dashboard timed apart; dist/src's modules, as the library's
 * users load them) and the CLI itself (bin/fedage.js: the CLI bundle, whose worker threads start
 * from bundle entries; its peak RSS from a preload that reports it at exit).
 * Usage: node dist/perf/workers.js [--scenario FILE] [--seeds N] [--runs K] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const root = fileURLToPath(new URL('../../', import.meta.url));
const scenario = arg('scenario', 'scenarios/alzheimers-3site.yaml');
const seeds = Number(arg('seeds', '5'));
const runs = Number(arg('runs', '2'));

/**
 * The child runs what `fedage bench --workers N` runs, in process: the bench (arm × seed tasks on
 * N workers) and the dashboard (its site valuation on N workers when it is large), and prints
 * both times and its peak RSS.
 */
const child = (workers: number) => `
import { runBench } from ${JSON.stringify(new URL('../src/bench/runner.js', import.meta.url).href)};
import { analyzeRunParallel } from ${JSON.stringify(new URL('../src/analysis/dashboard.js', import.meta.url).href)};
const t0 = performance.now();
const run = await runBench(${JSON.stringify(scenario)}, { overrides: { seeds: Array.from({ length: ${seeds} }, (_, i) => i) }, workers: ${workers} });
const t1 = performance.now();
await analyzeRunParallel(run, { workers: ${workers} });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ seconds: (t2 - t0) / 1000, benchSeconds: (t1 - t0) / 1000, dashboardSeconds: (t2 - t1) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
`;

// A file, not `--input-type=module -e`: worker threads inherit the parent's execArgv, and
// --input-type is refused for a worker's file entry.
const dir = mkdtempSync(join(tmpdir(), 'fedage-perf-workers-'));
type Timing = { seconds: number; benchSeconds: number; dashboardSeconds: number; maxRssMb: number };
function once(workers: number): Timing {
  const file = join(dir, `bench-${workers}.mjs`);
  writeFileSync(file, child(workers));
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench with ${workers} workers failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Timing;
}

/** `fedage bench` through bin/fedage.js: wall seconds, and peak RSS from the preload's report. */
function cli(workers: number): { seconds: number; maxRssMb: number } {
  const preload = join(dir, 'report-rss.mjs');
  writeFileSync(preload, `process.on('exit', () => process.stderr.write('\\nmaxRssKb=' + process.resourceUsage().maxRSS + '\\n'));\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', preload, 'bin/fedage.js', 'bench', scenario, '--seeds', String(seeds), '--workers', String(workers), '--out', join(dir, `cli-${workers}`), '--force', '-q'], {
    cwd: root,
    encoding: 'utf8',
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`fedage bench with ${workers} workers failed: ${r.stderr}`);
  // Worker threads inherit --import and report too (the process's figure so far): the largest is the peak.
  const reports = [...r.stderr.matchAll(/maxRssKb=(\d+)/g)].map((m) => Number(m[1]));
  return { seconds, maxRssMb: reports.length ? Math.max(...reports) / 1024 : Number.NaN };
}

const load = loadavg()[0];
const results: Record<string, Timing[]> = { '1': [], '2': [] };
const cliResults: Record<string, Array<{ seconds: number; maxRssMb: number }>> = { '1': [], '2': [] };
for (let k = 0; k < runs; k++) {
  results['1'].push(once(1));
  results['2'].push(once(2));
  cliResults['1'].push(cli(1));
  cliResults['2'].push(cli(2));
}
rmSync(dir, { recursive: true, force: true });
const cliBest = (w: string) => cliResults[w].reduce((a, b) => (b.seconds < a.seconds ? b : a));
const cliOne = cliBest('1');
const cliTwo = cliBest('2');
const best = (w: string) => results[w].reduce((a, b) => (b.seconds < a.seconds ? b : a));
const one = best('1');
const two = best('2');
const out = {
  scenario,
  seeds,
  runs,
  loadAverage: load,
  workers1: one,
  workers2: two,
  speedup: one.seconds / two.seconds,
  rssRatio: two.maxRssMb / one.maxRssMb,
  cli: { workers1: cliOne, workers2: cliTwo, speedup: cliOne.seconds / cliTwo.seconds, rssRatio: cliTwo.maxRssMb / cliOne.maxRssMb },
  targets: { speedup: 1.7, rssRatio: 1.3, note: 'on a quiet machine' },
};
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  process.stdout.write(
    [
      `${scenario}, ${seeds} seeds, all arms, then the dashboard, as fedage bench runs them (in process, generation included), best of ${runs}:`,
      `  --workers 1: ${one.seconds.toFixed(2)} s (bench ${one.benchSeconds.toFixed(2)} s + dashboard ${one.dashboardSeconds.toFixed(2)} s), peak RSS ${one.maxRssMb.toFixed(0)} MB`,
      `  --workers 2: ${two.seconds.toFixed(2)} s (bench ${two.benchSeconds.toFixed(2)} s + dashboard ${two.dashboardSeconds.toFixed(2)} s), peak RSS ${two.maxRssMb.toFixed(0)} MB`,
      `  speed-up ${out.speedup.toFixed(2)}x (target >= 1.7 on a quiet machine), RSS ratio ${out.rssRatio.toFixed(2)} (target <= 1.3)`,
      `the same through the CLI (bin/fedage.js bench, bundled), best of ${runs}:`,
      `  --workers 1: ${cliOne.seconds.toFixed(2)} s, peak RSS ${cliOne.maxRssMb.toFixed(0)} MB; --workers 2: ${cliTwo.seconds.toFixed(2)} s, peak RSS ${cliTwo.maxRssMb.toFixed(0)} MB`,
      `  speed-up ${out.cli.speedup.toFixed(2)}x (target >= 1.7), RSS ratio ${out.cli.rssRatio.toFixed(2)} (target <= 1.3)`,
      `load average ${load.toFixed(2)} at start (2 cores, shared machine)`,
    ].join('\n') + '\n',
  );
}
