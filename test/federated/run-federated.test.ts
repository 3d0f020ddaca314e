/**
 * The round loop end to end: equivalences (one client = central, FedProx μ=0 = FedAvg,
 * FedAvgM β=0 η=1 = FedAvg), determinism and order invariance, sampling, bytes, and SCAFFOLD
 * against FedAvg's client drift.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOptimizer } from '../../src/model/optimizer.js';
import { trainLocal } from '../../src/model/train.js';
import type { Model } from '../../src/model/types.js';
import { clientRandom, communicationTotals, participantsPerRound, runFederated, sampleClients, samplingStream } from '../../src/federated/run-federated.js';
import type { ClientState, Strategy } from '../../src/federated/strategy.js';
import { STRATEGY_NAMES, type FederatedClient, type FederatedRunOptions, type LocalConfig, type StrategyConfig } from '../../src/federated/types.js';
import { logisticData, logisticModel, maxAbsDiff, quadraticData, quadraticModel, quadraticOptimum, sameBits } from './toy-models.js';

const D = 4;
const LOGISTIC = logisticModel(D, 1e-3);
const LOCAL: LocalConfig = { batchSize: 8, steps: 5, optimizer: { kind: 'sgd', learningRate: 0.1 } };

function sites(count: number): FederatedClient[] {
  return Array.from({ length: count }, (_, k) => ({ id: `site-${String.fromCharCode(97 + k)}`, train: logisticData(20 + 7 * k, D, 100 + k, 0.3 * k) }));
}

function options(strategy: StrategyConfig, over: Partial<FederatedRunOptions> = {}): FederatedRunOptions {
  return {
    model: LOGISTIC,
    clients: sites(5),
    strategy,
    rounds: 4,
    clientFraction: 0.6,
    local: LOCAL,
    initialParams: Float64Array.from({ length: D + 1 }, (_, j) => 0.05 * (j - 2)),
    seed: 7,
    streamLabel: 'test/arm',
    ...over,
  };
}

describe('runFederated: equivalences', () => {
  test('FedAvg with one client equals central trainLocal on the same streams, bit for bit', () => {
    const client = { id: 'solo', train: logisticData(37, D, 3) };
    const local: LocalConfig = { batchSize: 5, steps: 11, optimizer: { kind: 'sgd', learningRate: 0.2, momentum: 0.9 } };
    const opts = options({ name: 'fedavg' }, { clients: [client], rounds: 3, local, clientFraction: 1 });
    const fed = runFederated(opts);
    // Central: the same local training, a fresh optimizer per "round", the stream the lone client uses.
    const central = Float64Array.from(opts.initialParams);
    for (let round = 1; round <= 3; round++) {
      trainLocal(LOGISTIC, central, client.train, {
        batchSize: 5,
        steps: 11,
        optimizer: createOptimizer(local.optimizer),
        random: clientRandom(opts.seed, opts.streamLabel, 'solo', round),
      });
    }
    assert.ok(sameBits(fed.params, central));
    assert.ok(maxAbsDiff(fed.params, opts.initialParams) > 1e-3, 'training moved the model');
  });

  test('FedAvg with one client and Adam locally, one round in epoch mode, equals central', () => {
    const client = { id: 'solo', train: logisticData(29, D, 4) };
    const local: LocalConfig = { batchSize: 4, epochs: 2, optimizer: { kind: 'adam', learningRate: 0.01 } };
    const opts = options({ name: 'fedavg' }, { clients: [client], rounds: 1, local });
    const central = Float64Array.from(opts.initialParams);
    trainLocal(LOGISTIC, central, client.train, { batchSize: 4, epochs: 2, optimizer: createOptimizer(local.optimizer), random: clientRandom(7, 'test/arm', 'solo', 1) });
    assert.ok(sameBits(runFederated(opts).params, central));
  });

  test('FedProx with μ = 0 equals FedAvg bit for bit (partial participation, minibatches)', () => {
    const a = runFederated(options({ name: 'fedavg' }, { rounds: 6 }));
    const b = runFederated(options({ name: 'fedprox', proxMu: 0 }, { rounds: 6 }));
    assert.ok(sameBits(a.params, b.params));
    assert.deepEqual(a.rounds, b.rounds);
  });

  test('FedProx with μ > 0 pulls local models toward the global one (differs from FedAvg)', () => {
    const a = runFederated(options({ name: 'fedavg' }));
    const b = runFederated(options({ name: 'fedprox', proxMu: 1 }));
    assert.ok(maxAbsDiff(a.params, b.params) > 1e-6);
  });

  test('FedAvgM with β = 0 and server lr 1 equals FedAvg bit for bit', () => {
    const a = runFederated(options({ name: 'fedavg' }, { rounds: 6 }));
    const b = runFederated(options({ name: 'fedavgm', serverMomentum: 0, serverLearningRate: 1 }, { rounds: 6 }));
    assert.ok(sameBits(a.params, b.params));
  });

  test('FedAvg weights clients by example count, hand-computed from two local runs', () => {
    const clients = [
      { id: 'big', train: logisticData(30, D, 11) },
      { id: 'small', train: logisticData(10, D, 12, 1) },
    ];
    const opts = options({ name: 'fedavg' }, { clients, rounds: 1, clientFraction: 1 });
    const locals = clients.map((c) => {
      const p = Float64Array.from(opts.initialParams);
      trainLocal(LOGISTIC, p, c.train, { batchSize: LOCAL.batchSize, steps: LOCAL.steps, optimizer: createOptimizer(LOCAL.optimizer), random: clientRandom(7, 'test/arm', c.id, 1) });
      return p;
    });
    const expected = locals[0].map((v, j) => (30 / 40) * v + (10 / 40) * locals[1][j]);
    assert.ok(sameBits(runFederated(opts).params, expected));
  });
});

describe('runFederated: determinism', () => {
  for (const name of STRATEGY_NAMES) {
    test(`${name}: invariant to the order of the clients (bit-identical params and logs)`, () => {
      const clients = sites(5);
      const a = runFederated(options({ name }, { clients }));
      const b = runFederated(options({ name }, { clients: [clients[3], clients[0], clients[4], clients[2], clients[1]] }));
      const c = runFederated(options({ name }, { clients: [...clients].reverse() }));
      assert.ok(sameBits(a.params, b.params) && sameBits(a.params, c.params));
      assert.deepEqual(a.rounds, b.rounds);
      assert.deepEqual(a.rounds, c.rounds);
    });
  }

  test('same seed → identical results; different seed → different sampling', () => {
    const a = runFederated(options({ name: 'fedavg' }, { rounds: 10, clientFraction: 0.4 }));
    const b = runFederated(options({ name: 'fedavg' }, { rounds: 10, clientFraction: 0.4 }));
    assert.ok(sameBits(a.params, b.params));
    assert.deepEqual(a.rounds, b.rounds);
    const c = runFederated(options({ name: 'fedavg' }, { rounds: 10, clientFraction: 0.4, seed: 8 }));
    assert.notDeepEqual(a.rounds.map((r) => r.participants), c.rounds.map((r) => r.participants));
    const d = runFederated(options({ name: 'fedavg' }, { rounds: 10, clientFraction: 0.4, streamLabel: 'other/arm' }));
    assert.notDeepEqual(a.rounds.map((r) => r.participants), d.rounds.map((r) => r.participants));
  });

  test('a client stream depends on (seed, label, id, round) only', () => {
    const u = (seed: number, label: string, id: string, round: number) => clientRandom(seed, label, id, round)();
    assert.equal(u(1, 'l', 'a', 1), u(1, 'l', 'a', 1));
    const base = u(1, 'l', 'a', 1);
    for (const other of [u(2, 'l', 'a', 1), u(1, 'm', 'a', 1), u(1, 'l', 'b', 1), u(1, 'l', 'a', 2)]) assert.notEqual(other, base);
  });
});

describe('runFederated: sampling', () => {
  test('max(1, round(C·N)) clients per round, sorted, distinct', () => {
    assert.equal(participantsPerRound(0.01, 5), 1);
    assert.equal(participantsPerRound(0.5, 5), 3); // round(2.5) = 3
    assert.equal(participantsPerRound(0.3, 5), 2);
    assert.equal(participantsPerRound(1, 5), 5);
    assert.throws(() => participantsPerRound(0, 5), /clientFraction/);
    assert.throws(() => participantsPerRound(1.5, 5), /clientFraction/);
    const res = runFederated(options({ name: 'fedavg' }, { rounds: 8, clientFraction: 0.3 }));
    for (const r of res.rounds) {
      assert.equal(r.participants.length, 2);
      assert.deepEqual(r.participants, [...new Set(r.participants)].sort());
    }
  });

  test('sampling is roughly uniform over clients', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const rng = samplingStream(1, 'uniformity');
    const counts = new Map(ids.map((id) => [id, 0]));
    const rounds = 6000;
    for (let r = 0; r < rounds; r++) for (const id of sampleClients(ids, 2, rng)) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const c of counts.values()) assert.ok(Math.abs(c - 2000) < 150, `count ${c}`); // sd ≈ 36.5
  });
});

describe('runFederated: communication', () => {
  for (const name of STRATEGY_NAMES) {
    test(`${name}: bytes per participant and direction = 4 × values sent${name === 'scaffold' ? ' (params + control variates)' : ''}`, () => {
      const res = runFederated(options({ name }));
      const per = 4 * LOGISTIC.paramCount * (name === 'scaffold' ? 2 : 1);
      for (const r of res.rounds) {
        assert.deepEqual(Object.keys(r.bytesUp).sort(), r.participants);
        for (const id of r.participants) {
          assert.equal(r.bytesUp[id], per);
          assert.equal(r.bytesDown[id], per);
        }
      }
      const totals = communicationTotals(res.rounds);
      const participations = res.rounds.reduce((s, r) => s + r.participants.length, 0);
      assert.equal(totals.bytesUp, per * participations);
      assert.equal(totals.bytesDown, per * participations);
      assert.equal(totals.bytesTotal, 2 * per * participations);
      assert.equal(Object.values(totals.perClient).reduce((s, c) => s + c.rounds, 0), participations);
    });
  }
});

describe('runFederated: loop contract', () => {
  test('onRound sees every round with a copy of the new global model; rounds = 0 returns x0', () => {
    const seen: number[] = [];
    let last: Float64Array | null = null;
    const res = runFederated(
      options({ name: 'fedadam' }, {
        onRound: (log, params) => {
          seen.push(log.round);
          params[0] = Number.NaN; // mutating the copy must not corrupt the run
          last = params;
        },
      }),
    );
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.ok(last !== null && Number.isFinite(res.params[0]));
    assert.ok(res.rounds.every((r) => Number.isFinite(r.meanTrainLoss) && r.meanTrainLoss > 0));
    const none = runFederated(options({ name: 'fedavg' }, { rounds: 0 }));
    assert.deepEqual(none.params, options({ name: 'fedavg' }).initialParams);
    assert.deepEqual(none.rounds, []);
  });

  test('rejects empty clients, duplicate ids, wrong widths and empty training sets', () => {
    assert.throws(() => runFederated(options({ name: 'fedavg' }, { clients: [] })), /at least one client/);
    const c = sites(2);
    assert.throws(() => runFederated(options({ name: 'fedavg' }, { clients: [c[0], { ...c[1], id: c[0].id }] })), /duplicate/);
    assert.throws(() => runFederated(options({ name: 'fedavg' }, { initialParams: new Float64Array(2) })), /parameters/);
    assert.throws(() => runFederated(options({ name: 'fedavg' }, { clients: [{ id: 'x', train: { n: 0, d: D, x: new Float64Array(0), y: new Float64Array(0) } }] })), /no training examples/);
  });

  test('wrapStrategy intercepts aggregation (a DP-style wrapper sees client updates, returns the aggregate)', () => {
    let calls = 0;
    const wrap = (inner: Strategy): Strategy => ({
      ...inner,
      name: inner.name,
      initialize: inner.initialize.bind(inner),
      configureRound: inner.configureRound.bind(inner),
      clientUpdate: inner.clientUpdate.bind(inner),
      serverStep: inner.serverStep.bind(inner),
      aggregate: (updates, state) => {
        calls++;
        const agg = inner.aggregate(updates, state);
        return { ...agg, params: agg.params.map(() => 0) };
      },
    });
    const res = runFederated(options({ name: 'fedavg' }, { wrapStrategy: wrap }));
    assert.equal(calls, 4);
    assert.ok(res.params.every((v) => v === 0));
  });
});

describe('SCAFFOLD vs FedAvg on a non-IID quadratic (Karimireddy et al. 2020)', () => {
  // Clients with different optima b_i and different curvatures a_i; with K local steps FedAvg
  // converges to Σ p_i (1 − r_i) b_i / Σ p_i (1 − r_i), r_i = (1 − η a_i)^K, not to the optimum.
  const specs = [
    { id: 'h1', a: [1, 3], b: [0, 2], n: 10 },
    { id: 'h2', a: [10, 1], b: [1, -1], n: 30 },
    { id: 'h3', a: [4, 6], b: [-2, 0.5], n: 20 },
  ];
  const model: Model = quadraticModel(2);
  const clients = specs.map((s) => ({ id: s.id, train: quadraticData(s.a, s.b, s.n) }));
  const optimum = quadraticOptimum(specs);
  const local: LocalConfig = { batchSize: 5, steps: 20, optimizer: { kind: 'sgd', learningRate: 0.05 } };
  const run = (name: 'fedavg' | 'scaffold', over: Partial<FederatedRunOptions> = {}) =>
    runFederated({ model, clients, strategy: { name }, rounds: 150, clientFraction: 1, local, initialParams: Float64Array.of(3, 3), seed: 1, streamLabel: 'quad', ...over });

  test('full participation: SCAFFOLD reaches the global optimum, FedAvg drifts', () => {
    const fedavgErr = maxAbsDiff(run('fedavg').params, optimum);
    const scaffoldErr = maxAbsDiff(run('scaffold').params, optimum);
    assert.ok(fedavgErr > 0.05, `FedAvg error ${fedavgErr}`);
    assert.ok(scaffoldErr < 1e-8, `SCAFFOLD error ${scaffoldErr}`);
    assert.ok(scaffoldErr < fedavgErr / 1000);
  });

  test('partial participation with unequal sites: SCAFFOLD still converges; c = Σ (n_i/n)·c_i throughout', () => {
    const res = run('scaffold', { clientFraction: 0.5, rounds: 400 });
    const fedavgErr = maxAbsDiff(run('fedavg', { clientFraction: 0.5, rounds: 400 }).params, optimum);
    const scaffoldErr = maxAbsDiff(res.params, optimum);
    assert.ok(fedavgErr > 0.05, `FedAvg error ${fedavgErr}`);
    assert.ok(scaffoldErr < 1e-6, `SCAFFOLD error ${scaffoldErr}`);
    assert.ok(scaffoldErr < fedavgErr / 1000, `SCAFFOLD ${scaffoldErr} vs FedAvg ${fedavgErr}`);
    // The server control variate is the population-weighted mean of the client ones.
    const c = res.serverState!.vectors.control;
    const nAll = specs.reduce((s, x) => s + x.n, 0);
    for (let j = 0; j < 2; j++) {
      let mean = 0;
      for (const s of specs) mean += (s.n / nAll) * (res.clientStates![s.id]?.vectors.control[j] ?? 0);
      assert.ok(Math.abs(c[j] - mean) < 1e-9, `c[${j}] = ${c[j]} vs ${mean}`);
    }
  });

  test('client control variates persist across rounds a client sits out', () => {
    const returned = new Map<string, ClientState>();
    let sawGap = false;
    const lastRound = new Map<string, number>();
    const wrap = (inner: Strategy): Strategy => ({
      name: inner.name,
      initialize: inner.initialize.bind(inner),
      configureRound: inner.configureRound.bind(inner),
      aggregate: inner.aggregate.bind(inner),
      serverStep: inner.serverStep.bind(inner),
      clientUpdate: (input) => {
        const id = input.instruction.clientId;
        // What the client gets is exactly what it returned the last time it took part.
        assert.equal(input.clientState, returned.get(id));
        const prev = lastRound.get(id);
        if (prev !== undefined && input.instruction.round - prev > 1) sawGap = true;
        lastRound.set(id, input.instruction.round);
        const out = inner.clientUpdate(input);
        returned.set(id, out.clientState);
        return out;
      },
    });
    run('scaffold', { clientFraction: 0.34, rounds: 12, wrapStrategy: wrap });
    assert.ok(sawGap, 'some client sat out at least one round between participations');
    assert.ok([...returned.values()].some((s) => s.vectors.control.some((v) => v !== 0)));
  });
});
