/**
 * Output directories: never overwrite without --force; write whole files atomically.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { OutputError } from '../errors.js';

/** Creates `dir` if needed; a non-empty directory is refused unless `force`. */
export function prepareOutputDir(dir: string, force: boolean): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    mkdirSync(dir, { recursive: true });
    return;
  }
  if (!isDir) throw new OutputError(`${dir}: expected a directory for the output, found a file`);
  if (!force && readdirSync(dir).length > 0) {
    throw new OutputError(`${dir}: output directory is not empty; use --force to overwrite its files`);
  }
}

/** Writes a whole file atomically (temp file + fsync + rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}
