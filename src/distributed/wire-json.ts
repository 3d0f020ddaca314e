/**
 * JSON for protocol headers that keeps every float64 exact: a Float64Array becomes
 * {"$f64": base64 of its little-endian bytes}, a non-finite number or −0 {"$num": "NaN"} (JSON has neither); finite
 * numbers are JSON numbers (JavaScript prints the shortest string that reads back to the same
 * double, so they round-trip bit for bit). A Uint8Array (a secure-aggregation protocol message)
 * becomes {"$u8": base64}. Decoding accepts nothing else of that shape.
 */

const NUM_NAMES: Record<string, number> = { '-0': -0, NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

function toWire(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? { $num: '-0' } : Number.isFinite(value) ? value : { $num: String(value) };
  if (value instanceof Float64Array) return { $f64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Uint8Array) return { $u8: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (ArrayBuffer.isView(value)) throw new TypeError('wire JSON: only Float64Array and Uint8Array typed arrays are encoded');
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWire(v);
    return out;
  }
  return value;
}

function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$num') {
      const n = NUM_NAMES[String(o.$num)];
      if (n === undefined) throw new RangeError(`wire JSON: bad $num ${JSON.stringify(o.$num)}`);
      return n;
    }
    if (keys.length === 1 && keys[0] === '$u8') {
      if (typeof o.$u8 !== 'string') throw new RangeError('wire JSON: $u8 must be a base64 string');
      return new Uint8Array(Buffer.from(o.$u8, 'base64'));
    }
    if (keys.length === 1 && keys[0] === '$f64') {
      if (typeof o.$f64 !== 'string') throw new RangeError('wire JSON: $f64 must be a base64 string');
      const bytes = Buffer.from(o.$f64, 'base64');
      if (bytes.length % 8 !== 0) throw new RangeError(`wire JSON: $f64 of ${bytes.length} bytes, not a multiple of 8`);
      const out = new Float64Array(bytes.length / 8);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = fromWire(v);
    return out;
  }
  return value;
}

export function encodeWireJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(toWire(value)), 'utf8');
}

export function decodeWireJson(bytes: Uint8Array): unknown {
  return fromWire(JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')));
}
