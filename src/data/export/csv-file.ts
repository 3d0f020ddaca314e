/**
 * CSV files from Arrow record batches (RFC 4180: comma-separated, CRLF-free `\n` line ends,
 * a header row, fields quoted when they hold a comma, quote or line break; UTF-8, no BOM).
 * Conventions, stated in the data dictionary too:
 *  - a missing value (null) is an empty, unquoted field; an empty string is written `""`;
 *  - float32 values are written with the fewest digits that read back to the same float32
 *    (76.6, not 76.5999984741211), float64 with JavaScript's shortest round-trip form (-0 as -0);
 *  - dates are ISO 8601 (YYYY-MM-DD); categories are written as their labels.
 */
import { DataType, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
import type { WrittenFile } from '../arrow-io.js';
import { StreamingFileWriter } from './streaming-file.js';

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

type Formatter = (vector: Vector, i: number) => string;

function formatterFor(type: DataType): Formatter {
  if (DataType.isFloat(type)) {
    // Precision: 0 half, 1 single, 2 double.
    const single = (type as unknown as { precision: number }).precision === 1;
    return single ? (v, i) => float32Text(v.get(i) as number) : (v, i) => float64Text(v.get(i) as number);
  }
  if (DataType.isInt(type)) return (v, i) => String(v.get(i));
  if (DataType.isDate(type)) {
    return (v, i) => {
      const value = v.get(i) as number | Date;
      const ms = value instanceof Date ? value.getTime() : value;
      return new Date(Math.round(ms / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
    };
  }
  if (DataType.isUtf8(type) || DataType.isDictionary(type)) return (v, i) => csvString(String(v.get(i)));
  if (DataType.isBool(type)) return (v, i) => ((v.get(i) as boolean) ? 'true' : 'false');
  throw new Error(`internal: no CSV form for Arrow type ${String(type)}`);
}

/** The CSV header line of a schema. */
export function csvHeader(schema: Schema): string {
  return `${schema.fields.map((f) => csvString(f.name)).join(',')}\n`;
}

/** The CSV lines of one batch (no header). */
export function csvRows(batch: RecordBatch): string {
  const columns = batch.schema.fields.map((f, k) => ({ vector: batch.getChildAt(k)!, format: formatterFor(f.type) }));
  const lines: string[] = new Array(batch.numRows);
  const cells: string[] = new Array(columns.length);
  for (let i = 0; i < batch.numRows; i++) {
    for (let k = 0; k < columns.length; k++) {
      const { vector, format } = columns[k];
      cells[k] = vector.isValid(i) ? format(vector, i) : '';
    }
    lines[i] = cells.join(',');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Writes `batches` to `path` as CSV, atomically and hashed as written; see the conventions above. */
export async function writeCsvFile(path: string, schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>): Promise<WrittenFile> {
  const out = new StreamingFileWriter(path);
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
