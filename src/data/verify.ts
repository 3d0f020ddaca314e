/**
 * `verifyDataset`: recomputes the SHA-256 of every file a manifest lists and compares it with
 * the manifest. Used by `fedage inspect --verify` and, before training, by `fedage bench`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InputError, type InputProblem } from '../errors.js';
import { assertDataDirectory, manifestFilePath } from './inspect.js';
import { FILE_FORMATS, MANIFEST_FILE, readManifest, type FileEntry } from './manifest.js';
import { join } from 'node:path';

export interface VerifiedFile {
  site: string;
  table: 'patients' | 'visits';
  file: string;
  bytes: number;
  sha256: string;
}

export interface VerifyResult {
  dir: string;
  files: VerifiedFile[];
  totalBytes: number;
}

/** SHA-256 (hex) and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Checks every file listed in `dir`'s manifest against its recorded SHA-256. Every problem is
 * collected before throwing one InputError that names each file with the expected and found
 * hash (or "no such file").
 */
export async function verifyDataset(dir: string): Promise<VerifyResult> {
  await assertDataDirectory(dir);
  // Checksums are format-agnostic: exports (Parquet, CSV) verify like Arrow directories.
  const manifest = await readManifest(dir, { fileFormats: FILE_FORMATS });
  const manifestFile = join(dir, MANIFEST_FILE);
  const problems: InputProblem[] = [];
  const files: VerifiedFile[] = [];
  for (const [i, site] of manifest.sites.entries()) {
    const entries: ['patients' | 'visits', FileEntry | undefined][] = [
      ['patients', site.files?.patients],
      ['visits', site.files?.visits],
    ];
    for (const [table, entry] of entries) {
      if (!entry) {
        if (table === 'patients') {
          problems.push({ file: manifestFile, path: `sites[${i}].files.patients`, expected: 'a patients file entry', found: 'none' });
        }
        continue;
      }
      const at = `sites[${i}].files.${table}`;
      const path = manifestFilePath(dir, entry.file, `${at}.file`);
      const expected = `sha256 ${entry.sha256} (${at}.sha256 in ${MANIFEST_FILE})`;
      try {
        if (!(await stat(path)).isFile()) {
          problems.push({ file: path, path: '', expected, found: 'not a regular file' });
          continue;
        }
      } catch {
        problems.push({ file: path, path: '', expected, found: 'no such file' });
        continue;
      }
      const got = await hashFile(path);
      if (got.sha256 !== entry.sha256) {
        problems.push({ file: path, path: '', expected, found: `sha256 ${got.sha256} (${got.bytes} bytes; manifest says ${entry.bytes})` });
        continue;
      }
      files.push({ site: site.id, table, file: entry.file, bytes: got.bytes, sha256: got.sha256 });
    }
  }
  if (problems.length > 0) {
    throw new InputError(problems, `${dir}: ${problems.length} file${problems.length === 1 ? '' : 's'} do${problems.length === 1 ? 'es' : ''} not match ${MANIFEST_FILE}`);
  }
  return { dir, files, totalBytes: files.reduce((a, f) => a + f.bytes, 0) };
}
