/** Client-level DP-FedAvg as a strategy wrapper (McMahan et al. 2018; Flower's server-side fixed clipping). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { runFederated } from '../../src/federated/run-federated.js';
import { createStrategy } from '../../src/federated/registry.js';
import { type AggregatedUpdate, type ClientUpdate, type ServerState, type Strategy } from '../../src/federated/strategy.js';
import type { FederatedClient, FederatedRunOptions, StrategyConfig } from '../../src/federated/types.js';
import { ClientLevelDp, clientLevelDp, clipModelUpdate, type ClientLevelDpOptions } from '../../src/privacy/client-dp.js';
import { logisticData, logisticModel, sameBits } from '../federated/toy-models.js';
import { norm } from '../model/helpers.js';
import { assertNormalWithSd, SeededGaussianNoise } from './seeded-noise.js';

const D = 4;
const P = D + 1;
const MODEL = logisticModel(D, 1e-3);
const noNoise = { secure: false, fillGaussian: () => assert.fail('σ = 0 draws no noise') };

function sites(sizes: readonly number[]): FederatedClient[] {
  return sizes.map((n, k) => ({ id: `site-${String.fromCharCode(97 + k)}`, train: logisticData(n, D, 100 + k, 0.3 * k) }));
}

function run(strategy: StrategyConfig, clients: FederatedClient[], over: Partial<FederatedRunOptions> = {}) {
  return runFederated({
    model: MODEL,
    clients,
    strategy,
    rounds: 5,
    clientFraction: 1,
    local: { batchSize: 8, steps: 6, optimizer: { kind: 'sgd', learningRate: 0.3 } },
    initialParams: Float64Array.from({ length: P }, (_, j) => 0.05 * (j - 2)),
    seed: 3,
    streamLabel: 'client-dp',
    ...over,
  });
}

function upd(clientId: string, exampleCount: number, params: Float64Array, vectors: Record<string, Float64Array> = {}): ClientUpdate {
  return { clientId, exampleCount, params, vectors, trainLoss: 0.5, steps: 1, examplesSeen: exampleCount };
}

/** A stand-in inner strategy that records what reaches its server step. */
function spyInner(): { inner: Strategy; seen: AggregatedUpdate[] } {
  const base = createStrategy({ name: 'fedavg' });
  const seen: AggregatedUpdate[] = [];
  const inner: Strategy = {
    name: base.name,
    initialize: (x, pop) => base.initialize(x, pop),
    configureRound: (s, p) => base.configureRound(s, p),
    clientUpdate: (i) => base.clientUpdate(i),
    aggregate: () => assert.fail('the DP wrapper replaces the inner aggregate'),
    serverStep: (s, a) => {
      seen.push(a);
      return base.serverStep(s, a);
    },
  };
  return { inner, seen };
}

const POP4 = [
  { id: 'a', exampleCount: 10 },
  { id: 'b', exampleCount: 30 },
  { id: 'c', exampleCount: 20 },
  { id: 'd', exampleCount: 40 },
];

function vec(values: number[]): Float64Array {
  return Float64Array.from(values);
}

