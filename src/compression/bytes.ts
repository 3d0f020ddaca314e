/** Little helpers for compressed messages: a growing byte writer, LEB128 varints, a checked reader. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  /** Unsigned LEB128. */
  varint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.length++] = v;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  private o = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number): void {
    if (this.o + n > this.buf.length) throw new RangeError(`compressed message truncated at byte ${this.o} of ${this.buf.length}`);
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
  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.o, true);
    this.o += 4;
    return v;
  }
  varint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
      if (shift > 35) throw new RangeError('compressed message: varint too long');
    }
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.o, this.o + n);
    this.o += n;
    return b;
  }
  end(): void {
    if (this.o !== this.buf.length) throw new RangeError(`compressed message: ${this.buf.length - this.o} trailing byte(s)`);
  }
}

export function readHeader(r: ByteReader, format: number, dimension: number, name: string): void {
  const f = r.u8();
  if (f !== format) throw new RangeError(`${name}: message format 0x${f.toString(16)}, expected 0x${format.toString(16)}`);
  const d = r.u32();
  if (d !== dimension) throw new RangeError(`${name}: message for dimension ${d}, expected ${dimension}`);
}
