/**
 * All-or-nothing output directories, for `generate`, `import` and `bench --out`.
 *
 * - A lock file next to the directory (`.<name>.fedage-lock`, created with O_EXCL, holding PID
 *   and host name) refuses a second writer; a lock whose PID is dead on this host is stale and
 *   taken over.
 * - The new output is built in a sibling staging directory (`.<name>.fedage-tmp-<pid>-<hex>`,
 *   same file system) and swapped in only when complete: the old directory is renamed to a
 *   backup (`.<name>.fedage-old-<pid>-<hex>`), the staging directory to the target, then the
 *   backup is removed. Until the swap the old data is untouched; a crash between the two
 *   renames leaves the backup, which the next run (holding the lock) renames back.
 * - Holding the lock, a run removes the staging and backup directories of runs that died
 *   (SIGKILL, power loss); SIGINT/SIGTERM remove them at once (cleanup.ts).
 * - Writability is probed (a file created and removed) before any work, so a read-only or
 *   unwritable output fails in the first second, not after training.
 * - `--force` replaces the whole directory only if every entry in it is one this command
 *   writes (`ownsEntry`), so `--out . --force` cannot delete unrelated files. Commands that may
 *   share a directory with other files (`bench --out`) merge instead: the completion marker
 *   (`lastFile`, results.json) is removed first and moved in last, so a directory holding it
 *   always holds a complete set.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError, asEnvironmentError, OVERWRITE_HINT } from './errors.js';
import { onInterrupt } from './cleanup.js';
import { fsyncDirSync, fsyncFdSync, writeAllSync } from './write-file-atomic.js';

export interface OutputTransactionOptions {
  /** Replace existing outputs. */
  force: boolean;
  /** True for directory entries this command writes (may be replaced under --force). */
  ownsEntry(name: string): boolean;
  /** Without force: refuse any non-empty directory (true) or only one holding own entries (false). */
  requireEmpty: boolean;
  /** Written last and moved in last when merging: its presence marks a complete output. */
  lastFile: string;
  /** For messages, e.g. "output directory". */
  what: string;
}

const hex = (): string => randomBytes(4).toString('hex');

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is a live process on this host (EPERM: alive, owned by another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function env<T>(path: string, action: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw asEnvironmentError(error, path, action);
  }
}

export const lockPathFor = (dir: string): string => join(dirname(resolve(dir)), `.${basename(resolve(dir))}.fedage-lock`);

interface LockInfo {
  pid: number;
  host: string;
}

function readLock(path: string): LockInfo | null {
  try {
    const [pid, host] = readFileSync(path, 'utf8').split('\n');
    return { pid: Number(pid), host: host ?? '' };
  } catch {
    return null;
  }
}

/** Creates the lock file with O_EXCL; false when it exists. */
function tryCreateLock(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw asEnvironmentError(error, path, 'create lock file');
  }
  try {
    writeAllSync(fd, Buffer.from(`${process.pid}\n${hostname()}\n`), path);
    fsyncFdSync(fd, path);
  } finally {
    closeSync(fd);
  }
  return true;
}

function acquireLock(dir: string, lockPath: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreateLock(lockPath)) return;
    const held = readLock(lockPath);
    if (held === null) continue; // removed between our create and read: try again
    if (held.host !== hostname() || processAlive(held.pid)) {
      throw new OutputError(
        `${dir} is being written by another fedage run (pid ${held.pid} on ${held.host || 'an unknown host'}; lock file ${lockPath}); wait for it to finish, or remove the lock file if that run is gone`,
      );
    }
    // Stale: its writer died. Rename first (atomic: of two runs taking over, one wins), then
    // check that what we moved is still the dead run's lock before deleting it.
    const aside = `${lockPath}.stale-${process.pid}-${hex()}`;
    try {
      renameSync(lockPath, aside);
    } catch {
      continue;
    }
    const moved = readLock(aside);
    if (moved && moved.pid === held.pid && moved.host === held.host) rmSync(aside, { force: true });
    else {
      // A live run re-created the lock in between: put it back and refuse.
      try {
        renameSync(aside, lockPath);
      } catch {
        /* it will be re-created by its owner's next run */
      }
      throw new OutputError(`${dir} is being written by another fedage run (lock file ${lockPath})`);
    }
  }
  throw new OutputError(`${dir}: could not take the lock ${lockPath}; another run keeps re-creating it`);
}

function releaseLock(lockPath: string): void {
  const held = readLock(lockPath);
  if (held && held.pid === process.pid && held.host === hostname()) rmSync(lockPath, { force: true });
}

/** Removes staging directories of dead runs; puts back a backup left by a run killed mid-swap. */
function recoverStale(target: string): void {
  const parent = dirname(target);
  const name = basename(target);
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(parent, entry);
    if (entry.startsWith(`.${name}.fedage-tmp-`)) rmSync(path, { recursive: true, force: true });
    else if (entry.startsWith(`.${name}.fedage-old-`)) {
      // We hold the lock, so the run that renamed the old data aside is gone. If it did not get
      // to move the new data in, the backup is the last good output: restore it.
      if (!exists(target)) env(target, 'restore', () => renameSync(path, target));
      else rmSync(path, { recursive: true, force: true });
    }
  }
}

