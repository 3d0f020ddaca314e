/**
 * npm run perf:generate-parallel — the fixed costs and the parallelism of `fedage generate`
 * (issue 19, target 4), as fresh CLI processes, alternated so every variant sees the same load:
 *  - the default scenario (alzheimers-3site, 13,600 patients with visits) end to end, with the
 *    site-model calibration cache cold (a fresh FEDAGE_CACHE_DIR) and warm (target <= 1 s wall);
 *  - consortium-10site at --scale S (default 20: 780,000 patients) with --workers 1 and
 *    --workers 2 (target >= 1.7x on 2 cores), the two outputs checked byte-identical;
 *  - the ceiling of any 2-thread split here: two independent --workers 1 processes started
 *    together (each its own output), and the cores one --workers 1 process already keeps busy
 *    (its children's CPU seconds over its wall seconds).
 * Reported: medians of --runs (default 2) and the ratio within the run; the machine's load
 * average at the start (a shared machine stretches the seconds, less the ratios).
 * Usage: node dist/perf/generate-parallel.js [--scale S] [--runs K] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const scale = arg('scale', '20');
const runs = Number(arg('runs', '2'));
const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'fedage-perf-generate-'));

function generate(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/fedage.js', 'generate', ...args, '--force', '-q'], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`generate ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

/** Two generate processes started together (each with its own output): wall seconds until both are done. */
async function generatePair(args: (out: string) => string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    ['pair-a', 'pair-b'].map(
      (name) =>
        new Promise<void>((resolve, reject) => {
          const c = spawn(process.execPath, ['bin/fedage.js', 'generate', ...args(join(work, name)), '--force', '-q'], { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } });
          c.on('error', reject);
          c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a paired generate exited ${code}`))));
        }),
    ),
  );
  return (performance.now() - t0) / 1000;
}

/** f's result and the CPU seconds (all threads) of the child processes it waited for. */
function cpuOfChildren<T>(f: () => T): { value: T; cpuSeconds: number } {
  const c0 = childCpu();
  const value = f();
  return { value, cpuSeconds: childCpu() - c0 };
}
function childCpu(): number {
  // process.resourceUsage() covers this process only; /proc/self/stat's cutime and cstime (clock ticks, 100 per second on Linux) add the waited-for children.
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return ticks / 100;
  } catch {
    return Number.NaN;
  }
}
const digest = (dir: string) => readdirSync(dir).sort().map((f) => `${f} ${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')}`).join('\n');
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];

const load = loadavg()[0];
const warmCache = join(work, 'cache-warm');
generate(['scenarios/alzheimers-3site.yaml', '--out', join(work, 'warm-up')], { FEDAGE_CACHE_DIR: warmCache });
const cold: number[] = [];
const warm: number[] = [];
const serial: number[] = [];
const parallel: number[] = [];
const paired: number[] = [];
const serialCores: number[] = [];
for (let k = 0; k < runs; k++) {
  cold.push(generate(['scenarios/alzheimers-3site.yaml', '--out', join(work, 'cold')], { FEDAGE_CACHE_DIR: join(work, `cache-cold-${k}`) }));
  warm.push(generate(['scenarios/alzheimers-3site.yaml', '--out', join(work, 'warm')], { FEDAGE_CACHE_DIR: warmCache }));
  const measured = cpuOfChildren(() => generate(['scenarios/consortium-10site.yaml', '--scale', scale, '--workers', '1', '--out', join(work, 'w1')], { FEDAGE_CACHE_DIR: warmCache }));
  serial.push(measured.value);
  serialCores.push(measured.cpuSeconds / measured.value);
  paired.push(await generatePair((out) => ['scenarios/consortium-10site.yaml', '--scale', scale, '--workers', '1', '--out', out], { FEDAGE_CACHE_DIR: warmCache }));
  parallel.push(generate(['scenarios/consortium-10site.yaml', '--scale', scale, '--workers', '2', '--out', join(work, 'w2')], { FEDAGE_CACHE_DIR: warmCache }));
}
const identical = digest(join(work, 'w1')) === digest(join(work, 'w2')) && digest(join(work, 'cold')) === digest(join(work, 'warm'));
rmSync(work, { recursive: true, force: true });

const out = {
  loadAverage: load,
  runs,
  defaultScenario: { coldCacheSeconds: median(cold), warmCacheSeconds: median(warm), target: 1 },
  parallel: { scenario: 'consortium-10site', scale: Number(scale), workers1Seconds: median(serial), workers2Seconds: median(parallel), speedup: median(serial) / median(parallel), target: 1.7 },
  ceiling: { pairSeconds: median(paired), twoProcessesThroughput: (2 * median(serial)) / median(paired), coresBusyAtOneWorker: median(serialCores), cpuBound: 2 / median(serialCores) },
  identical,
};
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  process.stdout.write(
    [
      `fedage generate alzheimers-3site (13,600 patients + visits), end to end: calibration cache cold ${median(cold).toFixed(2)} s, warm ${median(warm).toFixed(2)} s (target <= 1 s)`,
      `fedage generate consortium-10site --scale ${scale}: --workers 1 ${median(serial).toFixed(2)} s, --workers 2 ${median(parallel).toFixed(2)} s: ${out.parallel.speedup.toFixed(2)}x (target >= 1.7x on 2 cores)`,
      `ceiling on this machine: two independent --workers 1 runs side by side took ${median(paired).toFixed(2)} s, ${out.ceiling.twoProcessesThroughput.toFixed(2)}x the throughput of one;`,
      `  one --workers 1 run keeps ${median(serialCores).toFixed(2)} cores busy (GC and compiler threads, the kernel writing the files), so 2 cores give it at most ${out.ceiling.cpuBound.toFixed(2)}x`,
      `outputs byte-identical (1 vs 2 workers, cold vs warm cache): ${identical ? 'yes' : 'NO'}`,
      `median of ${runs} alternated runs; load average ${load.toFixed(2)} at start (2 cores, shared machine)`,
    ].join('\n') + '\n',
  );
}
