/**
 * Each strategy's hooks on their own: server steps against hand computation, defaults,
 * validation, and SCAFFOLD's client control-variate update.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FedAdagrad } from '../../src/federated/fedadagrad.js';
import { FedAdam } from '../../src/federated/fedadam.js';
import { FedAvgM } from '../../src/federated/fedavgm.js';
import { FedYogi } from '../../src/federated/fedyogi.js';
import { Scaffold } from '../../src/federated/scaffold.js';
import { createStrategy, strategyDefinition, type StrategyName } from '../../src/federated/registry.js';
import { downloadBytes, modelDelta, uploadBytes, type ClientUpdate, type ServerState, type Strategy } from '../../src/federated/strategy.js';
import { STRATEGY_NAMES } from '../../src/federated/types.js';
import { quadraticData, quadraticModel } from './toy-models.js';

const POPULATION = [
  { id: 'a', exampleCount: 1 },
  { id: 'b', exampleCount: 3 },
];

function upd(clientId: string, exampleCount: number, params: number[], vectors: Record<string, Float64Array> = {}): ClientUpdate {
  return { clientId, exampleCount, params: Float64Array.from(params), vectors, trainLoss: 0, steps: 1, examplesSeen: exampleCount };
}

/** One server round of `strategy` from x0 with the two clients' models given. */
function serverRound(strategy: Strategy, state: ServerState, a: number[], b: number[]): ServerState {
  return strategy.serverStep(state, strategy.aggregate([upd('a', 1, a), upd('b', 3, b)], state));
}

function close(actual: number, expected: number, rel = 1e-14): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);
}

describe('FedAvg server step', () => {
  test('x ← example-weighted mean of the client models, hand-computed', () => {
    const s = createStrategy({ name: 'fedavg' });
    const state = s.initialize(Float64Array.of(0, 0), POPULATION);
    const next = serverRound(s, state, [1, 2], [5, 6]);
    assert.deepEqual([...next.params], [4, 5]);
    assert.equal(next.round, 1);
    assert.deepEqual([...state.params], [0, 0], 'the previous state is not mutated');
  });

  test('initialize copies x0', () => {
    const x0 = Float64Array.of(1, 2);
    const state = createStrategy({ name: 'fedavg' }).initialize(x0, POPULATION);
    x0[0] = 99;
    assert.equal(state.params[0], 1);
  });
});