/** A file is created and removed in `dir`: read-only, full or unwritable outputs fail now. */
function probeWritable(dir: string): void {
  const probe = join(dir, `.fedage-probe-${process.pid}-${hex()}`);
  env(dir, 'write to', () => closeSync(openSync(probe, 'wx')));
  rmSync(probe, { force: true });
}

export class OutputTransaction {
  /** Write the new output's files here; `commit` moves them to the target. */
  readonly dir: string;
  private readonly target: string;
  private readonly lockPath: string;
  private readonly unregister: () => void;
  private finished = false;

  private constructor(
    readonly outDir: string,
    private readonly opts: OutputTransactionOptions,
  ) {
    this.target = resolve(outDir);
    const parent = dirname(this.target);
    env(parent, 'create', () => mkdirSync(parent, { recursive: true }));
    this.lockPath = lockPathFor(outDir);
    acquireLock(outDir, this.lockPath);
    this.dir = join(parent, `.${basename(this.target)}.fedage-tmp-${process.pid}-${hex()}`);
    this.unregister = onInterrupt(() => this.abort());
    try {
      recoverStale(this.target);
      this.checkTarget();
      env(this.dir, 'create', () => mkdirSync(this.dir));
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Takes the lock, cleans up after dead runs, checks the target and creates the staging directory. */
  static begin(outDir: string, opts: OutputTransactionOptions): OutputTransaction {
    return new OutputTransaction(outDir, opts);
  }

  private entries(): { own: string[]; foreign: string[] } | null {
    if (!exists(this.target)) return null;
    if (!lstatSync(this.target).isDirectory()) throw new OutputError(`${this.outDir}: expected a directory for the ${this.opts.what}, found a file`);
    const names = env(this.target, 'read', () => readdirSync(this.target));
    return { own: names.filter((n) => this.opts.ownsEntry(n)), foreign: names.filter((n) => !this.opts.ownsEntry(n)) };
  }

  private checkTarget(): void {
    const e = this.entries();
    if (e === null) return;
    probeWritable(this.target);
    const { force, requireEmpty } = this.opts;
    if (!force) {
      if (requireEmpty && e.own.length + e.foreign.length > 0) throw new OutputError(`${this.outDir}: output directory is not empty; ${OVERWRITE_HINT}`);
      if (e.own.length > 0) throw new OutputError(`${this.outDir}: ${e.own.join(', ')} already exist${e.own.length === 1 ? 's' : ''}; ${OVERWRITE_HINT}`);
    } else if (requireEmpty && e.foreign.length > 0) {
      const shown = e.foreign.slice(0, 5).join(', ') + (e.foreign.length > 5 ? `, … (${e.foreign.length} in all)` : '');
      throw new OutputError(`${this.outDir}: --force replaces the whole directory, but it holds files fedage did not write (${shown}); remove them or choose another directory`);
    }
  }

  /** Moves the complete new output into place (see the module comment) and releases the lock. */
  commit(): void {
    if (this.finished) throw new Error('internal: output transaction already finished');
    fsyncDirSync(this.dir);
    const parent = dirname(this.target);
    const e = this.entries();
    if (e === null || (e.own.length === 0 && e.foreign.length === 0)) {
      // rename(2) replaces an empty directory atomically.
      env(this.target, 'create', () => renameSync(this.dir, this.target));
    } else if (e.foreign.length === 0) {
      const backup = join(parent, `.${basename(this.target)}.fedage-old-${process.pid}-${hex()}`);
      env(this.target, 'replace', () => renameSync(this.target, backup));
      try {
        renameSync(this.dir, this.target);
      } catch (error) {
        renameSync(backup, this.target);
        throw asEnvironmentError(error, this.target, 'replace');
      }
      fsyncDirSync(parent);
      rmSync(backup, { recursive: true, force: true });
    } else {
      this.merge(e.own);
    }
    fsyncDirSync(parent);
    this.finished = true;
    this.unregister();
    releaseLock(this.lockPath);
  }

  /** Into a directory shared with other files: marker out first, files in, marker in last. */
  private merge(existingOwn: string[]): void {
    const last = this.opts.lastFile;
    if (existingOwn.includes(last)) {
      env(this.target, 'write', () => rmSync(join(this.target, last), { force: true }));
      fsyncDirSync(this.target);
    }
    const names = readdirSync(this.dir);
    for (const name of [...names.filter((n) => n !== last), ...names.filter((n) => n === last)]) {
      env(join(this.target, name), 'write', () => renameSync(join(this.dir, name), join(this.target, name)));
    }
    fsyncDirSync(this.target);
    rmdirSync(this.dir);
  }

  /** Removes the staging directory and releases the lock; the old output is untouched. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.unregister?.();
    rmSync(this.dir, { recursive: true, force: true });
    releaseLock(this.lockPath);
  }
}

/** Runs `write(stagingDir)` in a transaction: commit on success, abort on any error. */
export async function withOutputTransaction<T>(outDir: string, opts: OutputTransactionOptions, write: (dir: string) => Promise<T> | T): Promise<T> {
  const tx = OutputTransaction.begin(outDir, opts);
  try {
    const value = await write(tx.dir);
    tx.commit();
    return value;
  } catch (error) {
    tx.abort();
    throw error;
  }
}
