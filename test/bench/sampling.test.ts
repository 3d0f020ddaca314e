import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runBench } from '../../src/bench/runner.js';
import type { ArmSeedResult } from '../../src/bench/results.js';

const root = new URL('../../../', import.meta.url);
const SCENARIO = new URL('scenarios/alzheimers-3site.yaml', root).pathname;

/**
 * Block-shuffled minibatches (issue 19) change the order of the non-private SGD arms only:
 * sample-level DP arms keep Poisson sampling on the rows as stored (their accountant's
 * assumption), so they are bit-identical under either setting.
 */
describe('bench sampling: block-shuffle vs reshuffle', () => {
  test('DP-SGD arms are identical under both; non-private arms change, within seed noise', async () => {
    const run = (sampling: 'block-shuffle' | 'reshuffle') =>
      runBench(SCENARIO, {
        overrides: { sampling, seeds: [0, 1], rounds: 3, arms: ['central', 'fedavg'], privacy: { level: 'sample', epsilons: [1], noiseSeed: 11 } },
        workers: 1,
      });
    const block = await run('block-shuffle');
    const reshuffle = await run('reshuffle');
    assert.equal(block.result.config.sampling, 'block-shuffle');
    assert.equal(reshuffle.result.config.sampling, 'reshuffle');
    const byKey = (rs: ArmSeedResult[]) => new Map(rs.map((r) => [`${r.arm}/${r.seed}`, r]));
    const a = byKey(block.result.perSeed);
    const b = byKey(reshuffle.result.perSeed);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    let dpArms = 0;
    for (const [key, r] of a) {
      const other = b.get(key)!;
      if (r.privacy) {
        dpArms++;
        assert.deepEqual(r, other, `${key}: a DP-SGD arm must not depend on the sampling setting`);
      } else {
        assert.notDeepEqual(r.pooled, other.pooled, `${key}: the setting should change the non-private arm`);
        assert.ok(Math.abs((r.pooled.auc as number) - (other.pooled.auc as number)) < 0.03, `${key}: AUC ${r.pooled.auc} vs ${other.pooled.auc}`);
      }
    }
    assert.equal(dpArms, 4, 'central+dp and fedavg+dp on 2 seeds');
  });
});
