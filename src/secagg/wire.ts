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

/** Packs words (each < 2^bits) at `bits` bits each, LSB first: ceil(n·bits/8) bytes. */
export function packWords(words: Uint32Array, bits: number): Uint8Array {
  if (bits === 32) return new Uint8Array(words.buffer.slice(words.byteOffset, words.byteOffset + words.byteLength));
  const out = new Uint8Array(Math.ceil((words.length * bits) / 8));
  let acc = 0; // pending bits, < 2^(bits+8) ≤ 2^39: exact in a double
  let nAcc = 0;
  let o = 0;
  for (let i = 0; i < words.length; i++) {
    acc += words[i] * 2 ** nAcc;
    nAcc += bits;
    while (nAcc >= 8) {
      out[o++] = acc % 256;
      acc = Math.floor(acc / 256);
      nAcc -= 8;
    }
  }
  if (nAcc > 0) out[o] = acc;
  return out;
}

/** The opposite of packWords. */
export function unpackWords(bytes: Uint8Array, count: number, bits: number): Uint32Array {
  if (bytes.length !== Math.ceil((count * bits) / 8)) throw new SecAggProtocolError(`packed words: expected ${Math.ceil((count * bits) / 8)} bytes for ${count} words of ${bits} bits, found ${bytes.length}`);
  if (bits === 32) return new Uint32Array(bytes.slice().buffer);
  const out = new Uint32Array(count);
  const base = 2 ** bits;
  let acc = 0;
  let nAcc = 0;
  let o = 0;
  for (let i = 0; i < count; i++) {
    while (nAcc < bits) {
      acc += bytes[o++] * 2 ** nAcc;
      nAcc += 8;
    }
    out[i] = acc % base;
    acc = Math.floor(acc / base);
    nAcc -= bits;
  }
  return out;
}
