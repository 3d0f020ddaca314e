/**
 * npm run perf:workers — what the worker pool buys (issue 19, target 2): fresh processes of
 * `fedage bench <scenario>` (bench and dashboard) with --workers 1 and --workers 2, alternated, wall time and peak RSS
 * (the process's maxRSS, worker threads included, reported by the child itself). Two ways:
 * the library in process (bench and dashboard timed apart; dist/src's modules, as the library's
 * users load them) and the CLI itself (bin/fedage.js: the CLI bundle, whose worker threads start
 * from bundle entries; its peak RSS from a preload that reports it at exit).
 * Also the ceiling any 2-thread pool has here: two independent `--workers 1` processes started
 * together (no sharing, no coordination) — their throughput over one process's is the most a
 * pool could reach on this machine — and the cores one `--workers 1` process already keeps busy
 * (CPU seconds over wall seconds: V8 compiles and collects garbage on background threads).
 * Usage: node dist/perf/workers.js [--scenario FILE] [--seeds N] [--runs K] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
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
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ seconds: (t2 - t0) / 1000, benchSeconds: (t1 - t0) / 1000, dashboardSeconds: (t2 - t1) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
`;

// A file, not `--input-type=module -e`: worker threads inherit the parent's execArgv, and
// --input-type is refused for a worker's file entry.
const dir = mkdtempSync(join(tmpdir(), 'fedage-perf-workers-'));
type Timing = { seconds: number; benchSeconds: number; dashboardSeconds: number; maxRssMb: number; cpuSeconds: number };
function once(workers: number): Timing {
  const file = join(dir, `bench-${workers}.mjs`);
  writeFileSync(file, child(workers));
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench with ${workers} workers failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Timing;
}

/** Two `--workers 1` children started together: the wall seconds until both are done. */
async function pair(): Promise<number> {
  const file = join(dir, 'bench-1.mjs');
  writeFileSync(file, child(1));
  const t0 = performance.now();
  await Promise.all(
    [0, 1].map(
      () =>
        new Promise<void>((resolve, reject) => {
          const c = spawn(process.execPath, [file], { cwd: root, stdio: 'ignore' });
          c.on('error', reject);
          c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a paired bench exited ${code}`))));
        }),
    ),
  );
  return (performance.now() - t0) / 1000;
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
const pairs: number[] = [];
for (let k = 0; k < runs; k++) {
  results['1'].push(once(1));
  results['2'].push(once(2));
  pairs.push(await pair());
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
const pairSeconds = Math.min(...pairs);
const coresBusy = one.cpuSeconds / one.seconds;
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
  ceiling: { pairSeconds, twoProcessesThroughput: (2 * one.seconds) / pairSeconds, coresBusyAtOneWorker: coresBusy, cpuBound: 2 / coresBusy },
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
      `ceiling on this machine: two independent --workers 1 runs side by side took ${pairSeconds.toFixed(2)} s, ${out.ceiling.twoProcessesThroughput.toFixed(2)}x the throughput of one;`,
      `  one --workers 1 run already keeps ${coresBusy.toFixed(2)} cores busy (${one.cpuSeconds.toFixed(2)} CPU s in ${one.seconds.toFixed(2)} s: V8's background compilation and GC), so 2 cores give it at most ${out.ceiling.cpuBound.toFixed(2)}x`,
      `load average ${load.toFixed(2)} at start (2 cores, shared machine)`,
    ].join('\n') + '\n',
  );
}
