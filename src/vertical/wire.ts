/**
 * The messages of split learning as bytes: a matrix of activations (forward) or of gradients
 * (backward) for one minibatch, encoded as it would cross the network, so that the byte counts
 * in the results are the lengths of real encoded messages and the receiver computes on what it
 * decoded (float32 rounding included).
 *
 * Layout (little-endian): u32 magic 'VFL1', u8 kind (1 activations, 2 gradients), u8 format
 * (4 = float32, 8 = float64), u16 reserved 0, u32 step, u32 rows, u32 cols, then rows×cols
 * values row-major. 24 bytes of header. The row order is the minibatch order both sides derive
 * from the schedule agreed at setup, so no row ids travel.
 */
export type WireFormat = 'float32' | 'float64';
export type MatrixKind = 'activations' | 'gradients';

const MAGIC = 0x314c4656; // 'VFL1'
export const HEADER_BYTES = 24;

export interface DecodedMatrix {
  kind: MatrixKind;
  step: number;
  rows: number;
  cols: number;
  values: Float64Array;
}

export function encodeMatrix(kind: MatrixKind, step: number, rows: number, cols: number, values: Float64Array, format: WireFormat): Uint8Array {
  const width = format === 'float32' ? 4 : 8;
  const bytes = new Uint8Array(HEADER_BYTES + rows * cols * width);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint8(4, kind === 'activations' ? 1 : 2);
  view.setUint8(5, width);
  view.setUint32(8, step, true);
  view.setUint32(12, rows, true);
  view.setUint32(16, cols, true);
  const count = rows * cols;
  if (format === 'float32') for (let i = 0; i < count; i++) view.setFloat32(HEADER_BYTES + 4 * i, values[i], true);
  else for (let i = 0; i < count; i++) view.setFloat64(HEADER_BYTES + 8 * i, values[i], true);
  return bytes;
}

export function decodeMatrix(bytes: Uint8Array): DecodedMatrix {
  if (bytes.length < HEADER_BYTES) throw new RangeError(`message of ${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError('not a vertical split-learning message (bad magic)');
  const kindCode = view.getUint8(4);
  const width = view.getUint8(5);
  if ((kindCode !== 1 && kindCode !== 2) || (width !== 4 && width !== 8)) throw new RangeError(`bad message kind ${kindCode} or value width ${width}`);
  const step = view.getUint32(8, true);
  const rows = view.getUint32(12, true);
  const cols = view.getUint32(16, true);
  const count = rows * cols;
  if (bytes.length !== HEADER_BYTES + count * width) throw new RangeError(`message has ${bytes.length} bytes, header says ${HEADER_BYTES + count * width}`);
  const values = new Float64Array(count);
  if (width === 4) for (let i = 0; i < count; i++) values[i] = view.getFloat32(HEADER_BYTES + 4 * i, true);
  else for (let i = 0; i < count; i++) values[i] = view.getFloat64(HEADER_BYTES + 8 * i, true);
  return { kind: kindCode === 1 ? 'activations' : 'gradients', step, rows, cols, values };
}

/** Bytes sent per direction. */
export class ByteCounter {
  forward = 0;
  backward = 0;
  add(direction: 'forward' | 'backward', bytes: number): void {
    this[direction] += bytes;
  }
}
