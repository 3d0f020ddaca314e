import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, EncodedPayload, encodeMessage, MessageAssembler, ProtocolError, type WireChunk } from '../../src/distributed/codec.js';
import { decodeWireJson, encodeWireJson } from '../../src/distributed/wire-json.js';

const bitsEqual = (a: Float64Array, b: Float64Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('codec: any vectors and header survive encode → chunks → decode bit for bit, for any chunk size', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.stringMatching(/^[a-z:]{1,8}$/), fc.array(fc.double(), { maxLength: 300 }), { maxKeys: 4 }),
      fc.integer({ min: 8, max: 700 }),
      fc.double(),
      (vecs, chunkBytes, scalar) => {
        const vectors = Object.fromEntries(Object.entries(vecs).map(([k, v]) => [k, Float64Array.from(v)]));
        const chunks = encodeMessage({ taskId: 't', kind: 'train', siteId: 's', header: { scalar, nested: { v: Float64Array.of(scalar) } }, vectors }, chunkBytes);
        for (const c of chunks) assert.ok(c.payload.length <= chunkBytes);
        const m = decodeMessage(chunks);
        assert.deepEqual(Object.keys(m.vectors).sort(), Object.keys(vectors).sort());
        for (const k of Object.keys(vectors)) assert.ok(bitsEqual(m.vectors[k], vectors[k]), k);
        assert.ok(Object.is(m.header.scalar, scalar));
        assert.ok(bitsEqual((m.header.nested as { v: Float64Array }).v, Float64Array.of(scalar)));
      },
    ),
    { numRuns: 200 },
  );
});

test('wire JSON keeps NaN, ±Infinity, −0 and doubles exactly, and refuses forged markers', () => {
  const v = { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: [0.1 + 0.2, -1e-308, -0], d: Float64Array.of(1 / 3) };
  const back = decodeWireJson(encodeWireJson(v)) as typeof v;
  assert.ok(Number.isNaN(back.a));
  assert.equal(back.b, Number.POSITIVE_INFINITY);
  assert.deepEqual(back.c, [0.30000000000000004, -1e-308, -0]);
  assert.ok(Object.is(back.c[2], -0));
  assert.equal(back.d[0], 1 / 3);
  // Protocol messages (secure aggregation) travel as bytes.
  const bytes = Uint8Array.of(0, 255, 7, 128);
  assert.deepEqual((decodeWireJson(encodeWireJson({ message: bytes })) as { message: Uint8Array }).message, bytes);
  assert.throws(() => decodeWireJson(Buffer.from('{"x":{"$u8":5}}')), RangeError);
  assert.throws(() => encodeWireJson({ x: Int32Array.of(1) }), TypeError);
  assert.throws(() => decodeWireJson(Buffer.from('{"x":{"$num":"eval"}}')), RangeError);
  assert.throws(() => decodeWireJson(Buffer.from('{"x":{"$f64":"AAA="}}')), RangeError);
});

test('fuzz: corrupted, reordered, truncated or random chunks are refused with ProtocolError, never another exception', () => {
  const base = encodeMessage({ taskId: 't1', kind: 'ok', siteId: 's', header: { steps: 3 }, vectors: { params: Float64Array.from({ length: 50 }, (_, i) => i / 7) } }, 64);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(1000), fc.integer({ min: 0, max: 255 }), fc.constantFrom('header', 'payload', 'index', 'count', 'drop', 'dup')), { minLength: 1, maxLength: 4 }),
      (edits) => {
        let chunks: WireChunk[] = base.map((c) => ({ ...c, header: Uint8Array.from(c.header), payload: Uint8Array.from(c.payload) }));
        for (const [k, pos, byte, what] of edits) {
          const c = chunks[k % chunks.length];
          if (!c) continue;
          if (what === 'header' && c.header.length > 0) c.header[pos % c.header.length] = byte;
          else if (what === 'payload' && c.payload.length > 0) c.payload = c.payload.subarray(0, pos % c.payload.length);
          else if (what === 'index') c.chunk_index = byte;
          else if (what === 'count') c.chunk_count = byte;
          else if (what === 'drop') chunks = chunks.filter((x) => x !== c);
          else if (what === 'dup') chunks = [...chunks, c];
        }
        try {
          decodeMessage(chunks);
        } catch (err) {
          assert.ok(err instanceof ProtocolError, `${(err as Error).name}: ${(err as Error).message}`);
        }
      },
    ),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (header, payload) => {
      try {
        decodeMessage([{ task_id: 'x', kind: 'ok', site_id: '', chunk_index: 0, chunk_count: 1, header, payload }]);
      } catch (err) {
        assert.ok(err instanceof ProtocolError, `${(err as Error).name}: ${(err as Error).message}`);
      }
    }),
    { numRuns: 500 },
  );
});

