/** Adaptive clipping (Andrew et al. 2021): the clip norm tracks a quantile of update norms. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createStrategy } from '../../src/federated/registry.js';
import { type ClientUpdate } from '../../src/federated/strategy.js';
import { adaptiveUpdateNoiseMultiplier, nextClipNorm, noisedFractionUnder, resolveAdaptiveClipping } from '../../src/privacy/adaptive-clipping.js';
import { ClientLevelDp, CLIP_NORM_STATE_KEY } from '../../src/privacy/client-dp.js';
import { assertNormalWithSd, SeededGaussianNoise } from './seeded-noise.js';

const noNoise = { secure: false, fillGaussian: () => assert.fail('no noise expected') };

describe('adaptive clipping math', () => {
  test('Theorem 1: σ_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2), and z = (σ_Δ⁻² + (2σ_b)⁻²)^(−1/2) back', () => {
    assert.ok(Math.abs(adaptiveUpdateNoiseMultiplier(1, 1) - 1 / Math.sqrt(0.75)) < 1e-15);
    // The paper's setting m̄ = 100, σ_b = m̄/20 = 5, z = 1: σ_Δ = (1 − 1/100)^(−1/2).
    assert.ok(Math.abs(adaptiveUpdateNoiseMultiplier(1, 5) - 1 / Math.sqrt(0.99)) < 1e-15);
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 20, noNaN: true }), fc.double({ min: 0.51, max: 100, noNaN: true }), (z, ratio) => {
        const sigmaB = ratio * z;
        const sd = adaptiveUpdateNoiseMultiplier(z, sigmaB);
        assert.ok(sd > z);
        const back = (sd ** -2 + (2 * sigmaB) ** -2) ** -0.5;
        assert.ok(Math.abs(back - z) <= 1e-12 * z);
      }),
      { numRuns: 200, seed: 1 },
    );
    assert.equal(adaptiveUpdateNoiseMultiplier(0, 0), 0);
    assert.throws(() => adaptiveUpdateNoiseMultiplier(1, 0.5), /needs count noise σ_b > z\/2 = 0.5/);
  });

  test('the centered noised count and the geometric step, hand-computed', () => {
    // bits 1, 1, 0 → centered ½ + ½ − ½ = ½; plus noise 0.3; over m̄ = 3; plus ½.
    assert.equal(noisedFractionUnder([1, 2, 3], 2.5, 3, 0.3), (0.5 + 0.3) / 3 + 0.5);
    assert.equal(noisedFractionUnder([2.5], 2.5, 1, 0), 1, 'b = 1[‖Δ‖ <= S]');
    assert.ok(nextClipNorm(1, 0.9, 0.5, 0.2) < 1, 'too many under S: S shrinks');
    assert.ok(nextClipNorm(1, 0.1, 0.5, 0.2) > 1, 'too few under S: S grows');
    assert.equal(nextClipNorm(2, 0.7, 0.5, 0.2), 2 * Math.exp(-0.2 * 0.2));
    assert.deepEqual(resolveAdaptiveClipping({}, 40), { targetQuantile: 0.5, learningRate: 0.2, countNoiseMultiplier: 2 });
    assert.throws(() => resolveAdaptiveClipping({ targetQuantile: 1 }, 4), /quantile/);
  });
});

describe('adaptive clipping in the DP wrapper', () => {
  // 100 clients with fixed update norms spread over two decades (log-uniform from 0.1 to 10).
  const N = 100;
  const norms = Array.from({ length: N }, (_, k) => 0.1 * 100 ** (k / (N - 1)));
  const population = norms.map((_, k) => ({ id: `c${String(k).padStart(3, '0')}`, exampleCount: 10 }));
  /** Each client's update: norm_k along its own coordinate-mix direction, against the current x. */
  function updates(x: Float64Array): ClientUpdate[] {
    return population.map((c, k) => {
      const y = Float64Array.from(x);
      y[k % x.length] += norms[k] * 0.6;
      y[(k + 1) % x.length] += norms[k] * 0.8;
      return { clientId: c.id, exampleCount: 10, params: y, vectors: {}, trainLoss: 0, steps: 1, examplesSeen: 10 };
    });
  }
  const fractionUnder = (S: number) => norms.filter((v) => v <= S).length / N;

  for (const gamma of [0.2, 0.5, 0.8]) {
    for (const start of [0.01, 50]) {
      test(`with σ = σ_b = 0 the clip norm converges to the ${gamma} quantile of the norms (from S0 = ${start})`, () => {
        const dp = new ClientLevelDp(createStrategy({ name: 'fedavg' }), {
          noiseMultiplier: 0,
          clipNorm: start,
          expectedClientsPerRound: N,
          adaptiveClipping: { targetQuantile: gamma, countNoiseMultiplier: 0 },
          noise: noNoise,
        });
        let state = dp.initialize(new Float64Array(7), population);
        for (let round = 0; round < 400; round++) state = dp.serverStep(state, dp.aggregate(updates(state.params), state));
        // After convergence S oscillates within a step of the quantile: the fraction under S stays
        // within 2/N of γ in every one of the last 50 rounds.
        const tail = dp.history.slice(-50);
        for (const h of tail) assert.ok(Math.abs(fractionUnder(h.clipNorm) - gamma) <= 0.02 + 1e-12, `S = ${h.clipNorm}: ${fractionUnder(h.clipNorm)} under`);
        assert.equal(state.vectors[CLIP_NORM_STATE_KEY][0], dp.history[dp.history.length - 1].nextClipNorm);
      });
    }
  }

  test('with noise: the update noise uses σ_Δ·S, the accountant is told z, and the count is noised with σ_b', () => {
    const z = 1;
    const sigmaB = 5;
    const m = 4;
    const pop = population.slice(0, m);
    const recording = new SeededGaussianNoise(3, 'adaptive', true);
    const dp = new ClientLevelDp(createStrategy({ name: 'fedavg' }), {
      noiseMultiplier: z,
      clipNorm: 0.5,
      expectedClientsPerRound: m,
      adaptiveClipping: { countNoiseMultiplier: sigmaB },
      noise: recording,
    });
    const dim = 30;
    let state = dp.initialize(new Float64Array(dim), pop);
    const acc = dp.accounting(state);
    assert.equal(acc.noiseMultiplier, z);
    assert.equal(acc.updateNoiseMultiplier, adaptiveUpdateNoiseMultiplier(z, sigmaB));
    assert.equal(acc.countNoiseMultiplier, sigmaB);
    const updateNoise: number[] = [];
    const countNoise: number[] = [];
    for (let round = 0; round < 300; round++) {
      const S = dp.clipNormOf(state);
      const before = recording.produced.length;
      state = dp.serverStep(state, dp.aggregate(updates(state.params).slice(0, m), state));
      const drawn = recording.produced.slice(before);
      assert.equal(drawn.length, dim + 1, 'one noise vector for the updates, one draw for the count');
      // Normalize: the update noise on the average has sd σ_Δ·S/m̄.
      for (let j = 0; j < dim; j++) updateNoise.push(drawn[j] / ((acc.updateNoiseMultiplier * S) / m));
      countNoise.push(drawn[dim]);
    }
    assertNormalWithSd(updateNoise, 1, 'update noise / (σ_Δ·S/m̄)');
    assertNormalWithSd(countNoise, sigmaB, 'count noise');
  });
});
