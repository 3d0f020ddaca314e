/**
 * Output directories: never overwrite without --force (files are written by
 * ../write-file-atomic.ts).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
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
