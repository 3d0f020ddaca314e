/** Sample-level DP-SGD inside federated clients (LocalConfig.trainer = DpSgdLocalTrainer): each site its own DP-SGD run. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientSampleRate, DpSgdLocalTrainer, type LocalDpSgdConfig } from '../../src/privacy/dp-local-trainer.js';
import { clientRandom, runFederated } from '../../src/federated/run-federated.js';
import type { FederatedRunOptions, LocalConfig, StrategyName } from '../../src/federated/types.js';
import { LogisticRegression } from '../../src/model/logistic.js';
import { createOptimizer } from '../../src/model/optimizer.js';
import { trainDpSgd } from '../../src/privacy/dp-sgd.js';
import { sameBits } from '../federated/toy-models.js';
import { syntheticData } from '../model/helpers.js';
import { SeededGaussianNoise } from './seeded-noise.js';

const MODEL = new LogisticRegression(5, 1e-3);

function dpConfig(calls: string[] = []): LocalDpSgdConfig {
  return {
    noiseMultiplier: 1.1,
    clipNorm: 0.8,
    noise: (clientId, round) => {
      calls.push(`${clientId}/${round}`);
      return new SeededGaussianNoise(round, clientId);
    },
  };
}

function local(calls: string[] = [], over: Partial<LocalDpSgdConfig> = {}): LocalConfig {
  return {
    batchSize: 10,
    epochs: 2,
    optimizer: { kind: 'sgd', learningRate: 0.2 },
    trainer: new DpSgdLocalTrainer({ ...dpConfig(calls), ...over }),
  };
}

function options(over: Partial<FederatedRunOptions>): FederatedRunOptions {
  return {
    model: MODEL,
    clients: [
      { id: 'a', train: syntheticData(45, 5, 1) },
      { id: 'b', train: syntheticData(83, 5, 2) },
      { id: 'c', train: syntheticData(60, 5, 3) },
    ],
    strategy: { name: 'fedavg' },
    rounds: 3,
    clientFraction: 1,
    local: local(),
    initialParams: new Float64Array(6),
    seed: 5,
    streamLabel: 'fed-dp',
    ...over,
  };
}

describe('federated clients with DP-SGD', () => {
  test('one client equals central trainDpSgd on the same sampling stream and noise, bit for bit', () => {
    const client = { id: 'solo', train: syntheticData(70, 5, 4) };
    const fed = runFederated(options({ clients: [client] }));
    const central = new Float64Array(6);
    for (let round = 1; round <= 3; round++) {
      trainDpSgd(MODEL, central, client.train, {
        sampleRate: 1 / 7, // 1/⌈70/10⌉
        noiseMultiplier: 1.1,
        clipNorm: 0.8,
        epochs: 2,
        optimizer: createOptimizer({ kind: 'sgd', learningRate: 0.2 }),
        random: clientRandom(5, 'fed-dp', 'solo', round),
        noise: new SeededGaussianNoise(round, 'solo'),
      });
    }
    assert.ok(sameBits(fed.params, central));
    assert.ok(central.some((v) => v !== 0));
  });

  test('per-site accounting inputs: steps = epochs·⌊1/q_k⌋ with q_k = 1/⌈n_k/B⌉; noise per (client, round); losses withheld', () => {
    const calls: string[] = [];
    const opts = options({ local: local(calls) });
    const result = runFederated(opts);
    for (const c of opts.clients) {
      const q = clientSampleRate(opts.local, c.train.n);
      assert.equal(q, 1 / Math.ceil(c.train.n / 10));
      for (const r of result.rounds) assert.equal(r.localSteps[c.id], 2 * Math.ceil(c.train.n / 10));
    }
    assert.deepEqual(calls, ['a/1', 'b/1', 'c/1', 'a/2', 'b/2', 'c/2', 'a/3', 'b/3', 'c/3']);
    assert.ok(result.rounds.every((r) => Number.isNaN(r.meanTrainLoss)));
    const released = runFederated(options({ local: local([], { releaseTrainingLoss: true }) }));
    assert.ok(released.rounds.every((r) => Number.isFinite(r.meanTrainLoss)));
    assert.ok(sameBits(released.params, result.params), 'releasing the loss changes nothing else');
  });

  test('every strategy runs with DP-SGD clients (FedProx and SCAFFOLD adjust the privatized gradient)', () => {
    for (const name of ['fedavg', 'fedprox', 'scaffold', 'fedadam'] as StrategyName[]) {
      const result = runFederated(options({ strategy: { name, proxMu: 0.1 } }));
      assert.ok(result.params.every(Number.isFinite), name);
    }
    const plain = runFederated(options({ strategy: { name: 'fedavg' } }));
    const prox = runFederated(options({ strategy: { name: 'fedprox', proxMu: 1 } }));
    assert.ok(!sameBits(plain.params, prox.params), 'the proximal term reaches DP-SGD');
  });

  test('an explicit sample rate overrides the batch-size default', () => {
    const opts = options({ local: local([], { sampleRate: 0.25 }) });
    const result = runFederated(opts);
    for (const r of result.rounds) for (const c of opts.clients) assert.equal(r.localSteps[c.id], 8);
  });
});
