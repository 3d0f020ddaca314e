/**
 * The hand-written protobuf form of fedage.v1.Chunk against protobufjs (what @grpc/proto-loader
 * would use), in both directions; the payload's alignment after gRPC's prefix; the decoder under
 * random bytes; and pre-encoded chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as protoLoader from '@grpc/proto-loader';
import { decodeChunk, encodeChunk, framedForm, GRPC_PREFIX_BYTES, preEncoded, ProtocolError, serializeChunk, type WireChunk } from '../../src/distributed/chunk-wire.js';
import { protoPath } from '../../src/distributed/protocol.js';

// A fresh load: protobufjs's own (de)serializers, not the ones protocol.ts installs.
const session = (protoLoader.loadSync(protoPath(), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true })['fedage.v1.Federation'] as Record<string, protoLoader.MethodDefinition<WireChunk, WireChunk>>).Session;
const protobufjsEncode = (c: WireChunk) => session.requestSerialize(c);
const protobufjsDecode = (b: Buffer) => session.requestDeserialize(b);

const chunkArb = fc.record({
  task_id: fc.string({ maxLength: 40, unit: 'grapheme' }),
  kind: fc.constantFrom('', 'ok', 'train', 'ready', 'done'),
  chunk_index: fc.oneof(fc.nat({ max: 300 }), fc.constant(0xffffffff)),
  chunk_count: fc.oneof(fc.nat({ max: 300 }), fc.constant(2 ** 31)),
  header: fc.uint8Array({ maxLength: 300 }),
  payload: fc.uint8Array({ maxLength: 2000 }),
  site_id: fc.string({ maxLength: 20 }),
});

const fields = (c: WireChunk) => ({
  task_id: c.task_id,
  kind: c.kind,
  chunk_index: c.chunk_index,
  chunk_count: c.chunk_count,
  header: Buffer.from(c.header ?? []).toString('hex'),
  payload: Buffer.from(c.payload ?? []).toString('hex'),
  site_id: c.site_id,
});

test('chunk-wire and protobufjs read each other\'s encoding of any chunk', () => {
  fc.assert(
    fc.property(chunkArb, (c) => {
      const ours = encodeChunk(c);
      assert.deepEqual(fields(decodeChunk(ours)), fields(c));
      assert.deepEqual(fields(protobufjsDecode(ours)), fields(c));
      assert.deepEqual(fields(decodeChunk(protobufjsEncode(c))), fields(c));
    }),
    { numRuns: 400 },
  );
});

test('the payload starts 8-byte aligned after gRPC\'s 5-byte prefix, and is read as a view, not a copy', () => {
  fc.assert(
    fc.property(chunkArb, fc.integer({ min: 1, max: 3000 }), (c, payloadBytes) => {
      const chunk = { ...c, payload: new Uint8Array(payloadBytes).fill(7) };
      const message = encodeChunk(chunk);
      // Where grpc-js puts a received message: behind the prefix, in a buffer of its own.
      const received = Buffer.alloc(GRPC_PREFIX_BYTES + message.length);
      message.copy(received, GRPC_PREFIX_BYTES);
      const decoded = decodeChunk(received.subarray(GRPC_PREFIX_BYTES));
      assert.equal(decoded.payload.byteOffset % 8, 0);
      assert.equal(decoded.payload.buffer, received.buffer);
      assert.equal(decoded.payload.length, payloadBytes);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: random bytes decode to a chunk or fail with ProtocolError, never another exception', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      try {
        decodeChunk(Buffer.from(bytes));
      } catch (err) {
        assert.ok(err instanceof ProtocolError, `${(err as Error).name}: ${(err as Error).message}`);
      }
    }),
    { numRuns: 3000 },
  );
  // Truncations of a valid chunk: each is a shorter valid chunk or a ProtocolError.
  const whole = encodeChunk({ task_id: 't', kind: 'ok', chunk_index: 1, chunk_count: 2, header: Buffer.from('{}'), payload: new Uint8Array(64).fill(1), site_id: 's' });
  for (let n = 0; n < whole.length; n++) {
    try {
      decodeChunk(whole.subarray(0, n));
    } catch (err) {
      assert.ok(err instanceof ProtocolError);
    }
  }
  assert.throws(() => decodeChunk(Buffer.from([0x08])), ProtocolError); // field 1 tag, value missing
  assert.throws(() => decodeChunk(Buffer.from([0x0b])), /wire type 3/); // a group: not in proto3
  assert.throws(() => decodeChunk(Buffer.from([0x32, 0x05, 1, 2])), /runs past/); // payload longer than the bytes
  assert.throws(() => decodeChunk(Buffer.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /longer than 10 bytes/);
});

test('a pre-encoded chunk sends the bytes it had when encoded, with the gRPC prefix kept for a copy-free write', () => {
  const payload = new Uint8Array(800).fill(3);
  const c = preEncoded({ task_id: '', kind: '', chunk_index: 1, chunk_count: 2, header: new Uint8Array(0), payload, site_id: '' });
  const before = Buffer.from(serializeChunk(c));
  payload.fill(9);
  assert.deepEqual(serializeChunk(c), before, 'later changes to the vector do not reach the wire');
  assert.notDeepEqual(encodeChunk(c), before);
  const framed = framedForm(c) as Buffer;
  assert.equal(framed[0], 0);
  assert.equal(framed.readUInt32BE(1), before.length);
  assert.deepEqual(framed.subarray(GRPC_PREFIX_BYTES), before);
  assert.equal(framedForm(serializeChunk(c)), framed, 'found again from the serialized bytes (the client side)');
  assert.equal(framedForm({ ...c }), undefined);
  assert.equal(framedForm(Buffer.from(before)), undefined);
});
