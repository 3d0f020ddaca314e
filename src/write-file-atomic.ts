/**
 * The one way fedage writes a whole file (manifests, results, reports, the JSON Schema):
 * readers see the old file or the complete new one, never half of it. The bytes go to a temp
 * file in the same directory (same file system, so the final move is atomic), are fsynced,
 * then moved into place. Streaming writers (Arrow files, data/arrow-io.ts) follow the same
 * temp + fsync + rename protocol batch by batch.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { OutputError } from './errors.js';

export interface WriteOptions {
  /** Replace an existing file (default true); false: an existing file is an OutputError. */
  overwrite?: boolean;
}

/** A temp path next to `path`; `.tmp-` marks it so leftovers are easy to find. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Writes `data` (UTF-8 for a string) to `path` atomically; OutputError on any failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array, { overwrite = true }: WriteOptions = {}): void {
  const temp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(temp, 'wx');
  } catch (error) {
    throw new OutputError(`cannot write ${path}: ${describeFsError(error)}`);
  }
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    moveIntoPlace(temp, path, overwrite);
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    if (error instanceof OutputError) throw error;
    throw new OutputError(`cannot write ${path}: ${describeFsError(error)}`);
  } finally {
    rmSync(temp, { force: true });
  }
}

function moveIntoPlace(temp: string, path: string, overwrite: boolean): void {
  if (overwrite) return renameSync(temp, path);
  const refuse = () => new OutputError(`${path} already exists; pass --force to overwrite it`);
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

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the directory does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}
