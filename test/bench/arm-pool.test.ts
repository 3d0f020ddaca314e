import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextPoolTask, type SeedProgress } from '../../src/bench/arm-pool.js';
import { runBench } from '../../src/bench/runner.js';
import { shareTypedArrays } from '../../src/bench/shared-data.js';

const root = new URL('../../../', import.meta.url);
const SCENARIO = new URL('scenarios/alzheimers-3site.yaml', root).pathname;

describe('arm × seed worker pool (issue 19)', () => {
  test('scheduler: seeds prepared in order within the live window, the reference arm before the others of its seed', () => {
    const seed = (o: Partial<SeedProgress> = {}): SeedProgress => ({ preparing: false, prepared: false, started: new Set(), done: new Set(), ...o });
    // Nothing prepared: prepare seed 0, then (seed 0 preparing) seed 1, then wait (window of 2 full).
    assert.deepEqual(nextPoolTask([seed(), seed(), seed()], null, 1, 2), { kind: 'prepare', seedIndex: 0 });
    assert.deepEqual(nextPoolTask([seed({ preparing: true }), seed(), seed()], null, 1, 2), { kind: 'prepare', seedIndex: 1 });
    assert.equal(nextPoolTask([seed({ preparing: true }), seed({ preparing: true }), seed()], null, 1, 2), 'wait');
    // Seed 0 prepared, plan of 3 arms with the reference at index 1: the reference arm first.
    const s0 = seed({ prepared: true });
    assert.deepEqual(nextPoolTask([s0, seed({ preparing: true }), seed()], 3, 1, 2), { kind: 'arm', seedIndex: 0, planIndex: 1 });
    // Reference running: seed 0's other arms wait for it; seed 2 may not be prepared (window full).
    s0.started.add(1);
    assert.equal(nextPoolTask([s0, seed({ preparing: true }), seed()], 3, 1, 2), 'wait');
    // Reference done: the other arms in plan order.
    s0.done.add(1);
    assert.deepEqual(nextPoolTask([s0, seed({ preparing: true }), seed()], 3, 1, 2), { kind: 'arm', seedIndex: 0, planIndex: 0 });
    s0.started.add(0);
    assert.deepEqual(nextPoolTask([s0, seed({ preparing: true }), seed()], 3, 1, 2), { kind: 'arm', seedIndex: 0, planIndex: 2 });
    // Seed 0 finished: it leaves the window, so seed 2 may be prepared.
    for (const k of [0, 2]) (s0.started.add(k), s0.done.add(k));
    assert.deepEqual(nextPoolTask([s0, seed({ preparing: true }), seed()], 3, 1, 2), { kind: 'prepare', seedIndex: 2 });
    // No reference arm: any arm may start at once. Everything done: finished.
    assert.deepEqual(nextPoolTask([seed({ prepared: true })], 2, -1, 1), { kind: 'arm', seedIndex: 0, planIndex: 0 });
    const all = seed({ prepared: true, started: new Set([0, 1]), done: new Set([0, 1]) });
    assert.equal(nextPoolTask([all, all], 2, -1, 2), 'finished');
  });

  test('scheduler: a thread keeps to its seed, then prepares a new one, and only then joins another thread\'s seed', () => {
    const seed = (o: Partial<SeedProgress> = {}): SeedProgress => ({ preparing: false, prepared: false, started: new Set(), done: new Set(), ...o });
    const refDone = () => seed({ prepared: true, started: new Set([0]), done: new Set([0]) });
    // Seeds 0 and 1 both have arms left (reference 0 done): the thread holding seed 1 stays on it.
    assert.deepEqual(nextPoolTask([refDone(), refDone(), seed()], 3, 0, 3, 1), { kind: 'arm', seedIndex: 1, planIndex: 1 });
    // Without a seed of its own, a thread prepares a new seed while the window allows...
    assert.deepEqual(nextPoolTask([refDone(), seed(), seed()], 3, 0, 2, null), { kind: 'prepare', seedIndex: 1 });
    // ...and its own seed finished, too (finished seeds leave the window).
    const done0 = seed({ prepared: true, started: new Set([0, 1, 2]), done: new Set([0, 1, 2]) });
    assert.deepEqual(nextPoolTask([done0, refDone(), seed()], 3, 0, 2, 0), { kind: 'prepare', seedIndex: 2 });
    // Window full or no seed left to prepare: it helps with the first seed that has arms left.
    assert.deepEqual(nextPoolTask([done0, refDone(), seed({ preparing: true })], 3, 0, 2, 0), { kind: 'arm', seedIndex: 1, planIndex: 1 });
    assert.deepEqual(nextPoolTask([refDone(), refDone()], 3, 0, 2, null), { kind: 'arm', seedIndex: 0, planIndex: 1 });
    // Its seed's reference arm still running elsewhere: nothing of that seed yet, so elsewhere.
    const refRunning = seed({ prepared: true, started: new Set([0]) });
    assert.deepEqual(nextPoolTask([refDone(), refRunning], 3, 0, 2, 1), { kind: 'arm', seedIndex: 0, planIndex: 1 });
    // Out-of-range held seeds are ignored.
    assert.deepEqual(nextPoolTask([refDone()], 3, 0, 1, 7), { kind: 'arm', seedIndex: 0, planIndex: 1 });
  });

  test('shareTypedArrays moves nested typed arrays into shared memory, values unchanged', () => {
    const x = Float64Array.from([1, 2, 3]);
    const root = { a: { x, ids: ['p1', 'p2'] }, list: [Int8Array.from([1, -1])], n: 3 };
    shareTypedArrays(root);
    assert.ok(root.a.x.buffer instanceof SharedArrayBuffer);
    assert.ok(root.list[0].buffer instanceof SharedArrayBuffer);
    assert.deepEqual([...root.a.x], [1, 2, 3]);
    assert.deepEqual([...root.list[0]], [1, -1]);
    assert.deepEqual(root.a.ids, ['p1', 'p2']);
  });

  test('results and predictions are identical with 1, 2 and 3 workers (arms incl. DP-SGD with seeded noise, 3 seeds)', async () => {
    const run = (workers: number) =>
      runBench(SCENARIO, {
        overrides: { seeds: [0, 1, 2], rounds: 3, arms: ['local', 'central', 'fedavg'], privacy: { level: 'sample', epsilons: [2], noiseSeed: 5 } },
        workers,
      });
    const one = await run(1);
    // roundsToTarget depends on the central arm's AUC: it must have been computed (not left null everywhere).
    assert.ok(one.result.perSeed.some((r) => r.arm === 'fedavg' && r.roundsToTarget !== undefined));
    for (const workers of [2, 3]) {
      const many = await run(workers);
      assert.deepEqual(many.result, one.result, `${workers} workers`);
      assert.deepEqual(
        many.outcomes.map((o) => o.predictions),
        one.outcomes.map((o) => o.predictions),
      );
      // Seeds prepared in the workers equal seeds prepared here (labels, splits, ids, matrices).
      assert.deepEqual(many.prepared, one.prepared, `${workers} workers: prepared seeds`);
    }
  });

  test('keepMatrices false: the same results, finished seeds without design matrices (labels, ids and splits kept)', async () => {
    const run = (workers: number, keepMatrices?: boolean) =>
      runBench(SCENARIO, { overrides: { seeds: [0, 1, 2], rounds: 2, arms: ['central', 'fedavg'] }, workers, ...(keepMatrices === undefined ? {} : { keepMatrices }) });
    const kept = await run(1);
    for (const workers of [1, 2]) {
      const light = await run(workers, false);
      assert.deepEqual(light.result, kept.result, `${workers} workers`);
      for (const [k, p] of light.prepared.entries()) {
        const full = kept.prepared[k];
        assert.equal(p.seed, full.seed);
        for (const [j, site] of p.sites.entries()) {
          for (const split of ['train', 'validation', 'test'] as const) {
            assert.equal(site[split].data.x.length, 0);
            assert.ok(full.sites[j][split].data.x.length > 0);
            assert.deepEqual(site[split].data.y, full.sites[j][split].data.y);
            assert.deepEqual(site[split].patientIds, full.sites[j][split].patientIds);
          }
          assert.deepEqual(site.splitOfRow, full.sites[j].splitOfRow);
        }
      }
    }
  });
});
