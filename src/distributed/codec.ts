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
  // One vector (a model, an update: the common case) is sent from its own bytes, not copied: the
  // aggregator sends the same model to every site each round, and each copy is garbage to collect.
  // The chunks are views, so the vector must not change until they are written (grpc-js serializes
  // a message when it is written; the round loop makes a new model each round).
  const single = names.length === 1 ? m.vectors[names[0]] : null;
  const payload = single ? Buffer.from(single.buffer, single.byteOffset, single.byteLength) : Buffer.allocUnsafe(total);
  let o = 0;
  for (const n of single ? [] : names) {
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

/**
 * Reassembles chunks as they arrive; `push` returns the message when the last chunk is in. The
 * payload is copied once, into one buffer the vectors are views of, when the last chunk is in (not
 * allocated from the header's layout up front: a peer would otherwise make the aggregator
 * allocate the size limit with one small chunk).
 */
export class MessageAssembler {
  private first: WireChunk | null = null;
  private header: Record<string, unknown> = {};
  private layout: Array<[string, number]> = [];
  private declaredBytes = 0;
  private parts: Uint8Array[] = [];
  private size = 0;
  private received = 0;
  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  push(c: WireChunk): Message | null {
    if (typeof c !== 'object' || c === null) throw new ProtocolError('chunk is not a message');
    const index = c.chunk_index;
    const count = c.chunk_count;
    if (!Number.isInteger(count) || count < 1) throw new ProtocolError(`chunk_count ${count}: expected ≥ 1`);
    if (index !== this.received) throw new ProtocolError(`chunk ${index} arrived where chunk ${this.received} was expected`);
    if (this.first) {
      if (count !== this.first.chunk_count || c.task_id !== this.first.task_id || c.kind !== this.first.kind) throw new ProtocolError('chunks of one message disagree on task, kind or count');
      if (c.header && c.header.length > 0) throw new ProtocolError('a header after the first chunk');
    } else {
      if (!c.header || c.header.length === 0) throw new ProtocolError('first chunk without a header');
      if (c.header.length > MAX_HEADER_BYTES) throw new ProtocolError(`header of ${c.header.length} bytes exceeds ${MAX_HEADER_BYTES}`);
      this.first = c;
      this.readHeader(c.header);
    }
    const part = c.payload ?? new Uint8Array(0);
    this.size += part.length;
    if (this.size > this.declaredBytes) throw new ProtocolError(`layout needs ${this.declaredBytes} payload bytes, the chunks carry more`);
    this.parts.push(part);
    this.received++;
    if (this.received < count) return null;
    if (this.size !== this.declaredBytes) throw new ProtocolError(`layout needs ${this.declaredBytes} payload bytes, the chunks carry ${this.size}`);
    const payload = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      payload.set(p, at);
      at += p.length;
    }
    this.parts = [];
    const vectors: Record<string, Float64Array> = {};
    let o = 0;
    for (const [name, length] of this.layout) {
      vectors[name] = new Float64Array(payload.buffer, o, length);
      o += length * 8;
    }
    const first = this.first;
    return { taskId: String(first.task_id ?? ''), kind: String(first.kind ?? ''), siteId: String(first.site_id ?? ''), header: this.header, vectors };
  }

  /** Decodes and checks the header and its layout, and allocates the payload (within the limit). */
  private readHeader(bytes: Uint8Array): void {
    let header: unknown;
    try {
      header = decodeWireJson(bytes);
    } catch (err) {
      throw new ProtocolError(`header is not valid wire JSON: ${(err as Error).message}`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new ProtocolError('header is not a JSON object');
    const h = header as Record<string, unknown>;
    const layout = h.layout;
    if (!Array.isArray(layout)) throw new ProtocolError('header without a layout');
    const names = new Set<string>();
    let total = 0;
    for (const entry of layout) {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !NAME.test(entry[0]) || !Number.isSafeInteger(entry[1]) || entry[1] < 0) {
        throw new ProtocolError(`bad layout entry ${JSON.stringify(entry).slice(0, 80)}`);
      }
      const [name, length] = entry as [string, number];
      if (names.has(name)) throw new ProtocolError(`vector ${name} twice in the layout`);
      names.add(name);
      total += length * 8;
      if (bytes.length + total > this.maxMessageBytes) throw new ProtocolError(`message exceeds the ${this.maxMessageBytes}-byte limit`);
    }
    delete h.layout;
    this.header = h;
    this.layout = layout as Array<[string, number]>;
    this.declaredBytes = total;
  }
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
