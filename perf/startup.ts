/**
 * npm run perf:startup — fixed costs of a command (issue 19, target 4): wall time of fresh
 * processes, run in alternation so that every variant sees the same machine load, median of
 * `--runs` (default 5): bare `node -e 0`, `fedage --version` (answered before any command module
 * loads), the same version printed through the program and its command registrations
 * (`fedage -V --debug`), `--help` of every command and sub-command (the list is read from the
 * program itself, so a new command is measured without editing this file), and two small
 * commands that do work (`fedage scenarios`, `fedage privacy epsilon`). Beside each: the time
 * over bare node (what fedage itself adds, which a loaded machine inflates less than the total)
 * and the target.
 * Usage: node dist/perf/startup.js [--runs K] [--json]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/program.js';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = 'bin/fedage.js';

/** Every leaf command's path (`bench`, `privacy epsilon`, `certs init`…), from the program. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => (c.commands.length > 0 ? commandPaths(c, [...prefix, c.name()]) : [[...prefix, c.name()]]));
}

const variants: { label: string; args: string[]; target: number | null }[] = [
  { label: 'node -e 0 (bare node)', args: ['-e', '0'], target: null },
  { label: 'fedage --version', args: [bin, '--version'], target: 0.2 },
  { label: 'fedage -V --debug (via the program)', args: [bin, '-V', '--debug'], target: 0.3 },
  ...commandPaths(buildProgram()).map((path) => ({ label: `fedage ${path.join(' ')} --help`, args: [bin, ...path, '--help'], target: 0.3 })),
  { label: 'fedage scenarios', args: [bin, 'scenarios'], target: 0.3 },
  { label: 'fedage privacy epsilon', args: [bin, 'privacy', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '0.01', '--steps', '1000', '--delta', '1e-5'], target: 0.3 },
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
const rows = variants.map((v) => {
  const seconds = median(times.get(v.label)!);
  return { label: v.label, seconds, overBare: seconds / bare, extraSeconds: seconds - bare, target: v.target, met: v.target === null ? null : seconds <= v.target };
});
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ runs, loadAverage: load, rows, targets: { version: 0.2, command: 0.3 } }, null, 2)}\n`);
} else {
  const width = Math.max(...rows.map((r) => r.label.length)) + 1;
  const lines = [`${'command'.padEnd(width)} ${'median'.padStart(8)}  ${'x bare'.padStart(6)}  ${'+ node'.padStart(8)}  target`];
  for (const r of rows) {
    const target = r.target === null ? '' : `<= ${r.target} s ${r.met ? 'met' : 'NOT met'}`;
    lines.push(`${r.label.padEnd(width)} ${r.seconds.toFixed(3).padStart(7)}s  ${r.overBare.toFixed(1).padStart(6)}  ${r.extraSeconds.toFixed(3).padStart(7)}s  ${target}`);
  }
  lines.push(`median of ${runs} alternated runs; load average ${load.toFixed(2)} at start (2 cores, shared machine: compare the ratios)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
