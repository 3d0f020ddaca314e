import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trainPooled } from '../../src/vertical/baselines.js';
import { labelHolderFirst } from '../../src/vertical/columns.js';
import { predictSplit, trainSplitLearning } from '../../src/vertical/split-learning.js';
import { HEADER_BYTES } from '../../src/vertical/wire.js';
import { baseConfig, verticalFixture } from './helpers.js';

describe('split learning (Vepakomma et al. 2018)', () => {
  test('one party holding every column, linear bottom: the parameters equal central logistic regression bit for bit', () => {
    const data = verticalFixture({ n: 300, cols: [6], seed: 3 });
    const config = baseConfig({ epochs: 4, batchSize: 25 });
    const central = trainPooled(data, data.parties, config, 'central');
    const split = trainSplitLearning(data, config);
    const weights = split.model.bottoms[0].params;
    assert.deepEqual([...weights, split.model.top[0]], [...central.params]);
    assert.ok(weights.some((w) => w !== 0), 'training moved the weights');
    assert.deepEqual(split.bytesByDirection, { forward: 0, backward: 0 });
  });

  test('three parties, float64 wire: the same model as central logistic regression on the pooled columns (within 1e-12)', () => {
    const data = verticalFixture({ n: 240, cols: [2, 3, 2], seed: 4 });
    const config = baseConfig({ epochs: 3, batchSize: 30, wireFormat: 'float64' });
    const central = trainPooled(data, labelHolderFirst(data), config, 'central').params;
    const { model } = trainSplitLearning(data, config);
    const pooled = [...model.bottoms.flatMap((b) => [...b.params]), model.top[0]];
    assert.equal(pooled.length, central.length);
    pooled.forEach((w, j) => assert.ok(Math.abs(w - central[j]) < 1e-12, `parameter ${j}: ${w} vs ${central[j]}`));
  });

  test('bytes per epoch are the encoded message lengths: header + rows × width × 4 (float32) each way, per party', () => {
    const data = verticalFixture({ n: 100, cols: [2, 3, 1], seed: 5, testFraction: 0.3 });
    for (const [hidden, format, width] of [[0, 'float32', 4], [4, 'float64', 8]] as const) {
      const config = baseConfig({ epochs: 2, batchSize: 32, bottomHiddenUnits: hidden, wireFormat: format });
      const run = trainSplitLearning(data, config);
      const train = 70; // batches of 32, 32, 6
      const outputs = hidden === 0 ? 1 : hidden;
      const perParty = 3 * HEADER_BYTES + train * outputs * width;
      assert.deepEqual(run.bytesByDirection, { forward: 2 * perParty, backward: 2 * perParty });
    }
  });

  test('ReLU bottoms learn: test AUC well above chance on a learnable problem', async () => {
    const { auc } = await import('../../src/metrics/auc.js');
    const data = verticalFixture({ n: 1200, cols: [3, 3, 3], seed: 6, intercept: -1, signal: 2 });
    const config = baseConfig({ epochs: 8, batchSize: 32, bottomHiddenUnits: 4, learningRate: 0.1 });
    const { model } = trainSplitLearning(data, config);
    const scores = predictSplit(model, data.testIndices);
    const y = Array.from(data.testIndices, (r) => data.labels[r]);
    assert.ok((auc(y, scores) as number) > 0.75);
  });
});
