import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runVerticalExperiment, type VerticalExperimentResult } from '../../src/vertical/experiment.js';
import { baseConfig, verticalFixture } from './helpers.js';

const withoutTimes = (r: VerticalExperimentResult) => ({ ...r, arms: r.arms.map(({ wallMs: _w, ...rest }) => rest) });

describe('runVerticalExperiment', () => {
  test('every arm in order, leakage per partner and attack, deterministic for a seed', async () => {
    const data = verticalFixture({ n: 900, cols: [2, 3, 3], seed: 31, intercept: -2 });
    const config = baseConfig({ epochs: 4, batchSize: 32, leakageDefence: { noiseMultiplier: 4 } });
    const progress: string[] = [];
    const first = await runVerticalExperiment(data, config, (e) => progress.push(`${e.arm}:${e.epoch}`));
    assert.deepEqual(
      first.arms.map((a) => a.arm),
      ['central', 'label-holder-only', 'label-holder+party1', 'label-holder+party2', 'split-learning', 'split-learning+defence', 'vertical-lr'],
    );
    assert.deepEqual(progress.filter((p) => p.startsWith('vertical-lr')), ['vertical-lr:1', 'vertical-lr:2', 'vertical-lr:3', 'vertical-lr:4']);
    const byArm = Object.fromEntries(first.arms.map((a) => [a.arm, a]));
    // float32 wire vs float64 central: the same model up to rounding, so the same AUC to 3 decimals.
    assert.ok(Math.abs(byArm['split-learning'].auc - byArm.central.auc) < 1e-3);
    assert.ok(byArm.central.auc > byArm['label-holder-only'].auc + 0.02, 'partners add signal');
    for (const a of first.arms) {
      assert.ok(a.auc > 0.5 && a.auc <= 1 && a.f1 >= 0 && a.f1 <= 1, `${a.arm}: auc ${a.auc}, f1 ${a.f1}`);
      assert.equal(a.bytesPerEpoch, a.bytesByDirection.forward + a.bytesByDirection.backward);
      assert.equal(a.bytesPerEpoch > 0, a.arm.startsWith('split') || a.arm === 'vertical-lr', a.arm);
      assert.equal(a.protocol !== undefined, a.arm.startsWith('split') || a.arm === 'vertical-lr', a.arm);
    }
    assert.equal(byArm['vertical-lr'].protocol, 'vertical LR (Hardy et al. 2017, Taylor loss), masked: Beaver triples over Z_2^64, fixed point 2^-20');
    assert.match(byArm['split-learning+defence'].protocol as string, /linear bottoms, float32 wire, gaussian\(noiseMultiplier=4\)/);
    assert.deepEqual(
      first.leakage.map((l) => `${l.attackerPartyId}/${l.attack}`),
      ['party1/gradient-norm', 'party1/gradient-direction', 'party2/gradient-norm', 'party2/gradient-direction'],
    );
    for (const l of first.leakage) {
      assert.equal(l.defence, 'gaussian(noiseMultiplier=4)');
      assert.ok(l.attackAuc > 0.8 && l.defenceAttackAuc < l.attackAuc, `${l.attack}: ${l.attackAuc} → ${l.defenceAttackAuc}`);
      assert.equal(l.aucCost, byArm['split-learning'].auc - byArm['split-learning+defence'].auc);
    }
    const second = await runVerticalExperiment(data, config);
    assert.deepEqual(withoutTimes(second), withoutTimes(first));
  });

  test('without a defence there is no defended arm and the leakage rows say so', async () => {
    const data = verticalFixture({ n: 300, cols: [2, 2], seed: 32 });
    const result = await runVerticalExperiment(data, baseConfig());
    assert.ok(!result.arms.some((a) => a.arm === 'split-learning+defence'));
    for (const l of result.leakage) {
      assert.equal(l.defence, null);
      assert.equal(l.defenceAttackAuc, l.attackAuc);
      assert.equal(l.aucCost, 0);
    }
  });

  test('config.arms runs only the arms named; without split learning there are no leakage rows', async () => {
    const data = verticalFixture({ n: 300, cols: [2, 2, 1], seed: 34 });
    const some = await runVerticalExperiment(data, baseConfig({ arms: ['label-holder+party', 'vertical-lr'], leakageDefence: { noiseMultiplier: 2 } }));
    assert.deepEqual(some.arms.map((a) => a.arm), ['label-holder+party1', 'label-holder+party2', 'vertical-lr']);
    assert.deepEqual(some.leakage, []);
    const undefended = await runVerticalExperiment(data, baseConfig({ arms: ['split-learning'], leakageDefence: { noiseMultiplier: 2 } }));
    assert.deepEqual(undefended.arms.map((a) => a.arm), ['split-learning']);
    assert.ok(undefended.leakage.length === 4 && undefended.leakage.every((l) => l.defence === null && l.defenceAttackAuc === l.attackAuc));
    await assert.rejects(runVerticalExperiment(data, baseConfig({ arms: ['centrall' as never] })), /unknown arm 'centrall'/);
  });

  test('inconsistent input is refused with a message naming the problem', async () => {
    const data = verticalFixture({ n: 50, cols: [2, 2], seed: 33 });
    await assert.rejects(runVerticalExperiment({ ...data, labelPartyId: 'nobody' }, baseConfig()), /label party 'nobody'/);
    await assert.rejects(runVerticalExperiment(data, baseConfig({ batchSize: 0 })), /batchSize/);
    const short = { ...data.parties[1], rows: 49, values: data.parties[1].values.subarray(0, 98) };
    await assert.rejects(runVerticalExperiment({ ...data, parties: [data.parties[0], short] }, baseConfig()), /party 'party1' has 49 rows/);
  });
});
