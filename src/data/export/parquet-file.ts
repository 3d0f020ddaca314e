/**
 * Parquet files from Arrow record batches, through parquet-wasm (the Rust `parquet` crate of
 * arrow-rs compiled to WebAssembly: an Arrow-native writer, so types map one to one).
 *  - Streamed: each Arrow JS batch crosses into WebAssembly as Arrow IPC and is written as it
 *    arrives (`transformParquetStream`); memory stays at about one batch plus one row group.
 *  - Column metadata (role, unit, description, feature type, target definition) is kept twice:
 *    in the Parquet key-value metadata under `fedage` (JSON, readable by any Parquet tool,
 *    e.g. DuckDB's parquet_kv_metadata), and inside the embedded Arrow schema (`ARROW:schema`)
 *    as field metadata, which Arrow-based readers (pyarrow, R arrow) restore on the fields.
 *  - No timestamps are written, so the same batches give byte-identical files.
 */
import { DataType, RecordBatch, Struct, Table as ArrowTable, Utf8, makeData, tableToIPC, vectorFromArray, type Schema } from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';
import type { WrittenFile } from '../arrow-io.js';
import { AtomicHashedFile } from '../arrow-io.js';

/**
 * The one key-value metadata key fedage writes. One key, because parquet-wasm passes the
 * key-value map through a Rust HashMap: with several keys their order (and so the file's bytes)
 * would change from one call to the next.
 */
export const PARQUET_METADATA_KEY = 'fedage';

/** The JSON value stored under `fedage`: the table's own metadata and one entry per column. */
export interface ParquetFedageMetadata {
  /** The Arrow schema metadata: fedage.version, fedage.site, fedage.table, fedage.target. */
  table: Record<string, string>;
  columns: ParquetColumnMetadata[];
}

/** One column's fedage metadata as stored under `fedage`: its name, type and field metadata. */
export interface ParquetColumnMetadata {
  name: string;
  type: string;
  [key: string]: string;
}

/** The key-value metadata of a Parquet file: `fedage` -> the schema's and columns' metadata as JSON. */
export function parquetKeyValueMetadata(schema: Schema): Map<string, string> {
  const value: ParquetFedageMetadata = {
    table: Object.fromEntries([...schema.metadata].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    columns: schema.fields.map((f) => ({ name: f.name, type: String(f.type), ...Object.fromEntries(f.metadata) })),
  };
  return new Map([[PARQUET_METADATA_KEY, JSON.stringify(value)]]);
}

/** An Arrow JS batch as a parquet-wasm batch (via one Arrow IPC stream message). */
function toWasmBatch(parquet: typeof ParquetWasm, batch: RecordBatch): ParquetWasm.RecordBatch {
  const table = parquet.Table.fromIPCStream(tableToIPC(new ArrowTable([batch]), 'stream'));
  try {
    const out = table.recordBatch(0);
    if (!out) throw new Error('internal: parquet-wasm returned no batch');
    return out;
  } finally {
    table.free();
  }
}

/**
 * A zero-row batch of `schema`. `new RecordBatch(schema)` leaves dictionary columns without a
 * dictionary, which arrow-rs rejects; each gets an empty one here.
 */
export function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) =>
    DataType.isDictionary(f.type)
      ? makeData({ type: f.type, length: 0, data: new Int8Array(0), dictionary: vectorFromArray([], new Utf8()) })
      : // eslint-disable-next-line @typescript-eslint/no-explicit-any
        makeData({ type: f.type as any, length: 0 }),
  );
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}

export interface ParquetWriteOptions {
  /** Rows per row group (default 1,048,576, the arrow-rs default). */
  rowGroupRows?: number;
}

/**
 * Writes `batches` (all of `schema`) to `path` as Parquet, atomically (temp file, fsync, rename)
 * and hashed as written. An empty stream still gives a valid file with the schema.
 */
export async function writeParquetFile(
  path: string,
  schema: Schema,
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  opts: ParquetWriteOptions = {},
): Promise<WrittenFile> {
  // Loaded on first use: the WebAssembly module costs ~0.1 s, which no other command should pay.
  const parquet = await import('parquet-wasm');
  const out = new AtomicHashedFile(path);
  let rows = 0;
  try {
    const source = (async function* () {
      for await (const b of batches) yield b;
    })();
    let sawBatch = false;
    const input = new ReadableStream<ParquetWasm.RecordBatch>({
      async pull(controller) {
        const next = await source.next();
        if (next.done) {
          // parquet-wasm needs one batch to learn the schema: give it an empty one.
          if (!sawBatch) {
            sawBatch = true;
            controller.enqueue(toWasmBatch(parquet, emptyBatch(schema)));
            return;
          }
          controller.close();
          return;
        }
        sawBatch = true;
        rows += next.value.numRows;
        controller.enqueue(toWasmBatch(parquet, next.value));
      },
    });
    let builder = new parquet.WriterPropertiesBuilder()
      .setCompression(parquet.Compression.SNAPPY)
      .setCreatedBy('fedage (parquet-wasm 0.8.0)')
      .setKeyValueMetadata(parquetKeyValueMetadata(schema));
    if (opts.rowGroupRows !== undefined) builder = builder.setMaxRowGroupSize(opts.rowGroupRows);
    const bytes = await parquet.transformParquetStream(input, builder.build());
    for await (const chunk of bytes as unknown as AsyncIterable<Uint8Array>) out.write(chunk);
    return out.close(rows);
  } catch (err) {
    out.abort();
    throw err;
  }
}
