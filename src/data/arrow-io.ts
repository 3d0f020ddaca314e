/**
 * Arrow IPC file I/O for site tables. `writeArrowFile` and `readArrowBatches` are each other's
 * opposite (as Arrow JS's tableToIPC / tableFromIPC): what one writes, the other reads back.
 *  - Writes stream record batch by record batch to a temp file, hashing bytes as they go,
 *    then rename into place: memory stays flat and a crash never leaves a half file.
 *  - Dictionaries are fixed up front and shared by every batch (the file format forbids
 *    replacement dictionaries), so string columns cost one byte per row.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { asEnvironmentError } from '../errors.js';
import { fsyncDirSync, fsyncFdSync, tempPathFor, writeAllSync } from '../write-file-atomic.js';
import { open } from 'node:fs/promises';
import {
  AsyncByteQueue,
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int32,
  Int8,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Struct,
  Utf8,
  makeData,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import type { ColumnSpec } from '../synth/columns.js';
import type { ColumnBatch, NumericColumn } from '../synth/columnar.js';

export const ROLE_METADATA_KEY = 'fedage.role';
export const UNIT_METADATA_KEY = 'fedage.unit';
export const DESCRIPTION_METADATA_KEY = 'fedage.description';
export const FEATURE_TYPE_METADATA_KEY = 'fedage.feature_type';
export const DEFINES_TARGET_METADATA_KEY = 'fedage.defines_target';
export const REFERENCE_LEVEL_METADATA_KEY = 'fedage.reference_level';

export interface ArrowTableLayout {
  schema: Schema;
  specs: ColumnSpec[];
  /** Dictionary vectors shared by every batch, by column name. */
  dictionaries: Map<string, Vector<Utf8>>;
}

function arrowType(spec: ColumnSpec, dictionaryId: number): DataType {
  switch (spec.kind) {
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'int8':
      return new Int8();
    case 'int32':
      return new Int32();
    case 'date':
      return new DateDay();
    case 'utf8':
      return new Utf8();
    case 'dict':
      return new Dictionary(new Utf8(), new Int8(), dictionaryId, false);
  }
}

/** The Arrow schema of a table, with role, unit and description in each field's metadata. */
export function tableLayout(specs: ColumnSpec[], schemaMetadata: Record<string, string>): ArrowTableLayout {
  const dictionaries = new Map<string, Vector<Utf8>>();
  let nextDictionaryId = 0;
  const fields = specs.map((spec) => {
    const meta = new Map<string, string>([
      [ROLE_METADATA_KEY, spec.role],
      [DESCRIPTION_METADATA_KEY, spec.description],
    ]);
    if (spec.unit) meta.set(UNIT_METADATA_KEY, spec.unit);
    if (spec.featureType) meta.set(FEATURE_TYPE_METADATA_KEY, spec.featureType);
    if (spec.definesTarget?.length) meta.set(DEFINES_TARGET_METADATA_KEY, spec.definesTarget.join(','));
    if (spec.referenceLevel !== undefined) meta.set(REFERENCE_LEVEL_METADATA_KEY, spec.referenceLevel);
    const type = arrowType(spec, spec.kind === 'dict' ? nextDictionaryId++ : -1);
    if (spec.kind === 'dict') {
      if (!spec.dictionary || spec.dictionary.length > 127) throw new Error(`column ${spec.name}: dictionary of 1-127 values required`);
      dictionaries.set(spec.name, vectorFromArray([...spec.dictionary], new Utf8()));
    }
    // Nullability is declared for every column: missingness is part of what we simulate.
    return new Field(spec.name, type, true, meta);
  });
  return { schema: new Schema(fields, new Map(Object.entries(schemaMetadata))), specs, dictionaries };
}

function packValidity(valid: Uint8Array): { bitmap: Uint8Array; nullCount: number } {
  const n = valid.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nullCount: nulls };
}

