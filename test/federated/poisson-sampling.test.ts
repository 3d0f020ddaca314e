import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poissonClients, runFederated } from '../../src/federated/run-federated.js';
import { Xoshiro128, streamState } from '../../src/random/rng.js';
import { ClientLevelDp } from '../../src/privacy/client-dp.js';
import { SeededGaussianSource } from '../../src/privacy/secure-noise.js';
import { logisticData, logisticModel } from './toy-models.js';

test('Poisson client sampling: each client joins with probability q, independently (binomial bounds)', () => {
  const ids = Array.from({ length: 10 }, (_, i) => `site-${i}`);
  const rng = new Xoshiro128(streamState(5, 'poisson-test'));
  const rounds = 20_000;
  const q = 0.3;
  const joins = new Map(ids.map((id) => [id, 0]));
  let empty = 0;
  for (let r = 0; r < rounds; r++) {
    const picked = poissonClients(ids, q, rng);
    if (picked.length === 0) empty++;
    for (const id of picked) joins.set(id, joins.get(id)! + 1);
  }
  const sd = Math.sqrt(rounds * q * (1 - q));
  for (const [id, n] of joins) assert.ok(Math.abs(n - rounds * q) < 5 * sd, `${id}: ${n}`);
  // P(no client) = 0.7^10 ≈ 0.0282: empty rounds happen and are counted as rounds.
  const pEmpty = 0.7 ** 10;
  assert.ok(Math.abs(empty - rounds * pEmpty) < 5 * Math.sqrt(rounds * pEmpty * (1 - pEmpty)), `empty rounds: ${empty}`);
  assert.deepEqual(poissonClients(ids, 1, rng), ids);
});

test('client-level DP with Poisson sampling runs through rounds without participants (noise only)', () => {
  const model = logisticModel(3);
  const clients = ['a', 'b', 'c'].map((id, k) => ({ id, train: logisticData(40, 3, 10 + k) }));
  const run = runFederated({
    model,
    clients,
    strategy: { name: 'fedavg' },
    rounds: 60,
    clientFraction: 0.2,
    clientSampling: 'poisson',
    local: { batchSize: 8, epochs: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } },
    initialParams: new Float64Array(model.paramCount),
    seed: 9,
    streamLabel: 'poisson-dp',
    wrapStrategy: (inner) =>
      new ClientLevelDp(inner, { noiseMultiplier: 1, clipNorm: 1, expectedClientsPerRound: 0.6, noise: new SeededGaussianSource(1, ['t']) }),
  });
  assert.equal(run.rounds.length, 60);
  const emptyRounds = run.rounds.filter((r) => r.participants.length === 0).length;
  assert.ok(emptyRounds > 0, 'with q = 0.2 and 3 clients about half the rounds are empty');
  assert.ok(run.params.every(Number.isFinite));
});
