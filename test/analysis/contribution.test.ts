/**
 * Site contribution from recorded rounds: the recorder leaves training bit-identical, the
 * full-coalition reconstruction of FedAvg is its aggregate (so Shapley values add up to the
 * utility gain of the run: efficiency telescopes over rounds), and exact retraining agrees with
 * the reconstruction where they must (one round of full-batch FedAvg with one local step is
 * linear in the weights: every coalition model is the reconstructed one).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { meanLogLossOfLogits, reconstructedValues, retrainedValues, spearman, validationUtility } from '../../src/analysis/contribution.js';
import { RoundRecorder } from '../../src/bench/round-recorder.js';
import { runFederated, runFederatedAsync } from '../../src/federated/run-federated.js';
import { STRATEGY_NAMES, type FederatedClient, type FederatedRunOptions, type StrategyConfig } from '../../src/federated/types.js';
import { logisticData, logisticModel, sameBits } from '../federated/toy-models.js';

const D = 4;
const MODEL = logisticModel(D, 1e-3);
const VALIDATION = logisticData(300, D, 999);
const utility = validationUtility(MODEL, VALIDATION);

function options(strategy: StrategyConfig, rounds = 4, ids = ['a', 'b', 'c'], steps = 5, batchSize = 8): FederatedRunOptions {
  const clients: FederatedClient[] = ids.map((id, k) => ({ id, train: logisticData(40 + 13 * k, D, 100 + k, k === 2 ? 0.5 : 0) }));
  return {
    model: MODEL,
    clients,
    strategy,
    rounds,
    clientFraction: 1,
    local: { batchSize, steps, optimizer: { kind: 'sgd', learningRate: 0.1 } },
    initialParams: new Float64Array(MODEL.paramCount),
    seed: 7,
    streamLabel: 'contribution-test',
  };
}

describe('RoundRecorder', () => {
  for (const name of STRATEGY_NAMES) {
    test(`${name}: recording every round leaves the run bit-identical`, async () => {
      const plain = runFederated(options({ name }));
      const recorder = new RoundRecorder();
      const recorded = await runFederatedAsync(options({ name }), recorder.hook());
      assert.ok(sameBits(plain.params, recorded.params));
      assert.equal(recorder.rounds.length, 4);
      assert.deepEqual(recorder.rounds[0].updates.map((u) => u.clientId), ['a', 'b', 'c']);
    });
  }
});

describe('reconstructedValues', () => {
  test('FedAvg: Shapley values add up to U(final) - U(initial) (efficiency telescopes over rounds)', async () => {
    const recorder = new RoundRecorder();
    const opts = options({ name: 'fedavg' }, 6);
    const run = await runFederatedAsync(opts, recorder.hook());
    const values = reconstructedValues(['a', 'b', 'c'], recorder.rounds, utility);
    const sum = values.shapley.reduce((a, b) => a + b, 0);
    const gain = utility.ofParams(run.params) - utility.ofParams(opts.initialParams);
    assert.ok(Math.abs(sum - gain) < 1e-12, `${sum} vs ${gain}`);
    assert.ok(Math.abs(values.total - gain) < 1e-12);
  });

  test('one round of FedAvg: exact retraining of every coalition gives the reconstructed values', async () => {
    const recorder = new RoundRecorder();
    const opts = options({ name: 'fedavg' }, 1);
    await runFederatedAsync(opts, recorder.hook());
    const reconstructed = reconstructedValues(['a', 'b', 'c'], recorder.rounds, utility);
    const retrained = retrainedValues(opts, utility);
    reconstructed.shapley.forEach((phi, i) => assert.ok(Math.abs(phi - retrained.shapley[i]) < 1e-12, `${phi} vs ${retrained.shapley[i]}`));
    reconstructed.leaveOneOut.forEach((l, i) => assert.ok(Math.abs(l - retrained.leaveOneOut[i]) < 1e-12));
  });
});

describe('validationUtility', () => {
  test('the logistic fast path (coalition logits from member logits, Gray-code walk) equals reconstructing parameters', async () => {
    assert.ok(utility.linear, 'the toy logistic model takes the linear path');
    const recorder = new RoundRecorder();
    await runFederatedAsync(options({ name: 'fedprox' }, 3), recorder.hook());
    const fast = reconstructedValues(['a', 'b', 'c'], recorder.rounds, utility);
    const slow = reconstructedValues(['a', 'b', 'c'], recorder.rounds, { ofParams: utility.ofParams });
    fast.shapley.forEach((phi, i) => assert.ok(Math.abs(phi - slow.shapley[i]) < 1e-9, `${phi} vs ${slow.shapley[i]}`));
  });

  test('log-loss of logits equals the direct formula', () => {
    const y = Float64Array.of(1, 0, 1);
    const z = Float64Array.of(2, -1, -40);
    const direct = -(Math.log(1 / (1 + Math.exp(-2))) + Math.log(1 - 1 / (1 + Math.exp(1))) + Math.log(1 / (1 + Math.exp(40)))) / 3;
    assert.ok(Math.abs(meanLogLossOfLogits(y, z) - direct) < 1e-12);
  });
});

describe('spearman', () => {
  test('+1 for the same order, -1 for the reverse, average ranks for ties', () => {
    assert.equal(spearman([1, 2, 3], [10, 20, 30]), 1);
    assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
    assert.ok(Math.abs(spearman([1, 1, 2], [1, 2, 3]) - Math.sqrt(3) / 2) < 1e-12);
  });
});
