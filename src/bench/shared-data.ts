/**
 * Typed arrays moved into SharedArrayBuffers, so that posting a prepared seed to worker threads
 * shares its matrices instead of copying them (structured clone copies an ordinary typed array
 * into every worker; a SharedArrayBuffer-backed one is mapped, not copied). Values are
 * unchanged, so results are identical whichever thread reads them. The bench never writes to
 * prepared data after preparation, which is what makes sharing without locks safe.
 */

type Typed = Float64Array | Float32Array | Int8Array | Uint8Array | Int32Array | Uint32Array | Int16Array | Uint16Array;

function isShareable(v: unknown): v is Typed {
  return (
    v instanceof Float64Array ||
    v instanceof Float32Array ||
    v instanceof Int8Array ||
    v instanceof Uint8Array ||
    v instanceof Int32Array ||
    v instanceof Uint32Array ||
    v instanceof Int16Array ||
    v instanceof Uint16Array
  );
}

/** A copy of `a` backed by a SharedArrayBuffer (a itself when it already is). */
export function toShared<T extends Typed>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/**
 * Replaces, in place, every typed array reachable through plain objects and arrays of `root`
 * by a SharedArrayBuffer-backed copy; returns root. Arrays of strings and numbers are walked
 * past (only objects and arrays are descended into).
 */
export function shareTypedArrays<T>(root: T): T {
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node) || isShareable(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (isShareable(v)) node[i] = toShared(v);
        else if (v !== null && typeof v === 'object') visit(v);
      }
      return;
    }
    if (Object.getPrototypeOf(node) !== Object.prototype) return; // Maps, class instances: left alone
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (isShareable(v)) record[key] = toShared(v);
      else if (v !== null && typeof v === 'object') visit(v);
    }
  };
  visit(root);
  return root;
}
