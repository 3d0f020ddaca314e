import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogisticRegression } from '../../src/model/logistic.js';
import { Mlp } from '../../src/model/mlp.js';
import { Sgd } from '../../src/model/optimizer.js';
import { shuffleInto, trainLocal } from '../../src/model/train.js';
import type { LabeledData, Model } from '../../src/model/types.js';
import { syntheticData, uniformSource } from './helpers.js';

/** A model that records each minibatch's rows and has a zero gradient. */
class RecordingModel implements Model {
  readonly kind = 'logistic' as const;
  readonly paramCount = 1;
  readonly l2 = 0;
  readonly batches: number[][] = [];
  constructor(readonly featureCount: number) {}
  init(): Float64Array {
    return new Float64Array(1);
  }
  lossAndGrad(_p: Float64Array, _d: LabeledData, rows: Uint32Array, count: number, grad: Float64Array): number {
    this.batches.push(Array.from(rows.subarray(0, count)));
    grad.fill(0);
    return 1;
  }
  predict(_p: Float64Array, data: { n: number }): Float64Array {
    return new Float64Array(data.n);
  }
}

const data = syntheticData(100, 3, 5);

describe('trainLocal', () => {
  test('epoch mode: ceil(n/B) steps per epoch, every row exactly once per epoch, last batch short', () => {
    const model = new RecordingModel(3);
    const r = trainLocal(model, model.init(), data, { batchSize: 32, epochs: 3, optimizer: new Sgd(0.1), random: uniformSource(1) });
    assert.equal(r.steps, 12);
    assert.equal(r.examplesSeen, 300);
    assert.deepEqual(model.batches.map((b) => b.length), [32, 32, 32, 4, 32, 32, 32, 4, 32, 32, 32, 4]);
    for (let e = 0; e < 3; e++) {
      const visited = model.batches.slice(4 * e, 4 * e + 4).flat().sort((a, b) => a - b);
      assert.deepEqual(visited, Array.from({ length: 100 }, (_, i) => i), `epoch ${e}`);
    }
    // Reshuffled between epochs.
    assert.notDeepEqual(model.batches[0], model.batches[4]);
    assert.equal(r.lastLoss, 1);
  });

  test('step mode: minibatches run on across epochs, never mixing two', () => {
    const model = new RecordingModel(3);
    const r = trainLocal(model, model.init(), data, { batchSize: 32, steps: 10, optimizer: new Sgd(0.1), random: uniformSource(1) });
    assert.equal(r.steps, 10);
    assert.deepEqual(model.batches.map((b) => b.length), [32, 32, 32, 4, 32, 32, 32, 4, 32, 32]);
    assert.equal(r.examplesSeen, 264);
  });

  test('a batch larger than n is one full batch per epoch', () => {
    const model = new RecordingModel(3);
    const r = trainLocal(model, model.init(), data, { batchSize: 500, epochs: 2, optimizer: new Sgd(0.1), random: uniformSource(1) });
    assert.equal(r.steps, 2);
    assert.equal(r.examplesSeen, 200);
  });

  test('deterministic for the same seeded random; another seed gives other params', () => {
    const model = new Mlp({ featureCount: 3, hiddenUnits: [4], l2: 0.01 });
    const run = (seed: number) => {
      const params = model.init(uniformSource(9, 'init'));
      const r = trainLocal(model, params, data, { batchSize: 16, epochs: 2, optimizer: new Sgd(0.05, 0.9), random: uniformSource(seed) });
      return { params, r };
    };
    const a = run(1);
    const b = run(1);
    assert.deepEqual(a.params, b.params);
    assert.deepEqual(a.r, b.r);
    assert.notDeepEqual(run(2).params, a.params);
  });

  test('training lowers the loss; adjustGradient sees every step before the optimizer', () => {
    const model = new LogisticRegression(3, 0);
    const params = model.init(uniformSource(1));
    let calls = 0;
    const first = trainLocal(model, Float64Array.from(params), data, { batchSize: 100, steps: 1, optimizer: new Sgd(0.5), random: uniformSource(3) });
    const r = trainLocal(model, params, data, {
      batchSize: 10,
      epochs: 20,
      optimizer: new Sgd(0.5),
      random: uniformSource(3),
      adjustGradient: (p, g) => {
        calls++;
        assert.equal(p, params);
        assert.equal(g.length, 4);
      },
    });
    assert.equal(calls, 200);
    assert.ok(r.lastLoss < first.lastLoss, `${r.lastLoss} < ${first.lastLoss}`);
  });

  test('rejects both or neither of epochs/steps and a zero batch; an empty data set trains nothing', () => {
    const model = new RecordingModel(3);
    const base = { batchSize: 4, optimizer: new Sgd(0.1), random: uniformSource(1) };
    assert.throws(() => trainLocal(model, model.init(), data, { ...base, epochs: 1, steps: 1 }), RangeError);
    assert.throws(() => trainLocal(model, model.init(), data, base), RangeError);
    assert.throws(() => trainLocal(model, model.init(), data, { ...base, batchSize: 0, epochs: 1 }), RangeError);
    const empty = { n: 0, d: 3, x: new Float64Array(0), y: new Float64Array(0) };
    const r = trainLocal(model, model.init(), empty, { ...base, epochs: 3 });
    assert.equal(r.steps, 0);
    assert.equal(r.examplesSeen, 0);
  });

  test('shuffleInto is a permutation', () => {
    const order = new Uint32Array(1000);
    shuffleInto(order, uniformSource(4));
    assert.deepEqual(Array.from(order).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  });
});