test('an oversized message is refused as soon as it passes the limit', () => {
  const chunks = encodeMessage({ taskId: 't', kind: 'ok', siteId: 's', header: {}, vectors: { params: new Float64Array(1000) } }, 1024);
  const a = new MessageAssembler(4000);
  assert.throws(() => {
    for (const c of chunks) a.push(c);
  }, (e: unknown) => e instanceof ProtocolError && /limit/.test((e as Error).message));
});

test('an oversized message is refused at its first chunk when its layout declares more than the limit', () => {
  // The header says 8,000 payload bytes; the limit is 4,000: refused before any payload is held.
  const chunks = encodeMessage({ taskId: 't', kind: 'ok', siteId: 's', header: {}, vectors: { params: new Float64Array(1000) } }, 1024);
  const a = new MessageAssembler(4000);
  assert.throws(() => a.push(chunks[0]), (e: unknown) => e instanceof ProtocolError && /limit/.test((e as Error).message));
});

test('chunks that carry more or fewer payload bytes than the layout declares are refused', () => {
  const chunks = encodeMessage({ taskId: 't', kind: 'ok', siteId: 's', header: {}, vectors: { a: new Float64Array([1, 2]), b: new Float64Array([3]) } }, 8);
  const extra = chunks.map((c, i) => (i === chunks.length - 1 ? { ...c, payload: new Uint8Array(16) } : c));
  assert.throws(() => decodeMessage(extra), (e: unknown) => e instanceof ProtocolError && /carry more/.test((e as Error).message));
  const short = chunks.map((c, i) => (i === chunks.length - 1 ? { ...c, payload: new Uint8Array(0) } : c));
  assert.throws(() => decodeMessage(short), (e: unknown) => e instanceof ProtocolError && /carry 16/.test((e as Error).message));
  // The intact message: vectors in their own, non-overlapping ranges.
  const m = decodeMessage(chunks);
  m.vectors.a[1] = 99;
  assert.deepEqual([...m.vectors.a, ...m.vectors.b], [1, 99, 3]);
});

test('a payload encoded once goes to several sites: only the first chunk differs, and each decodes to its own task', () => {
  const model = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i));
  const payload = new EncodedPayload({ globalParams: model }, 1024);
  const a = encodeMessage({ taskId: 'ta', kind: 'train', siteId: 'a', header: { round: 1 }, payload });
  const b = encodeMessage({ taskId: 'tb', kind: 'train', siteId: 'b', header: { round: 1 }, payload });
  assert.equal(a.length, 1 + Math.ceil((300 * 8) / 1024));
  assert.notEqual(a[0], b[0]);
  for (let i = 1; i < a.length; i++) assert.equal(a[i], b[i], 'the same chunk object');
  for (const [m, task, site] of [[decodeMessage(a), 'ta', 'a'], [decodeMessage(b), 'tb', 'b']] as const) {
    assert.equal(m.taskId, task);
    assert.equal(m.siteId, site);
    assert.ok(bitsEqual(m.vectors.globalParams, model));
  }
  // A payload chunk may leave the ids empty or repeat them; naming another task or site is refused.
  const withIds = a.map((c, i) => (i > 0 ? { ...c, task_id: 'ta', kind: 'train', site_id: 'a' } : c));
  assert.equal(decodeMessage(withIds).taskId, 'ta');
  for (const field of ['task_id', 'kind', 'site_id'] as const) {
    const forged = a.map((c, i) => (i === 1 ? { ...c, [field]: 'other' } : c));
    assert.throws(() => decodeMessage(forged), (e: unknown) => e instanceof ProtocolError && /disagree/.test((e as Error).message), field);
  }
});

test('readInPlace: a one-chunk aligned payload becomes the vectors without a copy; otherwise they are copied', () => {
  const vectors = { a: Float64Array.of(1, 2, 3), b: Float64Array.of(4) };
  const chunks = encodeMessage({ taskId: 't', kind: 'ok', siteId: 's', header: {}, vectors }, 1 << 20);
  assert.equal(chunks.length, 2);
  const received = (offset: number) => {
    const buf = new Uint8Array(offset + chunks[1].payload.length);
    buf.set(chunks[1].payload, offset);
    return [chunks[0], { ...chunks[1], payload: buf.subarray(offset) }];
  };
  const assemble = (cs: WireChunk[], readInPlace: boolean) => {
    const asm = new MessageAssembler(undefined, { readInPlace });
    let m = null;
    for (const c of cs) m = asm.push(c);
    return m as NonNullable<typeof m>;
  };
  const aligned = received(16);
  const inPlace = assemble(aligned, true);
  assert.equal(inPlace.vectors.a.buffer, aligned[1].payload.buffer);
  assert.deepEqual([...inPlace.vectors.a, ...inPlace.vectors.b], [1, 2, 3, 4]);
  assert.notEqual(assemble(received(16), false).vectors.a.buffer, aligned[1].payload.buffer);
  const unaligned = received(4);
  const copied = assemble(unaligned, true);
  assert.notEqual(copied.vectors.a.buffer, unaligned[1].payload.buffer);
  assert.deepEqual([...copied.vectors.a, ...copied.vectors.b], [1, 2, 3, 4]);
});
