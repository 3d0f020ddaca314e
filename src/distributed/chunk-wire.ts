/**
 * The protobuf wire form of fedage.v1.Chunk (proto/fedage/v1/federation.proto), written and read
 * here instead of by protobufjs. It is standard protobuf: protobufjs (or any conforming decoder)
 * reads what `encodeChunk` writes, and `decodeChunk` reads what protobufjs writes (both tested).
 * Why by hand: a chunk is nearly all payload (up to 1 MiB of float64s), and protobufjs's writer
 * copies it into a buffer of its own before grpc-js copies it again into its frame; here the
 * payload is copied once, into a buffer sized exactly. The payload is the last field, preceded
 * when needed by a few bytes of `alignment` padding (field 8, ignored by readers), so that it
 * starts 8-byte aligned in the buffer grpc-js hands the receiver (the 5-byte gRPC prefix, then
 * the message, in a buffer of its own); the receiver can then read the float64 vectors in place
 * (codec.ts MessageAssembler `readInPlace`), and copies them when they are not aligned.
 * A chunk can be encoded when it is made (`preEncoded`): the model a round sends to every site is
 * then encoded once, not once per site, and later changes to its vector do not reach the wire.
 * Every decoder check throws ProtocolError.
 */

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** One chunk (field names as @grpc/proto-loader gives them, keepCase). */
export interface WireChunk {
  task_id: string;
  kind: string;
  chunk_index: number;
  chunk_count: number;
  header: Uint8Array;
  payload: Uint8Array;
  site_id: string;
}

const FIELD_TASK_ID = 1;
const FIELD_KIND = 2;
const FIELD_CHUNK_INDEX = 3;
const FIELD_CHUNK_COUNT = 4;
const FIELD_HEADER = 5;
const FIELD_PAYLOAD = 6;
const FIELD_SITE_ID = 7;
const FIELD_ALIGNMENT = 8;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
/** gRPC's length prefix: 1 byte compression flag + 4 bytes length, before every message. */
export const GRPC_PREFIX_BYTES = 5;
const EMPTY = Buffer.alloc(0);

function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

