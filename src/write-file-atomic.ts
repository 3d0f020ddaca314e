/**
 * The one way fedage writes a whole file (manifests, results, reports, the JSON Schema):
 * readers see the old file or the complete new one, never half of it. The bytes go to a temp
 * file in the same directory (same file system, so the final move is atomic), every byte is
 * accounted for (a short write is retried, a write that makes no progress is ENOSPC), the file
 * is fsynced, moved into place, and the directory is fsynced so the rename itself survives a
 * crash. Streaming writers (Arrow files, data/arrow-io.ts) use `writeAllSync` and
 * `fsyncDirSync` from here with the same temp + fsync + rename protocol.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutputError, asEnvironmentError, OVERWRITE_HINT } from './errors.js';

export interface WriteOptions {
  /** Replace an existing file (default true); false: an existing file is an OutputError. */
  overwrite?: boolean;
}

/** A temp path next to `path`; `.tmp-` marks it so leftovers are easy to find. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Writes all of `data` to `fd`. POSIX write(2) may write fewer bytes than asked (a nearly full
 * disk, a file-size limit): the rest is retried, and a write that makes no progress is an
 * ENOSPC error, so a short file is never mistaken for a complete one. Errors name `path`.
 */
export function writeAllSync(fd: number, data: Uint8Array, path: string): void {
  let offset = 0;
  try {
    while (offset < data.byteLength) {
      const n = writeSync(fd, data, offset, data.byteLength - offset);
      if (n <= 0) {
        throw Object.assign(new Error(`short write: ${offset} of ${data.byteLength} bytes`), { code: 'ENOSPC' });
      }
      offset += n;
    }
  } catch (error) {
    throw asEnvironmentError(error, path, 'write');
  }
}

/** fsync a file descriptor; errors name `path`. */
export function fsyncFdSync(fd: number, path: string): void {
  try {
    fsyncSync(fd);
  } catch (error) {
    throw asEnvironmentError(error, path, 'flush');
  }
}

/**
 * fsync a directory so renames and creations in it are durable. File systems or platforms that
 * cannot open or sync a directory (EISDIR, EINVAL, EPERM on some) are skipped: there the rename
 * is as durable as the platform makes it.
 */
export function fsyncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'ENOTSUP') throw asEnvironmentError(error, dir, 'flush directory');
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` (UTF-8 for a string) to `path` atomically; an EnvironmentError or OutputError on any failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array, { overwrite = true }: WriteOptions = {}): void {
  const temp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(temp, 'wx');
  } catch (error) {
    throw wrap(error, path);
  }
  try {
    writeAllSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, path);
    fsyncFdSync(fd, path);
    closeSync(fd);
    fd = -1;
    moveIntoPlace(temp, path, overwrite);
    fsyncDirSync(dirname(path));
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    throw wrap(error, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

function wrap(error: unknown, path: string): Error {
  const env = asEnvironmentError(error, path, 'write');
  if (env !== error || error instanceof OutputError) return env as Error;
  if ((error as NodeJS.ErrnoException).code === undefined) return error as Error;
  return new OutputError(`cannot write ${path}: ${(error as Error).message}`);
}

function moveIntoPlace(temp: string, path: string, overwrite: boolean): void {
  if (overwrite) return renameSync(temp, path);
  const refuse = () => new OutputError(`${path} already exists; ${OVERWRITE_HINT}`);
  try {
    // link() fails if the target exists, so "never overwrite" has no check-then-write race.
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuse();
    // File systems without hard links (FAT, some network mounts): check, then rename.
    if (exists(path)) throw refuse();
    renameSync(temp, path);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
