/**
 * CSV files from Arrow record batches (RFC 4180: comma-separated, CRLF-free `\n` line ends,
 * a header row, fields quoted when they hold a comma, quote or line break; UTF-8, no BOM).
 * Conventions, stated in the data dictionary too:
 *  - a missing value (null) is an empty, unquoted field; an empty string is written `""`;
 *  - float32 values are written with the fewest digits that read back to the same float32
 *    (76.6, not 76.5999984741211), float64 with JavaScript's shortest round-trip form (-0 as -0);
 *  - dates are ISO 8601 (YYYY-MM-DD); categories are written as their labels.
 */
import { DataType, type Data, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
import type { WrittenFile } from '../arrow-io.js';
import { AtomicHashedFile } from '../arrow-io.js';

const NEEDS_QUOTES = /[",\r\n]/;

/** A CSV field for a string: quoted (with doubled quotes) only when it must be, `""` when empty. */
export function csvString(s: string): string {
  if (s === '') return '""';
  return NEEDS_QUOTES.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The shortest decimal that reads back (as float32) to exactly `x`. */
export function float32Text(x: number): string {
  if (!Number.isFinite(x) || x === 0) return float64Text(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return String(candidate);
  }
  return String(x); // unreachable: 9 significant digits always round-trip a float32
}

/** JavaScript's shortest round-trip form, keeping the sign of zero (String(-0) is "0"). */
export function float64Text(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

const MS_PER_DAY = 86_400_000;

/**
 * One column of a batch as CSV fields, straight from the Arrow buffers (Vector.get per cell is
 * several times slower): nulls are '', categories and dates are formatted once per distinct value.
 */
function columnCells(data: Data, n: number): string[] {
  const type = data.type as DataType;
  const out: string[] = new Array(n);
  const valid = (i: number): boolean => data.nullCount === 0 || !data.nullBitmap || ((data.nullBitmap[(data.offset + i) >> 3] >> ((data.offset + i) & 7)) & 1) === 1;
  const values = data.values as ArrayLike<number>;
  const at = data.offset;
  if (DataType.isFloat(type)) {
    const single = (type as unknown as { precision: number }).precision === 1;
    // Measured values repeat (rounded to the instrument's resolution): format each once.
    const cache = new Map<number, string>();
    for (let i = 0; i < n; i++) {
      if (!valid(i)) {
        out[i] = '';
        continue;
      }
      const x = values[at + i];
      let text = cache.get(x);
      if (text === undefined || (x === 0 && Object.is(x, -0) !== (text === '-0'))) {
        text = single ? float32Text(x) : float64Text(x);
        if (cache.size < 1 << 16) cache.set(x, text);
      }
      out[i] = text;
    }
  } else if (DataType.isInt(type)) {
    for (let i = 0; i < n; i++) out[i] = valid(i) ? String(values[at + i]) : '';
  } else if (DataType.isDate(type)) {
    // DateDay: days since the epoch; DateMillisecond: milliseconds.
    const perDay = (type as unknown as { unit: number }).unit === 0 ? 1 : MS_PER_DAY;
    const cache = new Map<number, string>();
    for (let i = 0; i < n; i++) {
      if (!valid(i)) {
        out[i] = '';
        continue;
      }
      const day = Math.round(Number(values[at + i]) / perDay);
      let text = cache.get(day);
      if (text === undefined) {
        text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
        cache.set(day, text);
      }
      out[i] = text;
    }
  } else if (DataType.isDictionary(type)) {
    const labels = [...(data.dictionary as Vector)].map((v) => csvString(String(v)));
    for (let i = 0; i < n; i++) out[i] = valid(i) ? labels[values[at + i]] : '';
  } else if (DataType.isUtf8(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength);
    for (let i = 0; i < n; i++) out[i] = valid(i) ? csvString(bytes.toString('utf8', offsets[at + i], offsets[at + i + 1])) : '';
  } else {
    throw new Error(`internal: no CSV form for Arrow type ${String(type)}`);
  }
  return out;
}

/** The CSV header line of a schema. */
export function csvHeader(schema: Schema): string {
  return `${schema.fields.map((f) => csvString(f.name)).join(',')}\n`;
}

/** The CSV lines of one batch (no header). */
export function csvRows(batch: RecordBatch): string {
  const n = batch.numRows;
  if (n === 0) return '';
  const columns = batch.schema.fields.map((_, k) => columnCells(batch.getChildAt(k)!.data[0], n));
  const lines: string[] = new Array(n);
  const cells: string[] = new Array(columns.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < columns.length; k++) cells[k] = columns[k][i];
    lines[i] = cells.join(',');
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `batches` to `path` as CSV, atomically and hashed as written; see the conventions above. */
export async function writeCsvFile(path: string, schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>): Promise<WrittenFile> {
  const out = new AtomicHashedFile(path);
  let rows = 0;
  try {
    out.write(csvHeader(schema));
    for await (const batch of batches) {
      out.write(csvRows(batch));
      rows += batch.numRows;
    }
    return out.close(rows);
  } catch (err) {
    out.abort();
    throw err;
  }
}