function writeVarint(out: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

const tag = (field: number, wire: number) => field * 8 + wire;

function uint32(name: string, v: unknown): number {
  const n = v ?? 0;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${name} must be a uint32, got ${String(v)}`);
  return n;
}

/** The encoded chunk: fields 1, 2, 7, 3, 4, 5, then alignment padding and the payload. */
export function encodeChunk(c: WireChunk): Buffer {
  return encodeFramed(c).subarray(GRPC_PREFIX_BYTES);
}

/** The chunk with gRPC's length prefix before it (uncompressed), as gRPC puts it on the wire. */
function encodeFramed(c: WireChunk): Buffer {
  const strings: Array<[number, Buffer]> = [];
  for (const [field, value] of [
    [FIELD_TASK_ID, c.task_id],
    [FIELD_KIND, c.kind],
    [FIELD_SITE_ID, c.site_id],
  ] as const) {
    if (value) strings.push([field, Buffer.from(value, 'utf8')]);
  }
  const index = uint32('chunk_index', c.chunk_index);
  const count = uint32('chunk_count', c.chunk_count);
  const header = c.header ?? EMPTY;
  const payload = c.payload ?? EMPTY;
  let size = 0;
  for (const [, b] of strings) size += 1 + varintBytes(b.length) + b.length;
  if (index) size += 1 + varintBytes(index);
  if (count) size += 1 + varintBytes(count);
  if (header.length) size += 1 + varintBytes(header.length) + header.length;
  let padding = -1;
  if (payload.length) {
    const payloadTagBytes = 1 + varintBytes(payload.length);
    const misaligned = (GRPC_PREFIX_BYTES + size + payloadTagBytes) % 8;
    if (misaligned !== 0) {
      // The alignment field costs 2 bytes (tag, length) plus its padding bytes (0..7).
      const need = 8 - misaligned;
      padding = need >= 2 ? need - 2 : need + 6;
      size += 2 + padding;
    }
    size += payloadTagBytes + payload.length;
  }
  const framed = Buffer.allocUnsafe(GRPC_PREFIX_BYTES + size);
  framed[0] = 0;
  framed.writeUInt32BE(size, 1);
  const out = framed.subarray(GRPC_PREFIX_BYTES);
  let at = 0;
  for (const [field, b] of strings) {
    out[at++] = tag(field, WIRE_BYTES);
    at = writeVarint(out, at, b.length);
    at += b.copy(out, at);
  }
  if (index) at = writeVarint(out, writeVarint(out, at, tag(FIELD_CHUNK_INDEX, WIRE_VARINT)), index);
  if (count) at = writeVarint(out, writeVarint(out, at, tag(FIELD_CHUNK_COUNT, WIRE_VARINT)), count);
  if (header.length) {
    out[at++] = tag(FIELD_HEADER, WIRE_BYTES);
    at = writeVarint(out, at, header.length);
    out.set(header, at);
    at += header.length;
  }
  if (payload.length) {
    if (padding >= 0) {
      out[at++] = tag(FIELD_ALIGNMENT, WIRE_BYTES);
      out[at++] = padding;
      out.fill(0, at, at + padding);
      at += padding;
    }
    out[at++] = tag(FIELD_PAYLOAD, WIRE_BYTES);
    at = writeVarint(out, at, payload.length);
    out.set(payload, at);
    at += payload.length;
  }
  if (at !== size) throw new Error(`internal: chunk encoded to ${at} bytes, sized ${size}`);
  return framed;
}

/** Pre-encoded chunks: their bytes with gRPC's prefix, and the one view of the message alone serializeChunk returns. */
const preEncodedForms = new WeakMap<WireChunk, { framed: Buffer; message: Buffer }>();
const framedByMessage = new WeakMap<Buffer, Buffer>();

/** Encodes the chunk now; `serializeChunk` then sends these bytes, however often it is written. */
export function preEncoded(c: WireChunk): WireChunk {
  const framed = encodeFramed(c);
  const message = framed.subarray(GRPC_PREFIX_BYTES);
  preEncodedForms.set(c, { framed, message });
  framedByMessage.set(message, framed);
  return c;
}

/** The serializer gRPC calls for every Chunk it writes. */
export function serializeChunk(c: WireChunk): Buffer {
  return preEncodedForms.get(c)?.message ?? encodeChunk(c);
}

/**
 * The framed bytes (gRPC prefix + message) of a pre-encoded chunk, given the chunk (server side)
 * or the message bytes serializeChunk returned for it (client side); undefined for anything else.
 * protocol.ts framedWrites sends these without grpc-js's copy.
 */
export function framedForm(chunkOrMessage: unknown): Buffer | undefined {
  if (typeof chunkOrMessage !== 'object' || chunkOrMessage === null) return undefined;
  return Buffer.isBuffer(chunkOrMessage) ? framedByMessage.get(chunkOrMessage) : preEncodedForms.get(chunkOrMessage as WireChunk)?.framed;
}

/** A varint at `at`: its value modulo 2^32 (as protobuf's uint32 reads it) and the next offset. */
function readVarint(b: Buffer, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= b.length) throw new ProtocolError('chunk ends inside a varint');
    const byte = b[at++];
    if (i < 5) value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value % 0x100000000, at];
  }
  throw new ProtocolError('varint longer than 10 bytes');
}

/** Reads a chunk; `header` and `payload` are views of `b`, not copies. Unknown fields are skipped. */
export function decodeChunk(b: Buffer): WireChunk {
  const c: WireChunk = { task_id: '', kind: '', chunk_index: 0, chunk_count: 0, header: EMPTY, payload: EMPTY, site_id: '' };
  let at = 0;
  while (at < b.length) {
    const [key, next] = readVarint(b, at);
    at = next;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new ProtocolError('field number 0');
    if (wire === WIRE_VARINT) {
      const [value, after] = readVarint(b, at);
      at = after;
      if (field === FIELD_CHUNK_INDEX) c.chunk_index = value;
      else if (field === FIELD_CHUNK_COUNT) c.chunk_count = value;
      else if (field <= FIELD_ALIGNMENT) throw new ProtocolError(`field ${field} as a varint`);
    } else if (wire === WIRE_BYTES) {
      const [length, start] = readVarint(b, at);
      if (length > b.length - start) throw new ProtocolError(`field ${field} of ${length} bytes runs past the chunk's end`);
      at = start + length;
      if (field === FIELD_TASK_ID) c.task_id = b.toString('utf8', start, at);
      else if (field === FIELD_KIND) c.kind = b.toString('utf8', start, at);
      else if (field === FIELD_SITE_ID) c.site_id = b.toString('utf8', start, at);
      else if (field === FIELD_HEADER) c.header = b.subarray(start, at);
      else if (field === FIELD_PAYLOAD) c.payload = b.subarray(start, at);
      else if (field === FIELD_CHUNK_INDEX || field === FIELD_CHUNK_COUNT) throw new ProtocolError(`field ${field} as bytes`);
    } else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      if (field <= FIELD_ALIGNMENT) throw new ProtocolError(`field ${field} with wire type ${wire}`);
      at += wire === WIRE_FIXED64 ? 8 : 4;
      if (at > b.length) throw new ProtocolError(`field ${field} runs past the chunk's end`);
    } else {
      throw new ProtocolError(`wire type ${wire} (field ${field})`);
    }
  }
  return c;
}
