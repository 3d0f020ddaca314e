/** DP-SGD (Abadi et al. 2016, Algorithm 1, Poisson sampling as Opacus). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogisticRegression } from '../../src/model/logistic.js';
import { Mlp } from '../../src/model/mlp.js';
import { Adam, Sgd } from '../../src/model/optimizer.js';
import { trainLocal } from '../../src/model/train.js';
import type { Model, Optimizer } from '../../src/model/types.js';
import { dpSgdSteps, trainDpSgd } from '../../src/privacy/dp-sgd.js';
import { poissonSample } from '../../src/privacy/poisson-sampling.js';
import { allRows, norm, relativeError, syntheticData, uniformSource } from '../model/helpers.js';
import { assertNormalWithSd, SeededGaussianNoise } from './seeded-noise.js';

const data = syntheticData(120, 6, 9);
const models = (): { name: string; model: LogisticRegression | Mlp }[] => [
  { name: 'logistic', model: new LogisticRegression(6, 0.05) },
  { name: 'mlp [5] relu', model: new Mlp({ featureCount: 6, hiddenUnits: [5], l2: 0.05 }) },
  { name: 'mlp [4, 3] tanh', model: new Mlp({ featureCount: 6, hiddenUnits: [4, 3], activation: 'tanh', l2: 0.05 }) },
];

const noNoise = () => ({ secure: false, fillGaussian: () => assert.fail('σ = 0 draws no noise') });

describe('trainDpSgd', () => {
  test('σ = 0, C = ∞, q = 1 is plain full-batch gradient descent, bit for bit (SGD with momentum, Adam)', () => {
    for (const { name, model } of models()) {
      for (const makeOpt of [() => new Sgd(0.3, 0.9), () => new Adam(0.05)] as (() => Optimizer)[]) {
        const p0 = model.init(uniformSource(4));
        const dp = Float64Array.from(p0);
        const r = trainDpSgd(model, dp, data, {
          sampleRate: 1,
          noiseMultiplier: 0,
          clipNorm: Number.POSITIVE_INFINITY,
          steps: 25,
          optimizer: makeOpt(),
          random: () => assert.fail('q = 1 draws no uniforms'),
          noise: noNoise(),
        });
        const plain = Float64Array.from(p0);
        const opt = makeOpt();
        const grad = new Float64Array(model.paramCount);
        for (let t = 0; t < 25; t++) {
          model.lossAndGrad(plain, data, allRows(data.n), data.n, grad);
          opt.step(plain, grad);
        }
        assert.deepStrictEqual(dp, plain, name);
        assert.equal(r.steps, 25);
        assert.equal(r.examplesSeen, 25 * data.n);
        assert.deepEqual(r.batchSize, { min: data.n, max: data.n, mean: data.n });
        assert.equal(r.expectedBatchSize, data.n);
        assert.equal(r.clippedFraction, 0);
        // And trainLocal with one full batch per epoch (shuffled order: equal up to summation order).
        const viaTrainLocal = Float64Array.from(p0);
        trainLocal(model, viaTrainLocal, data, { batchSize: data.n, epochs: 25, optimizer: makeOpt(), random: uniformSource(1) });
        assert.ok(relativeError(viaTrainLocal, plain) < 1e-10, `${name}: ${relativeError(viaTrainLocal, plain)}`);
      }
    }
  });

  test('the noise on the clipped sum is N(0, σ²C²) per coordinate, then divided by the expected batch q·n', () => {
    // One SGD step (lr 1) from the same point with the same sampling stream, with and without
    // noise: the difference of the results is exactly the noise divided by q·n.
    const sigma = 1.7;
    const clipNorm = 0.4;
    const q = 0.1;
    for (const { name, model } of models()) {
      const p0 = model.init(uniformSource(6));
      const noise = new SeededGaussianNoise(21, name);
      const samples: number[] = [];
      for (let rep = 0; rep < 400; rep++) {
        const run = (noiseMultiplier: number) => {
          const p = Float64Array.from(p0);
          trainDpSgd(model, p, data, {
            sampleRate: q,
            noiseMultiplier,
            clipNorm,
            steps: 1,
            optimizer: new Sgd(1),
            random: uniformSource(1000 + rep),
            noise: noiseMultiplier > 0 ? noise : noNoise(),
          });
          return p;
        };
        const noisy = run(sigma);
        const clean = run(0);
        // p = p0 − g̃, so clean − noisy = noise/(q·n); rescale to the noise on the sum.
        for (let j = 0; j < p0.length; j++) samples.push((clean[j] - noisy[j]) * q * data.n);
      }
      assertNormalWithSd(samples, sigma * clipNorm, name);
    }
  });

  test('with σ = 0 and q = 1 one step moves by exactly (Σ clip(g_i))/n + λw: ‖data part‖ <= C', () => {
    for (const { name, model } of models()) {
      const p0 = model.init(uniformSource(8));
      for (const clipNorm of [1e-3, 0.05, 1]) {
        const p = Float64Array.from(p0);
        const r = trainDpSgd(model, p, data, { sampleRate: 1, noiseMultiplier: 0, clipNorm, steps: 1, optimizer: new Sgd(1), random: Math.random, noise: noNoise() });
        const step = new Float64Array(p.length);
        for (let j = 0; j < p.length; j++) step[j] = p0[j] - p[j];
        const penalty = new Float64Array(p.length);
        model.addPenaltyGradient(p0, penalty);
        const dataPart = step.map((v, j) => v - penalty[j]);
        assert.ok(norm(dataPart) <= clipNorm * (1 + 1e-12), `${name} C=${clipNorm}: ${norm(dataPart)}`);
        const expected = new Float64Array(p.length);
        model.clippedGradSum(p0, data, allRows(data.n), data.n, clipNorm, expected, 1 / data.n);
        // p0 − p loses digits to cancellation (|g| ≪ |p0|): compare to 1e-8.
        assert.ok(relativeError(dataPart, expected) < 1e-8, `${relativeError(dataPart, expected)}`);
        if (clipNorm === 1e-3) assert.equal(r.clippedFraction, 1);
      }
    }
  });

  test('Poisson batches: variable sizes, empty steps are valid (noise and penalty only), summary fields', () => {
    const model = new LogisticRegression(6, 0.05);
    const p = model.init(uniformSource(1));
    p[0] = 1;
    const r = trainDpSgd(model, p, { ...data, n: 10 }, {
      sampleRate: 0.02,
      noiseMultiplier: 0,
      clipNorm: 1,
      steps: 300,
      optimizer: new Sgd(0.1),
      random: uniformSource(3),
      noise: noNoise(),
    });
    assert.ok(r.emptySteps > 200, `${r.emptySteps} empty steps`);
    assert.equal(r.batchSize.min, 0);
    assert.ok(r.batchSize.max >= 1);
    assert.equal(r.batchSize.mean, r.examplesSeen / 300);
    assert.ok(Math.abs(r.batchSize.mean - 0.2) < 0.1);
    assert.ok(p[0] < 1, 'the penalty still shrinks the weights on empty steps');
    assert.equal(r.expectedBatchSize, 0.2);
  });

  test('the sampled batches are exactly poissonSample on the given stream', () => {
    const model = new LogisticRegression(6, 0);
    const seen: number[][] = [];
    const spy: Model = Object.assign(Object.create(model) as LogisticRegression, {
      clippedGradSum(...args: Parameters<LogisticRegression['clippedGradSum']>) {
        seen.push([...args[2].subarray(0, args[3])]);
        return model.clippedGradSum(...args);
      },
    });
    trainDpSgd(spy, model.init(Math.random), data, { sampleRate: 0.05, noiseMultiplier: 0, clipNorm: 1, steps: 20, optimizer: new Sgd(0.1), random: uniformSource(5), noise: noNoise() });
    const ref = uniformSource(5);
    const out = new Uint32Array(data.n);
    for (const batch of seen) assert.deepEqual(batch, [...out.subarray(0, poissonSample(data.n, 0.05, ref, out))]);
  });

  test('epochs mode runs epochs·⌊1/q⌋ steps; deterministic for fixed seeds', () => {
    const model = new Mlp({ featureCount: 6, hiddenUnits: [5], l2: 0.01 });
    assert.equal(dpSgdSteps({ epochs: 3 }, 0.1), 30);
    assert.equal(dpSgdSteps({ steps: 7 }, 0.1), 7);
    const run = () => {
      const p = model.init(uniformSource(2));
      const r = trainDpSgd(model, p, data, { sampleRate: 0.1, noiseMultiplier: 1.1, clipNorm: 1, epochs: 3, optimizer: new Sgd(0.1), random: uniformSource(3), noise: new SeededGaussianNoise(4) });
      return { p, r };
    };
    const a = run();
    const b = run();
    assert.equal(a.r.steps, 30);
    assert.deepStrictEqual(a.p, b.p);
    assert.equal(a.r.noiseSecure, false);
    assert.equal(a.r.noiseMultiplier, 1.1);
    assert.equal(a.r.sampleRate, 0.1);
  });

  test('learns under moderate noise (σ = 1, C = 1): the loss falls well below the start', () => {
    const big = syntheticData(3000, 6, 12, 1);
    for (const { name, model } of models()) {
      const p = model.init(uniformSource(2));
      const before = model.lossAndGrad(p, big, allRows(big.n), big.n, new Float64Array(model.paramCount));
      trainDpSgd(model, p, big, { sampleRate: 0.02, noiseMultiplier: 1, clipNorm: 1, epochs: 5, optimizer: new Sgd(0.5), random: uniformSource(3), noise: new SeededGaussianNoise(7) });
      const after = model.lossAndGrad(p, big, allRows(big.n), big.n, new Float64Array(model.paramCount));
      assert.ok(after < before - 0.05, `${name}: ${before} -> ${after}`);
    }
  });

  test('adjustGradient sees the privatized gradient (applied after noise and penalty)', () => {
    const model = new LogisticRegression(6, 0.05);
    const p = model.init(Math.random);
    const grads: Float64Array[] = [];
    trainDpSgd(model, p, data, {
      sampleRate: 1,
      noiseMultiplier: 0,
      clipNorm: Number.POSITIVE_INFINITY,
      steps: 1,
      optimizer: new Sgd(0.1),
      random: Math.random,
      noise: noNoise(),
      adjustGradient: (_params, g) => {
        grads.push(Float64Array.from(g));
        g.fill(0);
      },
    });
    const expected = new Float64Array(model.paramCount);
    model.lossAndGrad(model.init(Math.random), data, allRows(data.n), data.n, expected);
    assert.deepStrictEqual(grads[0], expected);
    assert.ok(p.every((v) => v === 0), 'the adjusted (zeroed) gradient is what the optimizer used');
  });

  test('rejects bad settings and models without per-example gradients', () => {
    const model = new LogisticRegression(6, 0);
    const base = { sampleRate: 0.1, noiseMultiplier: 1, clipNorm: 1, steps: 1, optimizer: new Sgd(0.1), random: Math.random, noise: new SeededGaussianNoise(1) };
    const p = model.init(Math.random);
    assert.throws(() => trainDpSgd(model, p, data, { ...base, sampleRate: 0 }), /sample rate q/);
    assert.throws(() => trainDpSgd(model, p, data, { ...base, sampleRate: 1.01 }), /sample rate q/);
    assert.throws(() => trainDpSgd(model, p, data, { ...base, noiseMultiplier: -1 }), /noise multiplier/);
    assert.throws(() => trainDpSgd(model, p, data, { ...base, clipNorm: 0 }), /clip norm/);
    assert.throws(() => trainDpSgd(model, p, data, { ...base, clipNorm: Number.POSITIVE_INFINITY }), /finite clip norm/);
    assert.throws(() => trainDpSgd(model, p, data, { ...base, epochs: 2 }), /exactly one of steps or epochs/);
    assert.throws(() => trainDpSgd(model, p, data, { ...base, steps: 1.5 }), /steps must be/);
    const noPerExample: Model = { kind: 'logistic', featureCount: 6, paramCount: 7, l2: 0, init: () => new Float64Array(7), lossAndGrad: () => 0, predict: () => new Float64Array(0) };
    assert.throws(() => trainDpSgd(noPerExample, p, data, base), /no per-example gradients.*js\) backend/);
  });
});
