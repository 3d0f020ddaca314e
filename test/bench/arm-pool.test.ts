import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { armTaskPhases } from '../../src/bench/arm-pool.js';
import type { ArmPlan } from '../../src/bench/arm-plan.js';
import { runBench } from '../../src/bench/runner.js';
import { shareTypedArrays } from '../../src/bench/shared-data.js';

const root = new URL('../../../', import.meta.url);
const SCENARIO = new URL('scenarios/alzheimers-3site.yaml', root).pathname;

describe('arm × seed worker pool (issue 19)', () => {
  test('phases: the non-private central arm of every seed first, then every other arm, seed-major', () => {
    const plans = [{ name: 'local' }, { name: 'central' }, { name: 'central+dp', privacy: {} }, { name: 'fedavg' }] as unknown as ArmPlan[];
    const phases = armTaskPhases(2, plans);
    assert.deepEqual(phases[0], [{ seedIndex: 0, planIndex: 1 }, { seedIndex: 1, planIndex: 1 }]);
    assert.deepEqual(phases[1].map((t) => `${t.seedIndex}:${t.planIndex}`), ['0:0', '0:2', '0:3', '1:0', '1:2', '1:3']);
    assert.equal(armTaskPhases(3, [{ name: 'fedavg' }] as unknown as ArmPlan[]).length, 1);
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
    }
  });
});