describe('clipModelUpdate', () => {
  test('the clipped update has norm <= S, keeps its direction, and is untouched when within S', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 1e-3, max: 20, noNaN: true }),
        (values, S) => {
          const x = Float64Array.from(values, (_, j) => 0.1 * j);
          const y = Float64Array.from(values, (v, j) => x[j] + v);
          const c = clipModelUpdate(y, x, S);
          assert.ok(norm(c.delta) <= S * (1 + 1e-12));
          const raw = Float64Array.from(values, (_, j) => y[j] - x[j]);
          assert.equal(c.norm, norm(raw));
          if (c.norm <= S) assert.deepStrictEqual(c.delta, raw);
          else for (let j = 0; j < raw.length; j++) assert.ok(Math.abs(c.delta[j] - raw[j] * (S / c.norm)) <= 1e-12 * Math.abs(raw[j]) + 1e-300);
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe('ClientLevelDp wrapper', () => {
  test('σ = 0, S = ∞ is the inner strategy bit for bit: FedAvg (uniform weights, equal sites; bounded weights, unequal sites), FedAdam', () => {
    const equal = sites([24, 24, 24]);
    const unequal = sites([15, 40, 27]);
    const opts = (weighting: ClientLevelDpOptions['weighting']): ClientLevelDpOptions => ({
      noiseMultiplier: 0,
      clipNorm: Number.POSITIVE_INFINITY,
      expectedClientsPerRound: 3,
      weighting,
      noise: noNoise,
      releaseTrainingLoss: true,
    });
    for (const [name, clients, weighting] of [
      ['uniform, equal sites', equal, { kind: 'uniform' }],
      ['bounded (cap = max n), unequal sites', unequal, { kind: 'bounded', cap: 40 }],
    ] as const) {
      for (const strategy of [{ name: 'fedavg' }, { name: 'fedadam', serverLearningRate: 0.05 }] as StrategyConfig[]) {
        const plain = run(strategy, clients);
        const wrapped = run(strategy, clients, { wrapStrategy: clientLevelDp(opts(weighting)) });
        assert.ok(sameBits(plain.params, wrapped.params), `${name}, ${strategy.name}`);
        assert.deepEqual(plain.rounds, wrapped.rounds);
      }
    }
  });

  test('the inner server step sees the clipped average: x + Σ w_k·clip(Δ_k)/D, each ‖clip(Δ_k)‖ <= S', () => {
    const { inner, seen } = spyInner();
    const S = 0.5;
    const dp = new ClientLevelDp(inner, { noiseMultiplier: 0, clipNorm: S, expectedClientsPerRound: 4, noise: noNoise });
    const state = dp.initialize(vec([1, 2, 3]), POP4);
    const deltas = [vec([3, 0, 4]), vec([0.1, 0.1, 0]), vec([-10, 0, 0]), vec([0, 0.3, -0.2])];
    const updates = deltas.map((d, k) => upd(POP4[k].id, POP4[k].exampleCount, vec([1 + d[0], 2 + d[1], 3 + d[2]])));
    const next = dp.serverStep(state, dp.aggregate(updates, state));
    const expected = vec([1, 2, 3]);
    for (const d of deltas) {
      const f = Math.min(1, S / norm(d));
      for (let j = 0; j < 3; j++) expected[j] += (f * d[j]) / 4; // uniform weights, D = m̄ = 4
    }
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(seen[0].params[j] - expected[j]) < 1e-14);
    assert.deepEqual(next.params, seen[0].params, 'FedAvg server step: x ← x̄');
    assert.equal(dp.history[0].clippedCount, 2);
    // A lone participant: the move the inner strategy sees has norm exactly min(‖Δ‖, S)·(1/m̄).
    const solo = new ClientLevelDp(spyInner().inner, { noiseMultiplier: 0, clipNorm: S, expectedClientsPerRound: 1, noise: noNoise });
    const s1 = solo.initialize(vec([0, 0, 0]), POP4);
    const a1 = solo.aggregate([upd('b', 30, vec([30, -40, 0]))], s1);
    assert.ok(Math.abs(norm(a1.params) - S) < 1e-15);
  });

  test('partial participation with bounded weights: fixed denominator q·W, not the participants’ weight', () => {
    const { inner, seen } = spyInner();
    const cap = 25;
    const dp = new ClientLevelDp(inner, { noiseMultiplier: 0, clipNorm: 100, expectedClientsPerRound: 2, weighting: { kind: 'bounded', cap }, noise: noNoise });
    const state = dp.initialize(vec([0, 0]), POP4);
    // W = 10 + 25 + 20 + 25 = 80, q = 2/4, D = 40. Participants a (w 10) and d (w 25).
    assert.equal(dp.denominator(state), 40);
    dp.serverStep(state, dp.aggregate([upd('a', 10, vec([1, 0])), upd('d', 40, vec([0, 2]))], state));
    assert.deepEqual([...seen[0].params], [10 / 40, (25 * 2) / 40]);
  });

  test('noise on the sum has sd σ·S (uniform) and σ·S·ŵ (bounded), divided by D', () => {
    const sigma = 1.3;
    const S = 0.5;
    for (const weighting of [{ kind: 'uniform' as const }, { kind: 'bounded' as const, cap: 30 }]) {
      const noise = new SeededGaussianNoise(5, weighting.kind);
      const dp = new ClientLevelDp(spyInner().inner, { noiseMultiplier: sigma, clipNorm: S, expectedClientsPerRound: 4, weighting, noise });
      const clean = new ClientLevelDp(spyInner().inner, { noiseMultiplier: 0, clipNorm: S, expectedClientsPerRound: 4, weighting, noise: noNoise });
      const dim = 40;
      const state = dp.initialize(new Float64Array(dim), POP4);
      const updates = POP4.map((c, k) => upd(c.id, c.exampleCount, Float64Array.from({ length: dim }, (_, j) => Math.sin(j + k) * (k + 1))));
      const exact = clean.aggregate(updates, state).params;
      const D = dp.denominator(state);
      const sumSd = weighting.kind === 'uniform' ? sigma * S : sigma * S * 30;
      const samples: number[] = [];
      for (let rep = 0; rep < 300; rep++) {
        const noisy = dp.aggregate(updates, state).params;
        for (let j = 0; j < dim; j++) samples.push((noisy[j] - exact[j]) * D);
      }
      assertNormalWithSd(samples, sumSd, weighting.kind);
    }
  });

  test('refuses SCAFFOLD and any update carrying extra vectors', () => {
    assert.throws(() => run({ name: 'scaffold' }, sites([10, 12]), { wrapStrategy: clientLevelDp({ noiseMultiplier: 1, clipNorm: 1, expectedClientsPerRound: 2, noise: noNoise }) }), /cannot wrap SCAFFOLD/);
    const dp = new ClientLevelDp(createStrategy({ name: 'fedavg' }), { noiseMultiplier: 0, clipNorm: 1, expectedClientsPerRound: 1, noise: noNoise });
    const state = dp.initialize(vec([0]), [{ id: 'a', exampleCount: 1 }]);
    assert.throws(() => dp.aggregate([upd('a', 1, vec([1]), { controlDelta: vec([1]) })], state), /extra vectors \(controlDelta\)/);
  });

  test('withholds training losses unless asked; runs end to end with noise; reports what accounting needs', () => {
    let wrapper: ClientLevelDp | undefined;
    const result = run({ name: 'fedprox', proxMu: 0.1 }, sites([20, 30, 25, 18]), {
      clientFraction: 0.5,
      wrapStrategy: (inner) => (wrapper = new ClientLevelDp(inner, { noiseMultiplier: 0.8, clipNorm: 0.3, expectedClientsPerRound: 2, noise: new SeededGaussianNoise(9) })),
    });
    assert.ok(result.rounds.every((r) => Number.isNaN(r.meanTrainLoss)));
    assert.ok(result.params.every(Number.isFinite));
    const acc = (wrapper as ClientLevelDp).accounting(result.serverState as ServerState);
    assert.deepEqual(acc, { noiseMultiplier: 0.8, updateNoiseMultiplier: 0.8, countNoiseMultiplier: null, sampleRate: 0.5, rounds: 5, clientSampling: 'fixed-size' });
    assert.equal((wrapper as ClientLevelDp).history.length, 5);
    assert.ok((wrapper as ClientLevelDp).history.every((h) => h.clipNorm === 0.3 && h.participants === 2));
  });

  test('validation', () => {
    const inner = createStrategy({ name: 'fedavg' });
    const base: ClientLevelDpOptions = { noiseMultiplier: 1, clipNorm: 1, expectedClientsPerRound: 2, noise: noNoise };
    assert.throws(() => new ClientLevelDp(inner, { ...base, noiseMultiplier: -1 }), /noise multiplier/);
    assert.throws(() => new ClientLevelDp(inner, { ...base, clipNorm: 0 }), /clip norm S/);
    assert.throws(() => new ClientLevelDp(inner, { ...base, clipNorm: Number.POSITIVE_INFINITY }), /finite clip norm/);
    assert.throws(() => new ClientLevelDp(inner, { ...base, expectedClientsPerRound: 0 }), /expected clients/);
    assert.throws(() => new ClientLevelDp(inner, { ...base, weighting: { kind: 'bounded', cap: Number.POSITIVE_INFINITY } }), /finite cap/);
    assert.throws(() => new ClientLevelDp(inner, { ...base, expectedClientsPerRound: 5 }).initialize(vec([0]), POP4), /exceeds the 4 clients/);
  });
});
