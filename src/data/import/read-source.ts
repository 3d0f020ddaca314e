/**
 * Reads one site file into column-major cells: CSV/TSV text through csv-parse (quoting, BOM,
 * comments, ragged rows reported with their line), or an Arrow IPC file through apache-arrow.
 * Cells stay as written (strings from text; numbers, strings or null from Arrow): typing and
 * missing markers are the cleaning step's job, so every problem can name its row and column.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { tableFromIPC } from 'apache-arrow';
import { InputError } from '../../errors.js';
import type { ResolvedSiteSpec } from './parse-mapping.js';
import { parserMessage, shortList, shortText } from './short-text.js';

export type Cell = string | number | null;

export interface SourceTable {
  file: string;
  columns: string[];
  /** cells[c][r]: column c, data row r (0-based; header excluded). */
  cells: Cell[][];
  rows: number;
  /** The 1-based line of each data row in a text file (null for Arrow). */
  lines: Int32Array | null;
}

const ARROW_FILE = /\.(arrow|feather|ipc)$/i;

export async function readSourceTable(site: ResolvedSiteSpec): Promise<SourceTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(site.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError([
      { ...site.at, expected: `a readable site file for site ${site.id}`, found: `${site.path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message}` },
    ]);
  }
  return ARROW_FILE.test(site.path) ? readArrow(site, bytes) : readText(site, bytes);
}

function readText(site: ResolvedSiteSpec, bytes: Buffer): SourceTable {
  const file = site.path;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(bytes, {
      delimiter: site.format.delimiter,
      encoding: site.format.encoding,
      bom: true,
      comment: site.format.comment,
      skip_empty_lines: true,
      relax_quotes: false,
      // Ragged rows are reported below, with the expected width and the line.
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const e = error as Error & { lines?: number; code?: string };
    throw new InputError([{ file, line: e.lines, path: '', expected: 'a well-formed delimited text file', found: parserMessage(e.message.replace(/^Invalid Record Length: /, '')) }]);
  }
  let header: string[];
  let body = records;
  if (site.format.header) {
    if (records.length === 0) throw new InputError([{ file, path: '', expected: 'a header row', found: 'an empty file' }]);
    header = records[0].record.map((h) => h.trim());
    body = records.slice(1);
  } else {
    header = site.format.columns as string[];
  }
  if (site.format.columns && site.format.header) {
    // Columns given with a header: they must agree (a guard against the wrong file).
    const given = site.format.columns;
    if (given.length !== header.length || given.some((c, k) => c !== header[k])) {
      throw new InputError([{ file, line: 1, path: '', expected: `the header ${given.join(',')} (format.columns)`, found: shortList(header) }]);
    }
  }
  const dup = header.find((h, k) => header.indexOf(h) !== k);
  if (dup !== undefined) throw new InputError([{ file, line: 1, path: '', expected: 'distinct column names', found: `${shortText(dup)} twice` }]);
  const width = header.length;
  const cells: Cell[][] = header.map(() => new Array<Cell>(body.length));
  const lines = new Int32Array(body.length);
  body.forEach(({ record, info }, r) => {
    if (record.length !== width) {
      throw new InputError([{ file, line: info.lines, path: '', expected: `${width} fields per row (${site.format.header ? 'as the header' : 'format.columns'})`, found: `${record.length} fields` }]);
    }
    for (let c = 0; c < width; c++) cells[c][r] = record[c];
    lines[r] = info.lines;
  });
  return { file, columns: header, cells, rows: body.length, lines };
}

function readArrow(site: ResolvedSiteSpec, bytes: Buffer): SourceTable {
  const file = site.path;
  let table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new InputError([{ file, path: '', expected: 'an Arrow IPC file', found: parserMessage((error as Error).message) }]);
  }
  const columns = table.schema.fields.map((f) => f.name);
  const rows = table.numRows;
  const cells: Cell[][] = columns.map((name) => {
    const vector = table.getChild(name)!;
    const out = new Array<Cell>(rows);
    for (let r = 0; r < rows; r++) {
      const v: unknown = vector.get(r);
      out[r] = v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : String(v);
    }
    return out;
  });
  return { file, columns, cells, rows, lines: null };
}
