/**
 * The aggregator under malformed traffic from an authenticated site: random, truncated,
 * reordered and oversized chunk streams (fast-check) sent over real mutual TLS are refused with
 * INVALID_ARGUMENT or an unaccepted reply, each refusal is a `malformed` transport event, and the
 * aggregator keeps serving (a Join afterwards succeeds).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { encodeMessage, type WireChunk } from '../../src/distributed/codec.js';
import { startAggregator, type AggregatorFixture } from './aggregator-fixture.js';

let fx: AggregatorFixture;
let agg: AggregatorFixture['agg'];
let client: AggregatorFixture['client'];
const joinSite = () => fx.joinSite();

before(async () => {
  fx = await startAggregator(['a', 'b'], { maxMessageBytes: 64 * 1024 });
  ({ agg, client } = fx);
});

after(() => fx?.stop());

/** Sends chunks; resolves with the reply or the gRPC status code. */
const submit = (chunks: WireChunk[]) =>
  new Promise<{ accepted?: boolean; code?: number }>((resolve) => {
    const call = client.Submit({ deadline: Date.now() + 10_000 }, (err, res) => resolve(err ? { code: err.code } : res));
    call.on('error', () => undefined);
    for (const c of chunks) call.write(c);
    call.end();
  });

const chunk = fc.record({
  task_id: fc.string({ maxLength: 40 }),
  kind: fc.constantFrom('ok', 'error', 'train', ''),
  chunk_index: fc.nat({ max: 4 }),
  chunk_count: fc.nat({ max: 4 }),
  header: fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constant(Buffer.from('{"layout":[["params",3]]}')), fc.constant(Buffer.from('{"layout":[["x",99999]]}'))).map((b) => new Uint8Array(b)),
  payload: fc.uint8Array({ maxLength: 300 }),
  site_id: fc.constant('a'),
});

test('fuzz: malformed chunk streams are refused, recorded as malformed events, and never crash the aggregator', async () => {
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(chunk, { minLength: 1, maxLength: 4 }), async (chunks) => {
      const r = await submit(chunks);
      // Refused (INVALID_ARGUMENT) or answered without acceptance: no random stream names a live task.
      assert.ok(r.code === grpc.status.INVALID_ARGUMENT || r.accepted === false, JSON.stringify(r));
      if (r.code === grpc.status.INVALID_ARGUMENT) refused++;
    }),
    { numRuns: 40 },
  );
  // A well-formed but oversized message (over the 64 KiB limit), and a truncated one.
  const big = encodeMessage({ taskId: 't', kind: 'ok', siteId: 'a', header: {}, vectors: { params: new Float64Array(20_000) } }, 16 * 1024);
  assert.equal((await submit(big)).code, grpc.status.INVALID_ARGUMENT);
  // Truncated: the header and first payload chunk of a message within the limit: not accepted, not malformed.
  const small = encodeMessage({ taskId: 't', kind: 'ok', siteId: 'a', header: {}, vectors: { params: new Float64Array(3_000) } }, 16 * 1024);
  assert.equal(small.length, 3);
  const truncated = await submit(small.slice(0, 2));
  assert.equal(truncated.accepted, false);
  assert.notEqual(truncated.code, grpc.status.INVALID_ARGUMENT);
  const malformed = agg.events.filter((e) => e.kind === 'malformed');
  assert.equal(malformed.length, refused + 1);
  assert.ok(malformed.some((e) => /exceeds the 65536-byte limit/.test(e.message)));
  assert.ok(malformed.every((e) => e.site === 'a'));
  assert.equal((await joinSite()).accepted, true, 'still serving');
});

/** Opens a Session, writes "ready" then the chunks, half-closes; resolves with the status it ended with. */
const session = (chunks: WireChunk[], ready = true) =>
  new Promise<{ code?: number }>((resolve) => {
    const call = client.Session({ deadline: Date.now() + 10_000 });
    call.on('error', (err: grpc.ServiceError) => resolve({ code: err.code }));
    call.on('end', () => resolve({}));
    call.on('data', () => undefined);
    const opening = ready ? encodeMessage({ taskId: '', kind: 'ready', siteId: 'a', header: {}, vectors: {} }) : [];
    for (const c of [...opening, ...chunks]) call.write(c);
    call.end();
  });

test('fuzz: a Session stream carrying malformed chunks is closed with INVALID_ARGUMENT and a malformed event; the aggregator keeps serving', async () => {
  const before = agg.events.filter((e) => e.kind === 'malformed').length;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(chunk, { minLength: 1, maxLength: 4 }), async (chunks) => {
      const r = await session(chunks);
      // Refused, or ended by the site's own half-close (an incomplete message is not an error).
      assert.ok(r.code === grpc.status.INVALID_ARGUMENT || r.code === undefined, JSON.stringify(r));
      if (r.code === grpc.status.INVALID_ARGUMENT) refused++;
    }),
    { numRuns: 40 },
  );
  assert.ok(refused > 0, 'some random streams are malformed');
  const big = encodeMessage({ taskId: 't', kind: 'ok', siteId: 'a', header: {}, vectors: { params: new Float64Array(20_000) } }, 16 * 1024);
  assert.equal((await session(big)).code, grpc.status.INVALID_ARGUMENT);
  // A session must open with "ready"; a chunk naming another site is refused as impersonation.
  assert.equal((await session(encodeMessage({ taskId: 't', kind: 'ok', siteId: 'a', header: {}, vectors: {} }), false)).code, grpc.status.INVALID_ARGUMENT);
  assert.equal((await session(encodeMessage({ taskId: 't', kind: 'ok', siteId: 'b', header: {}, vectors: {} }))).code, grpc.status.PERMISSION_DENIED);
  const malformed = agg.events.filter((e) => e.kind === 'malformed');
  assert.equal(malformed.length - before, refused + 2);
  assert.ok(agg.events.some((e) => e.kind === 'refused' && /carried a message of site "b"/.test(e.message)));
  assert.equal((await joinSite()).accepted, true, 'still serving');
});
