/** runFederatedAsync: the same round loop as runFederated, aggregating through an injected hook. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runFederated, runFederatedAsync, type AggregationHook } from '../../src/federated/run-federated.js';
import { STRATEGY_NAMES, type FederatedClient, type FederatedRunOptions, type StrategyConfig } from '../../src/federated/types.js';
import { logisticData, logisticModel, sameBits } from './toy-models.js';

const D = 4;
const MODEL = logisticModel(D, 1e-3);

function options(strategy: StrategyConfig, rounds = 4): FederatedRunOptions {
  const clients: FederatedClient[] = ['a', 'b', 'c'].map((id, k) => ({ id, train: logisticData(40 + 13 * k, D, 100 + k) }));
  return {
    model: MODEL,
    clients,
    strategy,
    rounds,
    clientFraction: 1,
    local: { batchSize: 8, steps: 5, optimizer: { kind: 'sgd', learningRate: 0.1 } },
    initialParams: new Float64Array(MODEL.paramCount),
    seed: 7,
    streamLabel: 'async-test',
  };
}

describe('runFederatedAsync', () => {
  for (const name of STRATEGY_NAMES) {
    test(`${name}: without a hook, and with a hook calling the strategy's aggregate, bit-identical to runFederated`, async () => {
      const sync = runFederated(options({ name }));
      const plain = await runFederatedAsync(options({ name }));
      const hook: AggregationHook = async ({ updates, state, strategy }) => ({ aggregated: strategy.aggregate(updates, state) });
      const hooked = await runFederatedAsync(options({ name }), hook);
      assert.ok(sameBits(plain.params, sync.params));
      assert.ok(sameBits(hooked.params, sync.params));
      assert.deepEqual(hooked.rounds, sync.rounds);
    });
  }

  test('a hook returning no aggregate leaves the model unchanged; measured bytes replace the float32 estimate', async () => {
    const opts = options({ name: 'fedavg' }, 3);
    const seen: number[] = [];
    const hook: AggregationHook = async ({ round, participants }) => {
      seen.push(round);
      return { aggregated: null, bytesUp: Object.fromEntries(participants.map((id) => [id, 100 + round])), extraBytesDown: Object.fromEntries(participants.map((id) => [id, 7])) };
    };
    const run = await runFederatedAsync(opts, hook);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.ok(sameBits(run.params, opts.initialParams), 'no round updated the model');
    const float32 = 4 * MODEL.paramCount;
    for (const log of run.rounds) {
      for (const id of log.participants) {
        assert.equal(log.bytesUp[id], 100 + log.round);
        assert.equal(log.bytesDown[id], float32 + 7);
      }
    }
  });
});