describe('FedOpt server steps (Reddi et al. 2021, Algorithm 2), hand-computed', () => {
  // x0 = [0, 1]; client models a = [0.2, 1.4] (n=1), b = [0.6, 0.6] (n=3)
  // x̄ = [(0.2 + 1.8)/4, (1.4 + 1.8)/4] = [0.5, 0.8]; Δ = [0.5, −0.2]
  const x0 = [0, 1];
  const a = [0.2, 1.4];
  const b = [0.6, 0.6];
  const eta = 0.1;
  const beta1 = 0.9;
  const beta2 = 0.99;
  const tau = 1e-3;
  const opts = { serverLearningRate: eta, beta1, beta2, tau };
  const deltas = [0.5, -0.2];

  function expected(vNew: (v: number, d2: number) => number): { x: number[]; m: number[]; v: number[] } {
    const m = deltas.map((d) => (1 - beta1) * d); // m₀ = 0
    const v = deltas.map((d) => vNew(tau * tau, d * d)); // v₀ = τ²
    const x = x0.map((xj, j) => xj + (eta * m[j]) / (Math.sqrt(v[j]) + tau));
    return { x, m, v };
  }

  for (const [name, make, rule] of [
    ['FedAdam', () => new FedAdam(opts), (v: number, d2: number) => beta2 * v + (1 - beta2) * d2],
    ['FedYogi', () => new FedYogi(opts), (v: number, d2: number) => v - (1 - beta2) * d2 * Math.sign(v - d2)],
    ['FedAdagrad', () => new FedAdagrad(opts), (v: number, d2: number) => v + d2],
  ] as const) {
    test(`${name}: one step`, () => {
      const s = make();
      const state = s.initialize(Float64Array.from(x0), POPULATION);
      assert.deepEqual([...state.vectors.v], [tau * tau, tau * tau], 'v starts at τ²');
      assert.deepEqual([...state.vectors.m], [0, 0]);
      const next = serverRound(s, state, a, b);
      const e = expected(rule);
      for (let j = 0; j < 2; j++) {
        close(next.params[j], e.x[j]);
        close(next.vectors.m[j], e.m[j]);
        close(next.vectors.v[j], e.v[j]);
      }
    });
  }

  test('the three second-moment rules differ as the paper says after a first step', () => {
    // Δ² ≫ τ²: Adam v = 0.99τ² + 0.01Δ²; Yogi v = τ² + 0.01Δ² (sign(τ² − Δ²) = −1); Adagrad v = τ² + Δ²
    const d2 = 0.25;
    const vs = [new FedAdam(opts), new FedYogi(opts), new FedAdagrad(opts)].map((s) => serverRound(s, s.initialize(Float64Array.from(x0), POPULATION), a, b).vectors.v[0]);
    close(vs[0], 0.99 * tau * tau + 0.01 * d2);
    close(vs[1], tau * tau + 0.01 * d2);
    close(vs[2], tau * tau + d2);
  });

  test('FedYogi: v shrinks toward Δ² when v > Δ² (second step with a small Δ)', () => {
    const s = new FedYogi(opts);
    const s1 = serverRound(s, s.initialize(Float64Array.from(x0), POPULATION), a, b);
    // Second round: both clients return x1 + 0.01 on coordinate 0 → Δ = 0.01, Δ² = 1e-4 < v
    const x1 = [...s1.params];
    const s2 = serverRound(s, s1, [x1[0] + 0.01, x1[1]], [x1[0] + 0.01, x1[1]]);
    const v1 = s1.vectors.v[0];
    assert.ok(v1 > 1e-4, 'this step exercises sign(v − Δ²) = +1');
    close(s2.vectors.v[0], v1 - (1 - beta2) * 1e-4, 1e-12);
    const m2 = beta1 * s1.vectors.m[0] + (1 - beta1) * 0.01;
    close(s2.vectors.m[0], m2, 1e-12);
    close(s2.params[0], x1[0] + (eta * m2) / (Math.sqrt(s2.vectors.v[0]) + tau), 1e-12);
  });

  test('defaults (one place: each strategy\'s registry entry): η 0.03 FedAdam/FedYogi, 0.1 FedAdagrad; β1 0.9, β2 0.99, τ 1e-3', () => {
    const expected: [FedAdam | FedYogi | FedAdagrad, number][] = [[new FedAdam(), 0.03], [new FedYogi(), 0.03], [new FedAdagrad(), 0.1]];
    for (const [s, eta] of expected) {
      assert.deepEqual([s.serverLearningRate, s.beta1, s.beta2, s.tau], [eta, 0.9, 0.99, 1e-3]);
      const defaults = strategyDefinition(s.name as StrategyName).defaults;
      assert.equal(s.serverLearningRate, defaults.serverLearningRate, `${s.name}: the class and the registry agree`);
    }
  });
});

describe('FedAvgM server step (Hsu et al. 2019)', () => {
  test('β = 0.9, η = 0.5: two steps, hand-computed', () => {
    const s = new FedAvgM({ serverLearningRate: 0.5, serverMomentum: 0.9 });
    const st0 = s.initialize(Float64Array.of(1), [{ id: 'a', exampleCount: 2 }]);
    // round 1: x̄ = 0.6 → d = 0.4, m = 0.4, x = 1 − 0.5·0.4 = 0.8
    const st1 = s.serverStep(st0, s.aggregate([upd('a', 2, [0.6])], st0));
    close(st1.vectors.momentum[0], 0.4);
    close(st1.params[0], 0.8);
    // round 2: x̄ = 0.7 → d = 0.1, m = 0.9·0.4 + 0.1 = 0.46, x = 0.8 − 0.5·0.46 = 0.57
    const st2 = s.serverStep(st1, s.aggregate([upd('a', 2, [0.7])], st1));
    close(st2.vectors.momentum[0], 0.46);
    close(st2.params[0], 0.57);
  });

  test('β = 0, η = 1 gives the weighted average bit for bit', () => {
    const s = new FedAvgM({ serverLearningRate: 1, serverMomentum: 0 });
    const f = createStrategy({ name: 'fedavg' });
    const x0 = Float64Array.of(0.1, -0.37, 3.3);
    let sm = s.initialize(x0, POPULATION);
    let sf = f.initialize(x0, POPULATION);
    for (let r = 0; r < 3; r++) {
      const a = [0.31 + r, -0.2 / (r + 1), 1 / 3];
      const b = [0.7, 0.123456789 * r, -2 / 7];
      sm = serverRound(s, sm, a, b);
      sf = serverRound(f, sf, a, b);
      assert.deepEqual(sm.params, sf.params);
    }
  });

  test('defaults: β 0.9, η 1', () => {
    const s = new FedAvgM();
    assert.deepEqual([s.serverMomentum, s.serverLearningRate], [0.9, 1]);
  });
});

