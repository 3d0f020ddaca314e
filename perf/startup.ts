/**
 * npm run perf:startup — fixed costs of a command (issue 19, target 4): wall time of fresh
 * processes, run in alternation so that every variant sees the same machine load, median of
 * `--runs` (default 7): bare `node -e 0`, `fedage --version` (answered before any command module
 * loads), the same version printed through the program and its command registrations
 * (`fedage -V --debug`), and two small commands (`fedage scenarios`, `fedage privacy epsilon`).
 * Usage: node dist/perf/startup.js [--runs K] [--json]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 7;
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = 'bin/fedage.js';

const variants: { label: string; args: string[] }[] = [
  { label: 'node -e 0 (bare node)', args: ['-e', '0'] },
  { label: 'fedage --version', args: [bin, '--version'] },
  { label: 'fedage -V --debug (via the program)', args: [bin, '-V', '--debug'] },
  { label: 'fedage scenarios', args: [bin, 'scenarios'] },
  { label: 'fedage privacy epsilon', args: [bin, 'privacy', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '0.01', '--steps', '1000', '--delta', '1e-5'] },
];

function once(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return seconds;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const load = loadavg()[0];
const times = new Map(variants.map((v) => [v.label, [] as number[]]));
for (const v of variants) once(v.args); // warm the file cache
for (let k = 0; k < runs; k++) for (const v of variants) times.get(v.label)!.push(once(v.args));
const bare = median(times.get(variants[0].label)!);
const rows = variants.map((v) => ({ label: v.label, seconds: median(times.get(v.label)!), overBare: median(times.get(v.label)!) / bare }));
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ runs, loadAverage: load, rows, targets: { version: 0.2, command: 0.3 } }, null, 2)}\n`);
} else {
  const lines = rows.map((r) => `${r.label.padEnd(36)} ${r.seconds.toFixed(3).padStart(7)} s  ${r.overBare.toFixed(1).padStart(5)}x bare node`);
  lines.push(`median of ${runs} alternated runs; load average ${load.toFixed(2)} at start (2 cores, shared machine: compare the ratios)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
