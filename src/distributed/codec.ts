/**
 * Protocol messages (proto/fedage/v1/federation.proto `Chunk`): a JSON header plus named float64
 * vectors packed back to back (little-endian, the header's `layout` gives name and length). The
 * first chunk carries the task, kind, site and header; the payload follows in chunks of at most
 * `chunkBytes` bytes that need not repeat the first chunk's ids, so the payload chunks of a model
 * sent to every site are the same chunks, encoded once (`EncodedPayload`). Float64 on the wire,
 * not the float32 the bench's byte estimate assumes: a distributed run must reproduce the
 * in-process parameters bit for bit; the transport record counts the bytes really sent.
 * Every decoder check throws ProtocolError: a malformed or oversized message from a peer is
 * refused, never a crash.
 */
import { decodeWireJson, encodeWireJson } from './wire-json.js';
import { preEncoded, ProtocolError, type WireChunk } from './chunk-wire.js';

export { ProtocolError, type WireChunk };

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

/**
 * Vectors packed and cut into payload chunks, encoded for the wire when made: the same payload can
 * go to any number of sites (encodeMessage), and a vector that changes afterwards does not change
 * what is sent.
 */
export class EncodedPayload {
  readonly layout: Array<[string, number]>;
  readonly chunks: readonly WireChunk[];

  constructor(vectors: Record<string, Float64Array>, chunkBytes = DEFAULT_CHUNK_BYTES) {
    if (!(Number.isInteger(chunkBytes) && chunkBytes >= 8)) throw new RangeError(`chunkBytes must be an integer ≥ 8, got ${chunkBytes}`);
    const names = Object.keys(vectors).sort();
    this.layout = names.map((n) => [n, vectors[n].length]);
    let total = 0;
    for (const n of names) total += vectors[n].length * 8;
    // One vector (a model, an update: the common case) is cut from its own bytes; several are packed first.
    const single = names.length === 1 ? vectors[names[0]] : null;
    const payload = single ? Buffer.from(single.buffer, single.byteOffset, single.byteLength) : Buffer.allocUnsafe(total);
    let o = 0;
    for (const n of single ? [] : names) {
      const v = vectors[n];
      payload.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), o);
      o += v.byteLength;
    }
    const count = Math.ceil(total / chunkBytes);
    const chunks: WireChunk[] = [];
    for (let i = 0; i < count; i++) {
      const slice = payload.subarray(i * chunkBytes, Math.min(total, (i + 1) * chunkBytes));
      chunks.push(preEncoded({ task_id: '', kind: '', site_id: '', chunk_index: i + 1, chunk_count: count + 1, header: EMPTY, payload: slice }));
    }
    this.chunks = chunks;
  }
}

const EMPTY = new Uint8Array(0);

/** A message as chunks: the first with the ids and header, then the payload's (shared when `payload` is given). */
export function encodeMessage(m: Message | (Omit<Message, 'vectors'> & { payload: EncodedPayload }), chunkBytes = DEFAULT_CHUNK_BYTES): WireChunk[] {
  const payload = 'payload' in m ? m.payload : new EncodedPayload(m.vectors, chunkBytes);
  const header = encodeWireJson({ ...m.header, layout: payload.layout });
  const first: WireChunk = { task_id: m.taskId, kind: m.kind, site_id: m.siteId, chunk_index: 0, chunk_count: payload.chunks.length + 1, header, payload: EMPTY };
  return [first, ...payload.chunks];
}

/** Bytes of a message on the wire (headers and payload; gRPC framing not included). */
export function wireBytes(chunks: readonly WireChunk[]): number {
  let n = 0;
  for (const c of chunks) n += c.header.length + c.payload.length + c.task_id.length + c.kind.length + c.site_id.length + 8;
  return n;
}

export interface AssemblerOptions {
  /**
   * A message in one chunk whose payload is 8-byte aligned is read in place: its vectors are
   * views of the chunk's payload, not a copy. For chunks the network layer decoded into buffers
   * of their own (chunk-wire.ts aligns the payload for this); not for chunks whose payload the
   * sender still owns.
   */
  readInPlace?: boolean;
}

/**
 * Reassembles chunks as they arrive; `push` returns the message when the last chunk is in. The
 * payload is copied at most once, into one buffer the vectors are views of, when the last chunk is
 * in (not allocated from the header's layout up front: a peer would otherwise make the aggregator
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
  constructor(
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    private readonly options: AssemblerOptions = {},
  ) {}

  push(c: WireChunk): Message | null {
    if (typeof c !== 'object' || c === null) throw new ProtocolError('chunk is not a message');
    const index = c.chunk_index;
    const count = c.chunk_count;
    if (!Number.isInteger(count) || count < 1) throw new ProtocolError(`chunk_count ${count}: expected ≥ 1`);
    if (index !== this.received) throw new ProtocolError(`chunk ${index} arrived where chunk ${this.received} was expected`);
    if (this.first) {
      // Payload chunks may leave the ids empty (shared by every site's copy of a message).
      const same = (a: string, b: string) => a === '' || a === b;
      if (count !== this.first.chunk_count || !same(c.task_id, this.first.task_id) || !same(c.kind, this.first.kind) || !same(c.site_id, this.first.site_id)) {
        throw new ProtocolError('chunks of one message disagree on task, kind, site or count');
      }
      if (c.header && c.header.length > 0) throw new ProtocolError('a header after the first chunk');
    } else {
      if (!c.header || c.header.length === 0) throw new ProtocolError('first chunk without a header');
      if (c.header.length > MAX_HEADER_BYTES) throw new ProtocolError(`header of ${c.header.length} bytes exceeds ${MAX_HEADER_BYTES}`);
      this.first = c;
      this.readHeader(c.header);
    }
    const part = c.payload ?? EMPTY;
    this.size += part.length;
    if (this.size > this.declaredBytes) throw new ProtocolError(`layout needs ${this.declaredBytes} payload bytes, the chunks carry more`);
    if (part.length > 0) this.parts.push(part);
    this.received++;
    if (this.received < count) return null;
    if (this.size !== this.declaredBytes) throw new ProtocolError(`layout needs ${this.declaredBytes} payload bytes, the chunks carry ${this.size}`);
    const only = this.parts.length === 1 ? this.parts[0] : null;
    let payload: Uint8Array;
    if (this.options.readInPlace && only && only.byteOffset % 8 === 0) {
      payload = only;
    } else {
      payload = new Uint8Array(this.size);
      let at = 0;
      for (const p of this.parts) {
        payload.set(p, at);
        at += p.length;
      }
    }
    this.parts = [];
    const vectors: Record<string, Float64Array> = {};
    let o = payload.byteOffset;
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
