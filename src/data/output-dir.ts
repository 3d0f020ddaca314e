/**
 * Output directories: never overwrite without --force (files are written by
 * ../write-file-atomic.ts).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { OutputError, OVERWRITE_HINT } from '../errors.js';
import type { OutputTransactionOptions } from '../output-transaction.js';
import { MANIFEST_FILE } from './manifest.js';

/**
 * A data directory (`generate`, `import`) as an output transaction: it must be empty unless
 * --force, and --force replaces it whole, which is allowed only when it holds nothing but a
 * manifest and Arrow files (so stale site files of another scenario never survive).
 */
export const DATA_DIR_TRANSACTION: Omit<OutputTransactionOptions, 'force'> = {
  ownsEntry: (name) => name === MANIFEST_FILE || name.endsWith('.arrow'),
  requireEmpty: true,
  lastFile: MANIFEST_FILE,
  what: 'data directory',
};

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
    throw new OutputError(`${dir}: output directory is not empty; ${OVERWRITE_HINT}`);
  }
}
