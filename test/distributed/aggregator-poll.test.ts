/**
 * Sites of earlier releases poll (NextTask) and answer with a Submit call per task; the aggregator
 * still serves them next to Session streams: a task reaches a polling site, its answer resolves
 * the task, an empty poll answers "idle" and a poll after the run answers "done".
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, MessageAssembler, type Message, type WireChunk } from '../../src/distributed/codec.js';
import { startAggregator, type AggregatorFixture } from './aggregator-fixture.js';

let fx: AggregatorFixture;
let agg: AggregatorFixture['agg'];
let client: AggregatorFixture['client'];

before(async () => {
  fx = await startAggregator(['a'], { pollMs: 300 });
  ({ agg, client } = fx);
});

after(() => fx?.stop());

const poll = () =>
  new Promise<Message>((resolve, reject) => {
    const call = client.NextTask({ site_id: 'a' }, { deadline: Date.now() + 10_000 });
    const assembler = new MessageAssembler();
    call.on('data', (c: WireChunk) => {
      const m = assembler.push(c);
      if (m) resolve(m);
    });
    call.on('error', reject);
  });

const submit = (chunks: WireChunk[]) =>
  new Promise<{ accepted: boolean }>((resolve, reject) => {
    const call = client.Submit({ deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res)));
    for (const c of chunks) call.write(c);
    call.end();
  });

test('a polling site gets its task, and its Submit answers it; idle and done polls', async () => {
  assert.equal((await poll()).kind, 'idle', 'nothing to do within the poll window');
  const model = Float64Array.from({ length: 5000 }, (_, i) => i / 3);
  const result = agg.runTask('a', 'train', { round: 4 }, { globalParams: model }, 10_000);
  const task = await poll();
  assert.equal(task.kind, 'train');
  assert.equal(task.header.round, 4);
  assert.deepEqual([...task.vectors.globalParams], [...model]);
  const reply = await submit(encodeMessage({ taskId: task.taskId, kind: 'ok', siteId: 'a', header: { steps: 2 }, vectors: { params: task.vectors.globalParams.map((v) => v * 2) } }, 16 * 1024));
  assert.equal(reply.accepted, true);
  const answer = await result;
  assert.equal(answer.header.steps, 2);
  assert.equal(answer.vectors.params[3], 2);
  // A second answer to the same task is late: not accepted, not an error.
  assert.equal((await submit(encodeMessage({ taskId: task.taskId, kind: 'ok', siteId: 'a', header: {}, vectors: {} }))).accepted, false);
  const polling = poll();
  await agg.shutdown(500);
  assert.equal((await polling).kind, 'done');
});
