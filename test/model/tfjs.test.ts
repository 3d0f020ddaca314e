/**
 * The tfjs backend against the typed-array models: same loss and gradient to float32 precision,
 * and the library prints nothing while loading and running tfjs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, describe, test } from 'node:test';
import { createModel, type ModelSpec } from '../../src/model/create-model.js';
import { describeBackend, loadTfjs, type LoadedTfjs } from '../../src/model/tfjs-backend.js';
import type { Model } from '../../src/model/types.js';
import { randomVector, syntheticData, uniformSource } from './helpers.js';

const data = syntheticData(80, 6, 7);

function compare(spec: ModelSpec, seed: number): void {
  const typed = createModel({ ...spec, backend: 'js' });
  const tfjs = createModel({ ...spec, backend: 'tfjs' });
  assert.equal(tfjs.paramCount, typed.paramCount);
  const random = uniformSource(seed);
  for (let t = 0; t < 3; t++) {
    // t = 0 is the model's own init (zeros for logistic: every logit exactly 0).
    const params = t === 0 ? typed.init(random) : randomVector(typed.paramCount, random, 0.7);
    const rows = Uint32Array.from({ length: 32 }, (_, k) => (k * 5 + t) % data.n);
    const gTyped = new Float64Array(typed.paramCount);
    const gTfjs = new Float64Array(typed.paramCount);
    const lossTyped = typed.lossAndGrad(params, data, rows, 32, gTyped);
    const lossTfjs = tfjs.lossAndGrad(params, data, rows, 32, gTfjs);
    assert.ok(Math.abs(lossTfjs - lossTyped) <= 1e-5 * Math.max(1, lossTyped), `trial ${t} loss ${lossTfjs} vs ${lossTyped}`);
    const scale = Math.max(1e-3, ...Array.from(gTyped, Math.abs));
    for (let j = 0; j < gTyped.length; j++) {
      assert.ok(Math.abs(gTfjs[j] - gTyped[j]) <= 1e-5 * scale, `trial ${t} grad[${j}] ${gTfjs[j]} vs ${gTyped[j]}`);
    }
    const pTyped = typed.predict(params, data);
    const pTfjs = tfjs.predict(params, data);
    for (let i = 0; i < data.n; i++) assert.ok(Math.abs(pTfjs[i] - pTyped[i]) < 1e-5);
  }
}

describe('tfjs backend', () => {
  let loaded: LoadedTfjs;
  before(async () => {
    loaded = await loadTfjs();
  });

  test('loads tfjs-node when installed, else tfjs on the cpu backend; describeBackend says which', () => {
    assert.ok(loaded.backend === 'tfjs-node' || loaded.backend === 'tfjs-cpu');
    if (loaded.backend === 'tfjs-cpu') assert.equal(loaded.tf.getBackend(), 'cpu');
    const tfModel = createModel({ kind: 'logistic', featureCount: 3, l2: 0, backend: 'tfjs' });
    assert.deepEqual(describeBackend(tfModel), { name: loaded.backend, version: loaded.tf.version_core });
    assert.deepEqual(describeBackend(createModel({ kind: 'logistic', featureCount: 3, l2: 0 })), { name: 'js-typed-array' });
    assert.equal(describeBackend().name, loaded.backend);
  });

  test('logistic: same loss and gradient as the typed path', () => compare({ kind: 'logistic', featureCount: 6, l2: 0.1 }, 1));
  test('MLP (ReLU, one layer): same loss and gradient', () => compare({ kind: 'mlp', featureCount: 6, hiddenUnits: [8], l2: 0.05 }, 2));
  test('MLP (tanh, two layers): same loss and gradient', () => compare({ kind: 'mlp', featureCount: 6, hiddenUnits: [7, 5], activation: 'tanh', l2: 0 }, 3));

  test('an empty batch and repeated calls leak no tensors', () => {
    const model: Model = createModel({ kind: 'mlp', featureCount: 6, hiddenUnits: [4], l2: 0.1, backend: 'tfjs' });
    const params = model.init(uniformSource(1));
    const grad = new Float64Array(model.paramCount);
    model.lossAndGrad(params, data, new Uint32Array(0), 0, grad);
    const before = loaded.tf.memory().numTensors;
    for (let i = 0; i < 5; i++) model.lossAndGrad(params, data, Uint32Array.of(1, 2, 3), 3, grad);
    model.predict(params, data);
    assert.equal(loaded.tf.memory().numTensors, before);
  });

  test('loading and using tfjs writes nothing to stdout or stderr (fresh process)', async () => {
    const modelIndex = fileURLToPath(new URL('../../src/model/index.js', import.meta.url));
    const script = `
      const m = await import(${JSON.stringify(modelIndex)});
      await m.loadTfjs();
      const model = m.createModel({ kind: 'mlp', featureCount: 2, hiddenUnits: [3], l2: 0, backend: 'tfjs' });
      const data = { n: 2, d: 2, x: Float64Array.of(1, 2, 3, 4), y: Float64Array.of(0, 1) };
      const g = new Float64Array(model.paramCount);
      const loss = model.lossAndGrad(model.init(Math.random), data, Uint32Array.of(0, 1), 2, g);
      if (!Number.isFinite(loss)) process.exit(3);
      model.predict(model.init(Math.random), data);`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(stdout, '');
    assert.equal(stderr, '');
  });
});

describe('createModel without tfjs loaded', () => {
  test('a fresh process asked for the tfjs backend before loadTfjs gets a clear error', async () => {
    const createModelFile = fileURLToPath(new URL('../../src/model/create-model.js', import.meta.url));
    const script = `
      const { createModel } = await import(${JSON.stringify(createModelFile)});
      try { createModel({ kind: 'logistic', featureCount: 2, l2: 0, backend: 'tfjs' }); process.exit(4); }
      catch (e) { if (!/loadTfjs/.test(e.message)) process.exit(5); }`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(stdout, '');
  });
});
