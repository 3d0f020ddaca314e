/** Noise calibration: Opacus's published σ, never overshooting the target, tightness, errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { noiseMultiplierFor, UnreachableEpsilonError } from '../../../src/privacy/accountant/calibrate.js';
import { epsilonOfHistory, RdpAccountant } from '../../../src/privacy/accountant/accountant.js';
import { FedageError } from '../../../src/errors.js';

describe('noiseMultiplierFor', () => {
  test('Opacus test_get_noise_multiplier_rdp_epochs: ε = 8, δ = 1e-5, q = 0.04, 90 epochs (2250 steps) → σ = 1.416', () => {
    const r = noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, sampleRate: 0.04, steps: Math.trunc(90 / 0.04) });
    assert.ok(Math.abs(r.noiseMultiplier - 1.416) < 5e-5, String(r.noiseMultiplier)); // assertAlmostEqual(places=4)
    assert.ok(r.spent.epsilon <= 8 && r.spent.epsilon >= 8 - 0.01);
  });

  test('Opacus test_get_noise_multiplier_rdp_steps: ε = 8, δ = 1e-5, q = 0.04, 2000 steps → σ = 1.3562', () => {
    const r = noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, sampleRate: 0.04, steps: 2000 });
    assert.ok(Math.abs(r.noiseMultiplier - 1.3562) < 5e-5, String(r.noiseMultiplier));
  });

  test('never overshoots and is tight: target − tolerance ≤ ε(σ*) ≤ target (property; Opacus test_get_noise_multiplier_overshoot)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 10, max: 100 }),
        fc.constantFrom(1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1),
        fc.constantFrom(1e-4, 1e-5, 1e-6),
        (targetEpsilon, epochs, sampleRate, delta) => {
          const steps = Math.trunc(epochs / sampleRate);
          const r = noiseMultiplierFor({ targetEpsilon, delta, sampleRate, steps });
          // Recomputed independently of the calibration's own bookkeeping.
          const eps = epsilonOfHistory([{ noiseMultiplier: r.noiseMultiplier, sampleRate, steps }], delta).epsilon;
          assert.equal(eps, r.spent.epsilon);
          assert.ok(eps <= targetEpsilon, `overshoot: ε(${r.noiseMultiplier}) = ${eps} > ${targetEpsilon}`);
          assert.ok(eps >= targetEpsilon - 0.01, `loose: ε = ${eps} for target ${targetEpsilon}`);
        },
      ),
      { numRuns: 12 },
    );
  });

  test('a finer tolerance gets closer from below, with a smaller σ', () => {
    const coarse = noiseMultiplierFor({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000 });
    const fine = noiseMultiplierFor({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000, epsilonTolerance: 1e-5 });
    assert.ok(fine.spent.epsilon <= 1 && fine.spent.epsilon >= 1 - 1e-5, String(fine.spent.epsilon));
    assert.ok(fine.noiseMultiplier <= coarse.noiseMultiplier);
    // σ a little below the fine answer overshoots: the answer is the smallest σ to bisection precision.
    const below = epsilonOfHistory([{ noiseMultiplier: fine.noiseMultiplier * (1 - 1e-3), sampleRate: 0.01, steps: 1000 }], 1e-5).epsilon;
    assert.ok(below > 1, String(below));
  });

  test('q = 1 (no subsampling) calibrates the plain Gaussian mechanism', () => {
    const r = noiseMultiplierFor({ targetEpsilon: 2, delta: 1e-5, sampleRate: 1, steps: 1, epsilonTolerance: 1e-6 });
    assert.ok(r.spent.epsilon <= 2 && r.spent.epsilon > 2 - 1e-6);
  });

  test('an unreachable target is a typed error with exit code 2 and a clear message', () => {
    assert.throws(
      () => noiseMultiplierFor({ targetEpsilon: 0.01, delta: 1e-5, sampleRate: 0.04, steps: 2250 }),
      (e: unknown) =>
        e instanceof UnreachableEpsilonError && e instanceof FedageError && e.exitCode === 2 && /cannot reach ε = 0\.01 at δ = 0\.00001/.test(e.message),
    );
  });

  test('a custom accountant factory is used (classic conversion needs more noise for the same ε)', () => {
    const improved = noiseMultiplierFor({ targetEpsilon: 3, delta: 1e-5, sampleRate: 0.01, steps: 3000 });
    const classic = noiseMultiplierFor({ targetEpsilon: 3, delta: 1e-5, sampleRate: 0.01, steps: 3000, accountant: () => new RdpAccountant({ conversion: 'classic' }) });
    assert.equal(classic.spent.conversion, 'classic');
    assert.ok(classic.noiseMultiplier > improved.noiseMultiplier);
  });

  test('invalid inputs are RangeErrors naming the parameter', () => {
    const base = { targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 100 };
    assert.throws(() => noiseMultiplierFor({ ...base, targetEpsilon: 0 }), /targetEpsilon/);
    assert.throws(() => noiseMultiplierFor({ ...base, delta: 1 }), /delta/);
    assert.throws(() => noiseMultiplierFor({ ...base, sampleRate: 0 }), /sampleRate: expected a number in \(0, 1\]/);
    assert.throws(() => noiseMultiplierFor({ ...base, steps: 0 }), /steps/);
    assert.throws(() => noiseMultiplierFor({ ...base, epsilonTolerance: 0 }), /epsilonTolerance/);
  });
});
