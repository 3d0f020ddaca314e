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

/** Dictionary indices: -1 stands for null (index 0, not valid); no validity array without nulls. */
export function dictionaryIndices(indices: Int8Array): NumericColumn {
  const n = indices.length;
  // Without jumps: whether a null occurs is random per row (see branchless.ts).
  let anyNull = 0;
  for (let i = 0; i < n; i++) anyNull |= indices[i] >>> 31;
  if (!anyNull) return { kind: 'numeric', values: indices, valid: undefined };
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = indices[i];
    const isNull = v >>> 31; // 1 for negative indices
    valid[i] = isNull ^ 1;
    indices[i] = v & (isNull - 1);
  }
  return { kind: 'numeric', values: indices, valid };
}
