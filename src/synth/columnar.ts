/**
 * Column buffers: what the generator fills and the Arrow writer consumes. Typed arrays only,
 * so a batch of 65,536 patients costs a few MB and no per-row objects.
 */
export type NumericArray = Float32Array | Float64Array | Int8Array | Int32Array;

export interface NumericColumn {
  kind: 'numeric';
  values: NumericArray;
  /** 1 = valid, 0 = null; undefined when the column has no nulls. */
  valid?: Uint8Array;
}

export interface Utf8Column {
  kind: 'utf8';
  /** n + 1 offsets into bytes. */
  offsets: Int32Array;
  bytes: Uint8Array;
}

export type ColumnBuffer = NumericColumn | Utf8Column;

export interface ColumnBatch {
  length: number;
  columns: Map<string, ColumnBuffer>;
}

export function numeric(values: NumericArray, valid?: Uint8Array): NumericColumn {
  return { kind: 'numeric', values, valid };
}

/** Dictionary indices: -1 stands for null. */
export function dictionaryIndices(indices: Int8Array): NumericColumn {
  let valid: Uint8Array | undefined;
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0) {
      valid ??= new Uint8Array(indices.length).fill(1);
      valid[i] = 0;
      indices[i] = 0;
    }
  }
  return { kind: 'numeric', values: indices, valid };
}
