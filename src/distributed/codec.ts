/**
 * Protocol messages (proto/fedage/v1/federation.proto `Chunk`): a JSON header plus named float64
 * vectors packed back to back (little-endian, the header's `layout` gives name and length), split
 * into chunks of at most `chunkBytes` payload bytes. Float64 on the wire, not the float32 the
 * bench's byte estimate assumes: a distributed run must reproduce the in-process parameters bit
 * for bit; the transport record counts the bytes really sent.
 * Every decoder check throws ProtocolError: a malformed or oversized message from a peer is
 * refused, never a crash.
 */
import { decodeWireJson, encodeWireJson } from './wire-json.js';

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** The wire form of one chunk (field names as @grpc/proto-loader gives them, keepCase). */
export interface WireChunk {
  task_id: string;
  kind: string;
  chunk_index: number;
  chunk_count: number;
  header: Uint8Array;
  payload: Uint8Array;
  site_id: string;
}

export interface Message {
  taskId: string;
  kind: string;
  siteId: string;
  header: Record<string, unknown>;
  vectors: Record<string, Float64Array>;
}

/** Default chunk payload: 1 MiB (gRPC's default message limit is 4 MiB). */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** Largest message the decoder assembles (header + payload): 256 MiB, about 33 M parameters. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 << 20;
const MAX_HEADER_BYTES = 16 << 20;
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

export function encodeMessage(m: Message, chunkBytes = DEFAULT_CHUNK_BYTES): WireChunk[] {
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 8)) throw new RangeError(`chunkBytes must be an integer ≥ 8, got ${chunkBytes}`);
  const names = Object.keys(m.vectors).sort();
  let total = 0;
  for (const n of names) total += m.vectors[n].length * 8;
  const payload = Buffer.allocUnsafe(total);
  let o = 0;
  for (const n of names) {
    const v = m.vectors[n];
    payload.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), o);
    o += v.byteLength;
  }
  const header = encodeWireJson({ ...m.header, layout: names.map((n) => [n, m.vectors[n].length]) });
  const count = Math.max(1, Math.ceil(total / chunkBytes));
  const chunks: WireChunk[] = [];
  for (let i = 0; i < count; i++) {
    chunks.push({
      task_id: m.taskId,
      kind: m.kind,
      site_id: m.siteId,
      chunk_index: i,
      chunk_count: count,
      header: i === 0 ? header : new Uint8Array(0),
      payload: payload.subarray(i * chunkBytes, Math.min(total, (i + 1) * chunkBytes)),
    });
  }
  return chunks;
}

/** Bytes of a message on the wire (headers and payload; gRPC framing not included). */
export function wireBytes(chunks: readonly WireChunk[]): number {
  let n = 0;
  for (const c of chunks) n += c.header.length + c.payload.length + c.task_id.length + c.kind.length + c.site_id.length + 8;
  return n;
}

/** Reassembles chunks as they arrive; `push` returns the message when the last chunk is in. */
export class MessageAssembler {
  private first: WireChunk | null = null;
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  push(c: WireChunk): Message | null {
    if (typeof c !== 'object' || c === null) throw new ProtocolError('chunk is not a message');
    const index = c.chunk_index;
    const count = c.chunk_count;
    if (!Number.isInteger(count) || count < 1) throw new ProtocolError(`chunk_count ${count}: expected ≥ 1`);
    if (index !== this.parts.length) throw new ProtocolError(`chunk ${index} arrived where chunk ${this.parts.length} was expected`);
    if (this.first) {
      if (count !== this.first.chunk_count || c.task_id !== this.first.task_id || c.kind !== this.first.kind) throw new ProtocolError('chunks of one message disagree on task, kind or count');
      if (c.header && c.header.length > 0) throw new ProtocolError('a header after the first chunk');
    } else {
      this.first = c;
      if (!c.header || c.header.length === 0) throw new ProtocolError('first chunk without a header');
      if (c.header.length > MAX_HEADER_BYTES) throw new ProtocolError(`header of ${c.header.length} bytes exceeds ${MAX_HEADER_BYTES}`);
      this.size += c.header.length;
    }
    const payload = c.payload ?? new Uint8Array(0);
    this.size += payload.length;
    if (this.size > this.maxMessageBytes) throw new ProtocolError(`message exceeds the ${this.maxMessageBytes}-byte limit`);
    this.parts.push(payload);
    if (this.parts.length < count) return null;
    return decodeAssembled(this.first, Buffer.concat(this.parts));
  }
}

function decodeAssembled(first: WireChunk, payload: Buffer): Message {
  let header: unknown;
  try {
    header = decodeWireJson(first.header);
  } catch (err) {
    throw new ProtocolError(`header is not valid wire JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new ProtocolError('header is not a JSON object');
  const h = header as Record<string, unknown>;
  const layout = h.layout;
  if (!Array.isArray(layout)) throw new ProtocolError('header without a layout');
  const vectors: Record<string, Float64Array> = {};
  let o = 0;
  for (const entry of layout) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !NAME.test(entry[0]) || !Number.isSafeInteger(entry[1]) || entry[1] < 0) {
      throw new ProtocolError(`bad layout entry ${JSON.stringify(entry).slice(0, 80)}`);
    }
    const [name, length] = entry as [string, number];
    if (Object.hasOwn(vectors, name)) throw new ProtocolError(`vector ${name} twice in the layout`);
    if (o + length * 8 > payload.length) throw new ProtocolError(`layout needs more than the ${payload.length} payload bytes`);
    const v = new Float64Array(length);
    new Uint8Array(v.buffer).set(payload.subarray(o, o + length * 8));
    vectors[name] = v;
    o += length * 8;
  }
  if (o !== payload.length) throw new ProtocolError(`${payload.length - o} payload byte(s) outside the layout`);
  delete h.layout;
  return { taskId: String(first.task_id ?? ''), kind: String(first.kind ?? ''), siteId: String(first.site_id ?? ''), header: h, vectors };
}

/** Decodes a complete list of chunks (tests, fuzzing). */
export function decodeMessage(chunks: readonly WireChunk[], maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): Message {
  const a = new MessageAssembler(maxMessageBytes);
  let out: Message | null = null;
  for (const c of chunks) {
    if (out) throw new ProtocolError('chunks after the last one');
    out = a.push(c);
  }
  if (!out) throw new ProtocolError('message incomplete');
  return out;
}
