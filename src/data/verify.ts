/**
 * `verifyDataset`: recomputes the SHA-256 of every file a manifest lists and compares it with
 * the manifest. Used by `fedage inspect --verify` and, before training, by `fedage bench`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { DataType, RecordBatchReader, type Field } from 'apache-arrow';
import { InputError, type InputProblem } from '../errors.js';
import { assertDataDirectory, manifestFilePath } from './inspect.js';
import { FILE_FORMATS, MANIFEST_FILE, readManifest, type ColumnSummary, type FileEntry } from './manifest.js';
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
 * An Arrow type in the manifest's words (summarizeColumns): float32, int8, utf8, date,
 * dictionary<utf8>; other types as Arrow prints them, with the index type for dictionaries so
 * two different types never read alike.
 */
export function arrowTypeName(type: DataType): string {
  if (DataType.isDictionary(type)) return DataType.isUtf8(type.dictionary) ? 'dictionary<utf8>' : `dictionary<${String(type.dictionary)}>`;
  if (DataType.isFloat(type)) return `float${[16, 32, 64][type.precision]}`;
  if (DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (DataType.isUtf8(type)) return 'utf8';
  if (DataType.isDate(type)) return type.unit === 0 ? 'date' : 'date64';
  return String(type);
}

/** The columns of an Arrow IPC file, read from its footer (no record batch is read). */
export async function readArrowFields(path: string): Promise<Field[]> {
  const handle = await open(path, 'r');
  try {
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    return reader.schema.fields;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The file's columns against the manifest's `schema.<table>`: every listed column present with
 * the listed type, and no column the manifest does not list. Each problem names the column, the
 * expected type (and where the manifest says so) and the type found.
 */
export async function schemaProblems(path: string, columns: readonly ColumnSummary[], at: string): Promise<InputProblem[]> {
  let fields: Field[];
  try {
    fields = await readArrowFields(path);
  } catch (error) {
    return [{ file: path, path: '', expected: 'an Arrow IPC file', found: `an unreadable file (${(error as Error).message.split('\n')[0].slice(0, 120)})` }];
  }
  const byName = new Map(fields.map((f) => [f.name, f]));
  const problems: InputProblem[] = [];
  columns.forEach((c, k) => {
    const f = byName.get(c.name);
    const where = `${at}[${k}].type in ${MANIFEST_FILE}`;
    if (!f) problems.push({ file: path, path: `column ${c.name}`, expected: `a column of type ${c.type} (${where})`, found: 'no such column' });
    else if (arrowTypeName(f.type) !== c.type) problems.push({ file: path, path: `column ${c.name}`, expected: `type ${c.type} (${where})`, found: `type ${arrowTypeName(f.type)}` });
  });
  const listed = new Set(columns.map((c) => c.name));
  for (const f of fields) if (!listed.has(f.name)) problems.push({ file: path, path: `column ${f.name}`, expected: `only the columns ${at} in ${MANIFEST_FILE} lists`, found: `an extra ${arrowTypeName(f.type)} column` });
  return problems;
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
      // A matching checksum only proves the file is the one the manifest describes; a crafted
      // pair (file and checksum replaced together) must still hold the columns it declares.
      // Exports (Parquet, CSV) carry no Arrow footer to read the schema from; their checksum is the check.
      const columns = (manifest.fileFormat ?? 'arrow') === 'arrow' ? manifest.schema?.[table] : undefined;
      if (columns) {
        const schemaIssues = await schemaProblems(path, columns, `schema.${table}`);
        if (schemaIssues.length > 0) {
          problems.push(...schemaIssues);
          continue;
        }
      }
      files.push({ site: site.id, table, file: entry.file, bytes: got.bytes, sha256: got.sha256 });
    }
  }
  if (problems.length > 0) {
    throw new InputError(problems, `${dir}: ${problems.length} file${problems.length === 1 ? '' : 's'} do${problems.length === 1 ? 'es' : ''} not match ${MANIFEST_FILE}`);
  }
  return { dir, files, totalBytes: files.reduce((a, f) => a + f.bytes, 0) };
}
