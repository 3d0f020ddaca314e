import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { channelOptions, FLOW_CONTROL_WINDOW_BYTES, widenServerWindows } from '../../src/distributed/protocol.js';

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
