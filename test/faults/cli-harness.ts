/** The built CLI as the fault tests drive it: plain, under a file-size limit, and killed mid-run. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A stack frame or the internal-error banner: neither may appear for a fault the user caused. */
export const NO_STACK = /\n\s+at .*\(|internal error/;

/** Runs the CLI to completion; `prefix` runs it under another command (e.g. `setpriv` to drop privileges). */
export function fedage(args: string[], prefix: string[] = []) {
  const [cmd, ...rest] = prefix.length > 0 ? [...prefix, process.execPath] : [process.execPath];
  const r = spawnSync(cmd, [...rest, 'bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI under a file-size limit of `kib` KiB (bash's ulimit -f counts 1024-byte blocks; Node ignores SIGXFSZ, so writes fail with EFBIG). */
export function fedageLimited(kib: number, args: string[]) {
  const quoted = ['exec', JSON.stringify(process.execPath), 'bin/fedage.js', ...args.map((a) => JSON.stringify(a))].join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -f ${kib}; ${quoted}`], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

/** Every file of `dir` with its bytes, to compare before and after a fault. */
export function snapshot(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

/** Hidden files named after `dir` beside it: fedage's staging, backup, scratch and lock files. */
export function leftovers(dir: string): string[] {
  return readdirSync(dirname(dir)).filter((f) => f.startsWith(`.${basename(dir)}.`));
}

/** Starts the CLI; resolves with its exit once killed with `signal` when `ready()` first holds plus `delayMs`. */
export function killDuring(args: string[], signal: NodeJS.Signals, ready: () => boolean, delayMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        setTimeout(() => child.kill(signal), delayMs);
      }
    }, 5);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    });
  });
}
