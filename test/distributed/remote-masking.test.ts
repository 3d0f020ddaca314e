/**
 * The distributed masking protocol (remote-masking.ts with site-masking.ts at each site), every
 * message through the real codec, against the in-process MaskingAggregator given the same updates,
 * weights, rounding streams and dropouts: the sums must agree bit for bit, with and without a site
 * lost after key sharing (the dropout path: its mask key rebuilt from the survivors' shares).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, type Message } from '../../src/distributed/codec.js';
import { TaskFailed, type Aggregator, type TransportEvent } from '../../src/distributed/aggregator.js';
import { remoteMaskingSum, type MaskingStage } from '../../src/distributed/remote-masking.js';
import { SiteMasking, type SecAggTask } from '../../src/distributed/site-masking.js';
import { MaskingAggregator, maskingDefaults } from '../../src/secagg/masking-aggregator.js';
import { flatten, secaggSiteRng, uniformSource } from '../../src/bench/wrapped-aggregation.js';
import type { ClientUpdate } from '../../src/federated/strategy.js';
import type { SiteWork } from '../../src/bench/site-clients.js';
import type { DropoutStage } from '../../src/secagg/secure-sum.js';
import { Xoshiro128 } from '../../src/random/rng.js';

const SITES = ['a-site', 'b-site', 'c-site', 'd-site'];
const D = 50;
const SEED = 4;
const ARM = 'fedavg+secagg';
const ROUND = 3;
const work = { arm: ARM, seed: SEED, secureAggregation: 'masking' } as SiteWork;

function scenario() {
  const rng = new Xoshiro128(Uint32Array.of(1, 2, 3, 4));
  const x = Float64Array.from({ length: D }, () => rng.uniform() - 0.5);
  const updates: ClientUpdate[] = SITES.map((id, k) => ({
    clientId: id,
    exampleCount: 50 + 17 * k,
    params: Float64Array.from(x, (v) => v + (rng.uniform() - 0.5) * 0.2),
    vectors: { control: Float64Array.from({ length: D }, () => rng.uniform() - 0.5) },
    trainLoss: 0.5,
    steps: 3,
    examplesSeen: 100,
  }));
  return { x, updates };
}

/** A stand-in for the network Aggregator: each task is encoded, decoded, handled by the site's SiteMasking, and the answer encoded and decoded back. */
function fakeAggregator(sites: Map<string, SiteMasking>, dead: Set<string>) {
  const events: Omit<TransportEvent, 'atMs'>[] = [];
  const wire = (m: Message) => decodeMessage(encodeMessage(m, 4096));
  const agg = {
    event: (e: Omit<TransportEvent, 'atMs'>) => events.push(e),
    runTask: async (site: string, kind: string, header: Record<string, unknown>, vectors: Record<string, Float64Array>) => {
      if (dead.has(site)) throw new TaskFailed('dropped', `site ${site} disconnected`);
      const task = wire({ taskId: 't', kind, siteId: site, header, vectors });
      const reply = await sites.get(site)!.handle(task.header as unknown as SecAggTask);
      return wire({ taskId: 't', kind: 'ok', siteId: site, header: { ...reply }, vectors: {} });
    },
  };
  return { agg: agg as unknown as Aggregator, events };
}

async function bothWays(killAt: { site: number; stage: MaskingStage } | null) {
  const { x, updates } = scenario();
  const config = { ...maskingDefaults({ graphSeed: 9 }), maxWeight: 1000 };
  const weights = updates.map((u) => u.exampleCount);
  const keys = ['control'];
  // In-process reference: the same inputs, rounding streams and the dropout given explicitly.
  const dropouts = new Map<number, DropoutStage>(killAt ? [[killAt.site, killAt.stage === 'masked-input' ? 'before-masked-input' : 'before-unmask']] : []);
  const reference = await new MaskingAggregator(config, SITES.length).sum({
    updates: updates.map((u) => flatten(u, x, keys)),
    weights,
    round: ROUND,
    rng: uniformSource(SEED, ARM, 'secagg', String(ROUND)),
    siteRng: (k) => secaggSiteRng(SEED, ARM, ROUND, SITES[k]),
    dropouts,
  });
  // Distributed: each site holds its own update; one is killed before the given stage.
  const sites = new Map(SITES.map((id) => [id, new SiteMasking(id)]));
  updates.forEach((u) => sites.get(u.clientId)!.hold(SEED, ARM, ROUND, u, x));
  const dead = new Set<string>();
  const { agg, events } = fakeAggregator(sites, dead);
  const remote = await remoteMaskingSum(
    agg,
    work,
    { round: ROUND, sites: SITES, weights, dimension: 2 * D, config, rng: uniformSource(SEED, ARM, 'secagg', String(ROUND)) },
    {
      stageDeadlineMs: 1000,
      beforeStage: ({ stage }) => {
        if (killAt && stage === killAt.stage) dead.add(SITES[killAt.site]);
      },
    },
  );
  return { reference, remote, events };
}

test('distributed masking: the sum equals the in-process protocol bit for bit, and the aggregator gets masked vectors only', async () => {
  const { reference, remote, events } = await bothWays(null);
  assert.deepEqual(remote.contributors, [0, 1, 2, 3]);
  assert.deepEqual(Buffer.from(remote.mean.buffer), Buffer.from(reference.mean.buffer));
  assert.equal(remote.weightTotal, reference.weightTotal);
  assert.deepEqual(remote.bytesUpPerSite, reference.bytesUpPerSite);
  assert.deepEqual(remote.bytesDownPerSite, reference.bytesDownPerSite);
  assert.deepEqual(remote.clippedPerSite, reference.clippedPerSite);
  assert.deepEqual(events, []);
});

test('distributed masking: a site lost after sharing keys is unmasked from the survivors\' shares; the sum is the survivors\', bit for bit', async () => {
  const { reference, remote, events } = await bothWays({ site: 1, stage: 'masked-input' });
  assert.deepEqual(remote.contributors, [0, 2, 3]);
  assert.deepEqual(reference.contributors, [0, 2, 3]);
  assert.deepEqual(remote.dropouts, [{ site: 1, stage: 'before-masked-input' }]);
  assert.deepEqual(Buffer.from(remote.mean.buffer), Buffer.from(reference.mean.buffer));
  // Independent check: the weighted mean of the survivors' plaintext deltas, within the protocol's bound.
  const { x, updates } = scenario();
  const keep = [0, 2, 3];
  const w = keep.reduce((a, k) => a + updates[k].exampleCount, 0);
  for (let j = 0; j < D; j++) {
    const exact = keep.reduce((a, k) => a + (updates[k].exampleCount / w) * (updates[k].params[j] - x[j]), 0);
    assert.ok(Math.abs(remote.mean[j] - exact) <= remote.meanAbsErrorBound + 1e-12, `coordinate ${j}: ${remote.mean[j]} vs ${exact}`);
  }
  assert.equal(events.length, 1);
  assert.match(events[0].message, /masked-input.*b-site dropped/);
});

test('distributed masking: a site lost after sending its input stays in the sum', async () => {
  const { reference, remote } = await bothWays({ site: 2, stage: 'unmask' });
  assert.deepEqual(remote.contributors, [0, 1, 2, 3]);
  assert.deepEqual(Buffer.from(remote.mean.buffer), Buffer.from(reference.mean.buffer));
});
