import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { BaseServerInterceptingCall } from '@grpc/grpc-js/build/src/server-interceptors.js';
import { CompressionFilter } from '@grpc/grpc-js/build/src/compression-filter.js';
import { channelOptions, FLOW_CONTROL_WINDOW_BYTES, framedWrites, widenServerWindows } from '../../src/distributed/protocol.js';
import { encodeChunk, framedForm, preEncoded, serializeChunk, type WireChunk } from '../../src/distributed/chunk-wire.js';

test('the aggregator advertises 16 MiB HTTP/2 windows (stream and connection), not HTTP/2\'s 64 KiB', async () => {
  const server = new grpc.Server(channelOptions());
  // Pins grpc-js's internals this relies on: a grpc-js upgrade that moves them fails here, not silently.
  assert.equal(widenServerWindows(server, 'before-bind'), true);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  assert.equal(widenServerWindows(server, 'after-bind'), true);
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    assert.equal(session.remoteSettings.initialWindowSize, FLOW_CONTROL_WINDOW_BYTES);
    // The connection window arrives as a WINDOW_UPDATE right after the settings.
    const deadline = Date.now() + 2000;
    while ((session.state.remoteWindowSize ?? 0) < FLOW_CONTROL_WINDOW_BYTES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(session.state.remoteWindowSize, FLOW_CONTROL_WINDOW_BYTES);
  } finally {
    session.destroy();
    server.forceShutdown();
  }
});

test('sites ask for the same window on their side (grpc-js client option)', () => {
  assert.equal(channelOptions()['grpc-node.flow_control_window'], FLOW_CONTROL_WINDOW_BYTES);
});

test('pre-encoded chunks skip grpc-js\'s framing copy at both ends; every other message is framed by grpc-js as before', async () => {
  // Pins the grpc-js internals this relies on: an upgrade that moves them fails here, not silently.
  assert.deepEqual(framedWrites(), { server: true, client: true });
  const chunk = (payload: number): WireChunk => ({ task_id: '', kind: '', chunk_index: 1, chunk_count: 2, header: new Uint8Array(0), payload: new Uint8Array(payload).fill(5), site_id: '' });
  const shared = preEncoded(chunk(4096));
  const plain = chunk(100);
  const frame = (m: Buffer) => {
    const out = Buffer.alloc(5 + m.length);
    out.writeUInt32BE(m.length, 1);
    m.copy(out, 5);
    return out;
  };
  // Server: the response serializer of a call.
  const serverCall = { handler: { serialize: serializeChunk } };
  const serialize = (BaseServerInterceptingCall.prototype as unknown as { serializeMessage(this: unknown, v: unknown): Buffer }).serializeMessage;
  assert.equal(serialize.call(serverCall, shared), framedForm(shared), 'the same bytes, not a copy');
  assert.deepEqual(serialize.call(serverCall, plain), frame(encodeChunk(plain)));
  // Client: the compression filter that frames a site's messages (identity compression, as fedage uses).
  class IdentityHandler {
    async writeMessage(m: Buffer) {
      return frame(m);
    }
  }
  const filter = { sendCompression: new IdentityHandler(), maxSendMessageLength: -1 };
  const send = (CompressionFilter.prototype as unknown as { sendMessage(this: unknown, m: Promise<{ message: Buffer; flags?: number }>): Promise<{ message: Buffer }> }).sendMessage;
  assert.equal((await send.call(filter, Promise.resolve({ message: serializeChunk(shared), flags: 0 }))).message, framedForm(shared));
  assert.deepEqual((await send.call(filter, Promise.resolve({ message: serializeChunk(plain), flags: 0 }))).message, frame(encodeChunk(plain)));
  // Over the send limit: grpc-js's own path, which refuses it.
  await assert.rejects(send.call({ ...filter, maxSendMessageLength: 10 }, Promise.resolve({ message: serializeChunk(shared), flags: 0 })), (e: { code?: number }) => e.code === grpc.status.RESOURCE_EXHAUSTED);
});
