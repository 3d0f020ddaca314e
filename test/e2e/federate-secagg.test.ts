/**
 * Secure aggregation over the wire: every site process masks its own update; the aggregator's
 * wire tap shows it never receives a secure-aggregation arm's update in the clear; a site killed
 * (kill -9) after sharing its keys goes through the dropout path and the round still completes
 * with the survivors' sum (the sum itself is checked bit for bit in test/distributed/remote-masking.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_SITES, useFederationFixture } from './federation-fixture.js';
import type { ChildProcess } from 'node:child_process';
import { benchOverrides } from '../../src/cli/bench.js';
import { federate } from '../../src/distributed/federation.js';
import type { Message } from '../../src/distributed/codec.js';

const SITES = FIXTURE_SITES;
const fx = useFederationFixture('fedage-federate-secagg-');

test('secure aggregation over the wire: updates never reach the aggregator in the clear; a site killed after key sharing is unmasked from the survivors and the round completes', { timeout: 120_000 }, async () => {
  const received: Array<{ site: string; m: Message }> = [];
  const byId = new Map<string, ChildProcess>();
  let killed: { round: number; arm: string } | null = null;
  const { run } = await federate({
    input: fx.data,
    certsDir: fx.certs,
    minSites: 2,
    roundDeadlineMs: 4000,
    joinTimeoutMs: 60_000,
    bench: { overrides: benchOverrides({ seeds: '1', rounds: '3', arms: 'fedavg', secureAggregation: 'masking' }) },
    onChild: (site, c) => {
      fx.children.push(c);
      byId.set(site, c);
    },
    onReceived: (site, m) => received.push({ site, m }),
    beforeMaskingStage: async ({ round, arm, stage }) => {
      if (round === 2 && stage === 'masked-input' && !killed) {
        killed = { round, arm };
        const c = byId.get('se-memory')!;
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await gone;
      }
    },
  });
  assert.deepEqual(killed, { round: 2, arm: 'fedavg+secagg' });
  const train = received.filter(({ m }) => 'exampleCount' in m.header);
  // The plain twin sends updates (3 rounds × 3 sites); the secure arm sends scalars only (3 + 3 + 2 answers).
  const plain = train.filter(({ m }) => m.vectors.params !== undefined);
  const held = train.filter(({ m }) => m.header.held === true);
  assert.equal(plain.length, 9);
  assert.equal(held.length, 8);
  for (const { m } of held) assert.deepEqual(Object.keys(m.vectors), [], 'a held update carries no vector');
  const secagg = received.filter(({ m }) => m.header.message instanceof Uint8Array);
  for (const { m } of secagg) {
    assert.deepEqual(Object.keys(m.vectors), []);
    assert.deepEqual(Object.keys(m.header).filter((k) => k !== 'message' && k !== 'clipped'), []);
  }
  // 4 stages × 3 sites in rounds 1 and 2 (the killed site answers setup and key sharing only), 4 × 2 in round 3.
  assert.equal(secagg.length, 12 + 10 + 8);
  assert.equal(secagg.filter(({ site }) => site === 'se-memory').length, 4 + 2);

  const rec = run.result.perSeed.find((r) => r.arm === 'fedavg+secagg')!;
  const rounds = rec.wrappers!.rounds;
  assert.equal(rounds.length, 3);
  assert.equal(rounds[1].aborted, null, 'round 2 completed');
  assert.deepEqual(rounds[1].participants, SITES);
  assert.deepEqual(rounds[1].contributors, ['us-academic', 'us-community']);
  assert.deepEqual(rounds[1].dropouts, ['se-memory']);
  assert.deepEqual(rounds[2].contributors, ['us-academic', 'us-community']);
  assert.equal(rec.wrappers!.maxAbsDiffVsPlaintext, null, 'the aggregator had no plaintext to compare with');
  assert.equal(rec.wrappers!.roundsAborted, 0);
  const ev = run.result.transport!.events.filter((e) => e.site === 'se-memory' && e.round === 2 && e.arm === 'fedavg+secagg');
  assert.ok(ev.some((e) => /secure aggregation masked-input/.test(e.message)), JSON.stringify(run.result.transport!.events));
  assert.ok(rec.convergence!.every((c) => c.pooledAuc !== null && c.pooledAuc > 0.5), JSON.stringify(rec.convergence));
});
