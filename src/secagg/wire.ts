/**
 * Binary messages of the masking protocol. Every byte counted in results is a byte of one of
 * these encodings, so "bytes up/down" are what a network transport would carry (before TLS and
 * framing overhead). Integers are little-endian; masked words are bit-packed at log2(modulusRange)
 * bits each, which is where masking's upload overhead over the plaintext comes from.
 */
import { SecAggProtocolError } from './errors.js';

export class Writer {
  private parts: Uint8Array[] = [];
  private size = 0;
  u8(v: number): this {
    return this.push(Uint8Array.of(v));
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    return this.push(b);
  }
  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.push(b);
  }
  /** Length-prefixed (u32) bytes. */
  bytes(b: Uint8Array): this {
    return this.u32(b.length).push(b);
  }
  /** Fixed-length bytes (the reader must know the length). */
  raw(b: Uint8Array): this {
    return this.push(b);
  }
  u32s(xs: readonly number[]): this {
    this.u32(xs.length);
    for (const x of xs) this.u32(x);
    return this;
  }
  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export class Reader {
  private o = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number): void {
    if (this.o + n > this.buf.length) throw new SecAggProtocolError(`secagg message truncated: needed ${n} byte(s) at offset ${this.o} of ${this.buf.length}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.o++];
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.o, true);
    this.o += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.o, true);
    this.o += 8;
    return v;
  }
  bytes(): Uint8Array {
    return this.raw(this.u32());
  }
  raw(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.slice(this.o, this.o + n);
    this.o += n;
    return b;
  }
  u32s(): number[] {
    const n = this.u32();
    return Array.from({ length: n }, () => this.u32());
  }
  rest(): Uint8Array {
    return this.raw(this.buf.length - this.o);
  }
  end(): void {
    if (this.o !== this.buf.length) throw new SecAggProtocolError(`secagg message has ${this.buf.length - this.o} trailing byte(s)`);
  }
}

/**
 * Packs words (each < 2^bits) at `bits` bits each, LSB first: ceil(n·bits/8) bytes. Works on
 * 32-bit lanes with integer shifts (a word straddles at most two lanes); lanes are written
 * little-endian, so the byte stream does not depend on the platform.
 */
export function packWords(words: Uint32Array, bits: number): Uint8Array {
  const nBytes = Math.ceil((words.length * bits) / 8);
  const lanes = new Uint32Array(Math.ceil(nBytes / 4) + 1);
  if (bits === 32) lanes.set(words);
  else {
    let pos = 0;
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      const idx = pos >>> 5;
      const off = pos & 31;
      lanes[idx] |= w << off;
      if (off + bits > 32) lanes[idx + 1] |= w >>> (32 - off);
      pos += bits;
    }
  }
  return laneBytes(lanes, nBytes);
}

/** The opposite of packWords. */
export function unpackWords(bytes: Uint8Array, count: number, bits: number): Uint32Array {
  const nBytes = Math.ceil((count * bits) / 8);
  if (bytes.length !== nBytes) throw new SecAggProtocolError(`packed words: expected ${nBytes} bytes for ${count} words of ${bits} bits, found ${bytes.length}`);
  const lanes = bytesToLanes(bytes);
  if (bits === 32) return lanes.slice(0, count);
  const out = new Uint32Array(count);
  const mask = 2 ** bits - 1;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const idx = pos >>> 5;
    const off = pos & 31;
    let w = lanes[idx] >>> off;
    if (off + bits > 32) w |= lanes[idx + 1] << (32 - off);
    out[i] = (w & mask) >>> 0;
    pos += bits;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function laneBytes(lanes: Uint32Array, nBytes: number): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(lanes.buffer, 0, nBytes).slice();
  const out = new Uint8Array(nBytes);
  for (let i = 0; i < nBytes; i++) out[i] = (lanes[i >>> 2] >>> ((i & 3) * 8)) & 0xff;
  return out;
}

function bytesToLanes(bytes: Uint8Array): Uint32Array {
  const lanes = new Uint32Array(Math.ceil(bytes.length / 4) + 1);
  if (LITTLE_ENDIAN) new Uint8Array(lanes.buffer).set(bytes);
  else for (let i = 0; i < bytes.length; i++) lanes[i >>> 2] |= bytes[i] << ((i & 3) * 8);
  return lanes;
}
