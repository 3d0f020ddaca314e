/**
 * A site's Session stream at the aggregator: tasks are written to it as they are scheduled and
 * answered on it; a task whose stream breaks (the site's connection is lost, or the site opens a
 * new stream) fails at once as dropped, long before its deadline; "done" ends the stream.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import type { TaskFailed } from '../../src/distributed/aggregator.js';
import { serveSession } from '../../src/distributed/site-process.js';
import { encodeMessage, MessageAssembler, type Message, type WireChunk } from '../../src/distributed/codec.js';
import { startAggregator, type AggregatorFixture } from './aggregator-fixture.js';

const DEADLINE_MS = 20_000;
let fx: AggregatorFixture;
let agg: AggregatorFixture['agg'];
let client: AggregatorFixture['client'];

before(async () => {
  fx = await startAggregator(['a'], {});
  ({ agg, client } = fx);
});

after(() => fx?.stop());

/** A raw Session: writes "ready"; resolves each task message it receives. */
function openSession(): { call: grpc.ClientDuplexStream<WireChunk, WireChunk>; nextTask: () => Promise<Message> } {
  const call = client.Session({ deadline: Date.now() + 60_000 });
  call.on('error', () => undefined);
  const waiting: Array<(m: Message) => void> = [];
  const arrived: Message[] = [];
  let assembler = new MessageAssembler();
  call.on('data', (c: WireChunk) => {
    const m = assembler.push(c);
    if (!m) return;
    assembler = new MessageAssembler();
    const w = waiting.shift();
    if (w) w(m);
    else arrived.push(m);
  });
  for (const c of encodeMessage({ taskId: '', kind: 'ready', siteId: 'a', header: {}, vectors: {} })) call.write(c);
  return { call, nextTask: () => (arrived.length ? Promise.resolve(arrived.shift() as Message) : new Promise((r) => waiting.push(r))) };
}

const failure = async (p: Promise<unknown>) => {
  const t0 = Date.now();
  try {
    await p;
  } catch (err) {
    return { err: err as TaskFailed, ms: Date.now() - t0 };
  }
  throw new Error('the task did not fail');
};

test('a task sent on a stream that breaks, or that a newer stream replaces, is dropped at once', async () => {
  const first = openSession();
  const lost = agg.runTask('a', 'train', { n: 1 }, { globalParams: Float64Array.of(1, 2) }, DEADLINE_MS);
  assert.equal((await first.nextTask()).header.n, 1);
  const second = openSession(); // the site reconnected: the task in flight on the first stream is gone
  const r1 = await failure(lost);
  assert.equal(r1.err.kind, 'dropped');
  assert.match(r1.err.message, /reconnected during its task/);
  assert.ok(r1.ms < DEADLINE_MS / 2, `dropped after ${r1.ms} ms`);
  // The new stream carries the next task, and its answer resolves it.
  const answered = agg.runTask('a', 'train', { n: 2 }, {}, DEADLINE_MS);
  const task = await second.nextTask();
  for (const c of encodeMessage({ taskId: task.taskId, kind: 'ok', siteId: 'a', header: { echo: task.header.n }, vectors: {} })) second.call.write(c);
  assert.equal((await answered).header.echo, 2);
  // The connection is lost mid-task.
  const cut = agg.runTask('a', 'train', { n: 3 }, {}, DEADLINE_MS);
  await second.nextTask();
  second.call.cancel();
  const r2 = await failure(cut);
  assert.equal(r2.err.kind, 'dropped');
  assert.match(r2.err.message, /lost its connection/);
  assert.ok(r2.ms < DEADLINE_MS / 2, `dropped after ${r2.ms} ms`);
});

test('serveSession answers tasks in order on one stream and returns when the aggregator says done', async () => {
  const seen: number[] = [];
  const serving = serveSession(client, 'a', {
    deadlineMs: 60_000,
    chunkBytes: 1024,
    answer: async (t) => {
      seen.push(t.header.n as number);
      await new Promise((r) => setTimeout(r, 5));
      return { kind: 'ok', header: { n: t.header.n }, vectors: { params: t.vectors.globalParams.map((v) => -v) } };
    },
  });
  const model = Float64Array.from({ length: 500 }, (_, i) => i);
  const answers = await Promise.all([1, 2, 3].map((n) => agg.runTask('a', 'train', { n }, { globalParams: model }, DEADLINE_MS)));
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(answers.map((m) => m.header.n), [1, 2, 3]);
  assert.equal(answers[2].vectors.params[499], -499);
  await agg.shutdown(1000);
  await serving;
});