describe('SCAFFOLD hooks (Karimireddy et al. 2020, Algorithm 1, option II)', () => {
  test('client: corrected local steps, c_i⁺ = c_i − c + (x − y_i)/(K·η_l), uploads Δc_i', () => {
    const model = quadraticModel(1);
    const data = quadraticData([2], [1], 4); // f(w) = (w − 1)², gradient 2(w − 1)
    const s = new Scaffold();
    const state0 = s.initialize(Float64Array.of(0), [{ id: 'k', exampleCount: 4 }]);
    const state = { ...state0, vectors: { control: Float64Array.of(0.3) } }; // c = 0.3
    const [instruction] = s.configureRound(state, ['k']);
    const ci = 0.1;
    const eta = 0.1;
    const { update, clientState } = s.clientUpdate({
      model,
      data,
      local: { batchSize: 4, steps: 2, optimizer: { kind: 'sgd', learningRate: eta } },
      instruction,
      clientState: { vectors: { control: Float64Array.of(ci) } },
      random: () => 0.5,
    });
    // y ← y − η(2(y − 1) + c − c_i), twice from 0
    let y = 0;
    for (let k = 0; k < 2; k++) y -= eta * (2 * (y - 1) + 0.3 - ci);
    close(update.params[0], y);
    const ciNew = ci - 0.3 + (0 - y) / (2 * eta);
    close(clientState.vectors.control[0], ciNew);
    close(update.vectors.controlDelta[0], ciNew - ci);
    assert.equal(uploadBytes(update), 2 * 4 * 1);
    assert.equal(downloadBytes(instruction), 2 * 4 * 1);
  });

  test('server: x ← x + η_g·mean Δy; c ← c + Σ (n_i/n_all)·Δc_i', () => {
    const s = new Scaffold({ serverLearningRate: 0.5 });
    const pop = [
      { id: 'a', exampleCount: 1 },
      { id: 'b', exampleCount: 3 },
      { id: 'c', exampleCount: 4 }, // not sampled: still counts in n_all = 8
    ];
    const st0 = s.initialize(Float64Array.of(1), pop);
    const agg = s.aggregate([upd('b', 3, [3], { controlDelta: Float64Array.of(-1) }), upd('a', 1, [2], { controlDelta: Float64Array.of(2) })], st0);
    const st1 = s.serverStep(st0, agg);
    // x̄ = (2 + 9)/4 = 2.75 → x = 1 + 0.5·1.75 = 1.875; c = 0 + (1/8)·2 + (3/8)·(−1) = −0.125
    close(st1.params[0], 1.875);
    close(st1.vectors.control[0], -0.125);
  });
});

describe('createStrategy', () => {
  test('builds every named strategy', () => {
    for (const name of STRATEGY_NAMES) assert.equal(createStrategy({ name }).name, name);
  });

  test('rejects out-of-range settings', () => {
    assert.throws(() => createStrategy({ name: 'fedavgm', serverMomentum: 1 }), /serverMomentum/);
    assert.throws(() => createStrategy({ name: 'fedadam', serverLearningRate: 0 }), /serverLearningRate/);
    assert.throws(() => createStrategy({ name: 'fedyogi', tau: -1 }), /tau/);
    assert.throws(() => createStrategy({ name: 'fedprox', proxMu: -0.1 }), /proxMu/);
    assert.throws(() => createStrategy({ name: 'nope' as never }), /unknown strategy/);
  });

  test('modelDelta = y − x', () => {
    assert.deepEqual([...modelDelta(upd('a', 1, [3, 1]), Float64Array.of(1, 1))], [2, 0]);
  });
});
