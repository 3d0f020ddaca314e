import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runBench } from '../../src/bench/runner.js';
import type { ArmSeedResult } from '../../src/bench/results.js';

const root = new URL('../../../', import.meta.url);
const SCENARIO = new URL('scenarios/alzheimers-3site.yaml', root).pathname;

/**
 * bench.evaluateEvery (issue 19, target 3): the per-round pooled-test evaluation of federated
 * arms every k rounds and after the last. Training must not change, only the curve's resolution.
 */
describe('bench evaluateEvery', () => {
  test('k = 3 over 7 rounds: AUC at rounds 3, 6 and 7 only, equal to the every-round run there; final metrics identical', async () => {
    const run = (evaluateEvery: number) =>
      runBench(SCENARIO, { overrides: { evaluateEvery, seeds: [0], rounds: 7, arms: ['central', 'fedavg', 'fedprox'] }, workers: 1 });
    const every = await run(1);
    const sparse = await run(3);
    assert.equal(every.result.config.evaluateEvery, 1);
    assert.equal(sparse.result.config.evaluateEvery, 3);
    const byArm = (rs: ArmSeedResult[]) => new Map(rs.map((r) => [r.arm, r]));
    const a = byArm(every.result.perSeed);
    const b = byArm(sparse.result.perSeed);
    for (const arm of ['fedavg', 'fedprox']) {
      const full = a.get(arm)!;
      const thin = b.get(arm)!;
      assert.deepEqual(thin.pooled, full.pooled, `${arm}: the final evaluation must not depend on k`);
      assert.equal(thin.convergence!.length, 7);
      const evaluatedRounds = thin.convergence!.filter((r) => r.pooledAuc !== null).map((r) => r.round);
      assert.deepEqual(evaluatedRounds, [3, 6, 7]);
      for (const round of evaluatedRounds) assert.equal(thin.convergence![round - 1].pooledAuc, full.convergence![round - 1].pooledAuc, `${arm} round ${round}`);
      for (let k = 0; k < 7; k++) assert.equal(thin.convergence![k].bytesUp, full.convergence![k].bytesUp);
      // Rounds-to-target can only be later (a multiple of 3 or the last round), never earlier.
      if (thin.roundsToTarget != null) {
        assert.ok([3, 6, 7].includes(thin.roundsToTarget), `${arm}: rounds-to-target ${thin.roundsToTarget}`);
        assert.ok(full.roundsToTarget != null && thin.roundsToTarget >= full.roundsToTarget);
      }
    }
    assert.deepEqual(b.get('central')!.pooled, a.get('central')!.pooled);
  });
});