/** A record batch from column buffers, in the layout's column order. */
export function toRecordBatch(layout: ArrowTableLayout, batch: ColumnBatch): RecordBatch {
  const children = layout.specs.map((spec, k) => {
    const field = layout.schema.fields[k];
    const buf = batch.columns.get(spec.name);
    if (!buf) throw new Error(`internal: column ${spec.name} missing from batch`);
    if (buf.kind === 'utf8') {
      return makeData({ type: field.type as Utf8, length: batch.length, valueOffsets: buf.offsets, data: buf.bytes });
    }
    const col = buf as NumericColumn;
    const { bitmap, nullCount } = col.valid ? packValidity(col.valid) : { bitmap: undefined, nullCount: 0 };
    const common = { length: batch.length, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined };
    if (spec.kind === 'dict') {
      return makeData({
        ...common,
        type: field.type as Dictionary<Utf8, Int8>,
        data: col.values as Int8Array,
        dictionary: layout.dictionaries.get(spec.name)!,
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return makeData({ ...common, type: field.type as any, data: col.values as any });
  });
  const structData = makeData({ type: new Struct(layout.schema.fields), length: batch.length, nullCount: 0, children });
  return new RecordBatch(layout.schema, structData);
}

/**
 * The one byte sink the Arrow writer drives (synchronously): every byte is hashed (SHA-256)
 * and counted, and, when given a file descriptor, written to it. With no descriptor it is the
 * in-memory digest of the exact file `ArrowFileWriter` would write.
 */
export class HashingSink extends AsyncByteQueue {
  readonly hash = createHash('sha256');
  bytes = 0;
  /** `path`: the file named in write errors. */
  constructor(
    private readonly fd: number | null = null,
    private readonly path = '',
  ) {
    super();
  }
  override write(value: Uint8Array): void {
    if (value.byteLength === 0) return;
    // Every byte or an error (short writes retried, no progress = ENOSPC): `bytes` is what is on disk.
    if (this.fd !== null) writeAllSync(this.fd, value, this.path);
    this.hash.update(value);
    this.bytes += value.byteLength;
  }
}

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
  rows: number;
}

/**
 * Where a table's record batches go: a file (`ArrowFileWriter`) or memory (`ArrowMemoryWriter`).
 * Both serialize through the same RecordBatchFileWriter into a `HashingSink`, so the SHA-256
 * and size they report are those of the same bytes.
 */
export interface ArrowSink {
  write(batch: RecordBatch): void;
  /** Finishes the file; its path (or would-be path), bytes, SHA-256 and rows. */
  close(): WrittenFile;
  /** Drops a partial result (removes the temp file). */
  abort(): void;
}

/**
 * An Arrow IPC file being written: batches stream to a temp file next to `path`, hashed as they
 * go; `close` fsyncs and renames it into place, `abort` removes it. The opposite of
 * `readArrowBatches`.
 */
/**
 * A file written atomically as a stream of bytes: a temp file beside `path` (created
 * exclusively) fed through the one HashingSink; `close` fsyncs file and directory and renames
 * it into place, `abort` removes it. Arrow files and exports (Parquet, CSV) are all written so.
 */
export class AtomicHashedFile {
  private readonly tmp: string;
  private readonly fd: number;
  readonly sink: HashingSink;
  private done = false;

  constructor(readonly path: string) {
    this.tmp = tempPathFor(path);
    try {
      this.fd = openSync(this.tmp, 'wx');
    } catch (error) {
      throw asEnvironmentError(error, path, 'create');
    }
    this.sink = new HashingSink(this.fd, path);
  }

  write(chunk: Uint8Array | string): void {
    this.sink.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  close(rows: number): WrittenFile {
    fsyncFdSync(this.fd, this.path);
    closeSync(this.fd);
    this.done = true;
    try {
      renameSync(this.tmp, this.path);
    } catch (error) {
      rmSync(this.tmp, { force: true });
      throw asEnvironmentError(error, this.path, 'write');
    }
    fsyncDirSync(dirname(this.path));
    return { path: this.path, bytes: this.sink.bytes, sha256: this.sink.hash.digest('hex'), rows };
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}

export class ArrowFileWriter implements ArrowSink {
  private readonly file: AtomicHashedFile;
  private readonly writer = new RecordBatchFileWriter();
  private rows = 0;

  constructor(
    readonly path: string,
    layout: ArrowTableLayout,
  ) {
    this.file = new AtomicHashedFile(path);
    this.writer.reset(this.file.sink as unknown as AsyncByteQueue, layout.schema);
  }

  write(batch: RecordBatch): void {
    this.writer.write(batch);
    this.rows += batch.numRows;
  }

  close(): WrittenFile {
    this.writer.finish();
    return this.file.close(this.rows);
  }

  abort(): void {
    this.file.abort();
  }
}

/**
 * The in-memory twin of `ArrowFileWriter`: keeps the record batches (for a Table) and reports
 * the SHA-256 and size of the file that would have been written at `path`.
 */
export class ArrowMemoryWriter implements ArrowSink {
  readonly batches: RecordBatch[] = [];
  private readonly sink = new HashingSink();
  private readonly writer = new RecordBatchFileWriter();
  private rows = 0;

  constructor(
    readonly path: string,
    layout: ArrowTableLayout,
  ) {
    this.writer.reset(this.sink as unknown as AsyncByteQueue, layout.schema);
  }

  write(batch: RecordBatch): void {
    this.writer.write(batch);
    this.batches.push(batch);
    this.rows += batch.numRows;
  }

  close(): WrittenFile {
    this.writer.finish();
    return { path: this.path, bytes: this.sink.bytes, sha256: this.sink.hash.digest('hex'), rows: this.rows };
  }

  abort(): void {
    this.batches.length = 0;
  }
}

/** Writes all batches to `path` atomically; see ArrowFileWriter. */
export async function writeArrowFile(
  path: string,
  layout: ArrowTableLayout,
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>,
): Promise<WrittenFile> {
  const out = new ArrowFileWriter(path, layout);
  try {
    for await (const batch of batches) out.write(batch);
    return out.close();
  } catch (err) {
    out.abort();
    throw err;
  }
}

/**
 * Record batches of an Arrow IPC file, streamed: memory stays at one batch. Arrow JS reads a
 * file *handle* with random access (footer, then one block at a time); given a byte stream it
 * would buffer the whole file first.
 */
export async function* readArrowBatches(path: string): AsyncGenerator<RecordBatch> {
  const handle = await open(path, 'r');
  try {
    const reader = await RecordBatchReader.from(handle);
    for await (const batch of reader) yield batch;
  } finally {
    await handle.close();
  }
}

/** The schema of an Arrow IPC file without reading its batches. */
export async function readArrowSchema(path: string): Promise<Schema> {
  const handle = await open(path, 'r');
  try {
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    return reader.schema;
  } finally {
    await handle.close();
  }
}
