/**
 * The accountants always terminate: inputs outside the range where the math can be evaluated in
 * double precision are typed input errors (exit 2), the series never loop on NaN, and the PRV
 * grid is bounded. Regression for issue 13: σ = 1e-200 made 2σ² underflow to 0, the
 * fractional-order series produced NaN terms and its stopping test (term < e^−30) never held.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FedageError, EXIT_INPUT } from '../../../src/errors.js';
import { AccountantInputError } from '../../../src/privacy/accountant/input-error.js';
import { PrvAccountant, RdpAccountant, epsilonOfHistory } from '../../../src/privacy/accountant/accountant.js';
import {
  MAX_RDP_ORDER,
  MIN_NOISE_MULTIPLIER,
  MAX_NOISE_MULTIPLIER_ACCOUNTED,
  computeRdp,
  logAdd,
  logSub,
  logAFractionalOrder,
  logAIntegerOrder,
  rdpAtOrder,
} from '../../../src/privacy/accountant/rdp.js';
import { MAX_PRV_GRID_POINTS, prvEpsilonOfHistory } from '../../../src/privacy/accountant/prv.js';
import { noiseMultiplierFor } from '../../../src/privacy/accountant/calibrate.js';

describe('accountant termination and input ranges', () => {
  test('σ below 1e-100 (2σ² underflows near 1e-154) is an input error naming σ and the range, at once', () => {
    for (const sigma of [1e-200, 1e-300, 5e-324, 1e-101]) {
      const started = performance.now();
      assert.throws(
        () => epsilonOfHistory([{ noiseMultiplier: sigma, sampleRate: 0.01, steps: 100 }], 1e-5),
        (e: unknown) => e instanceof AccountantInputError && e.exitCode === EXIT_INPUT && /noiseMultiplier: expected 0 or a noise multiplier σ in \[1e-100, 1e\+100\], found/.test(e.message),
      );
      assert.ok(performance.now() - started < 1000);
    }
    assert.throws(() => new RdpAccountant().step({ noiseMultiplier: 1e-200, sampleRate: 0.5 }), AccountantInputError);
    assert.throws(() => new PrvAccountant().step({ noiseMultiplier: 1e101, sampleRate: 0.5 }), AccountantInputError);
  });

  test('the bounds themselves are accepted; σ = 0 is still "no privacy" (ε = ∞), not an error', () => {
    const low = epsilonOfHistory([{ noiseMultiplier: MIN_NOISE_MULTIPLIER, sampleRate: 0.5, steps: 1 }], 1e-5);
    // ε of one step at α ≈ 1.1 is about α/(2σ²) = 5.5e199: finite, as the range promises.
    assert.ok(Number.isFinite(low.epsilon) && low.epsilon > 1e199, String(low.epsilon));
    const high = epsilonOfHistory([{ noiseMultiplier: MAX_NOISE_MULTIPLIER_ACCOUNTED, sampleRate: 0.5, steps: 1 }], 1e-5);
    assert.ok(Number.isFinite(high.epsilon) && high.epsilon >= 0);
    assert.equal(epsilonOfHistory([{ noiseMultiplier: 0, sampleRate: 0.5, steps: 1 }], 1e-5).epsilon, Infinity);
  });

  test('log-space helpers: ∞ absorbs instead of producing NaN', () => {
    assert.equal(logAdd(Infinity, Infinity), Infinity);
    assert.equal(logAdd(Infinity, 3), Infinity);
    assert.equal(logAdd(-Infinity, Infinity), Infinity);
    assert.equal(logSub(Infinity, 3), Infinity);
    assert.throws(() => logSub(Infinity, Infinity), /∞ − ∞/);
  });

  test('the raw series, called below the range, fail loudly instead of looping (the root of the hang)', () => {
    // 2σ² = 0 here: before the fix the fractional series never stopped.
    assert.throws(() => logAFractionalOrder(0.01, 1e-200, 1.5), /NaN/);
    // The integer series is a finite loop; its NaN reaches the conversion, which refuses it.
    assert.ok(Number.isNaN(logAIntegerOrder(0.01, 1e-200, 3)));
  });

  test('a subnormal sampling rate: z0 uses log(1 − q) − log q, so 1/q overflowing to ∞ does not matter', () => {
    const q = 5e-324;
    for (const alpha of [1.5, 2.5, 10]) {
      const r = rdpAtOrder(q, 1, alpha);
      assert.ok(Number.isFinite(r) && r >= 0, `α=${alpha}: ${r}`);
      // Monotone in q: never more than at q = 1e-300.
      assert.ok(r <= rdpAtOrder(1e-300, 1, alpha) + 1e-300);
    }
  });

  test('steps beyond 2^53 and orders beyond 1e4 or non-finite are input errors', () => {
    assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 2 ** 60 }), /steps: expected an integer in \[0, 2\^53 − 1\], found/);
    assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1, orders: [2, 1e15] }), (e: unknown) => e instanceof AccountantInputError && /orders: expected every RDP order α in \(1, 10000\], found 1000000000000000/.test(e.message));
    assert.throws(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1, orders: [Infinity] }), AccountantInputError);
    assert.doesNotThrow(() => computeRdp({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1, orders: [MAX_RDP_ORDER] }));
    assert.throws(() => noiseMultiplierFor({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.1, steps: 2 ** 60 }), AccountantInputError);
  });

  test('every accountant input error is a FedageError with exit code 2 (the CLI prints it without a stack)', () => {
    const cases: (() => unknown)[] = [
      () => epsilonOfHistory([{ noiseMultiplier: 1, sampleRate: 1.5, steps: 1 }], 1e-5),
      () => epsilonOfHistory([{ noiseMultiplier: 1, sampleRate: 0.5, steps: 1 }], 0),
      () => new PrvAccountant({ epsError: 0 }),
      () => noiseMultiplierFor({ targetEpsilon: 0, delta: 1e-5, sampleRate: 0.1, steps: 10 }),
    ];
    for (const c of cases) assert.throws(c, (e: unknown) => e instanceof FedageError && e.exitCode === EXIT_INPUT);
  });

  test('PRV: a grid above the limit is refused before any allocation, naming σ, q, steps, δ, the limit and the way out', () => {
    const started = performance.now();
    assert.throws(
      () => prvEpsilonOfHistory([{ noiseMultiplier: 0.1, sampleRate: 0.5, steps: 1000 }], 1e-5, { epsError: 0.01, deltaError: 1e-8 }),
      (e: unknown) =>
        e instanceof AccountantInputError &&
        e.message.includes(`at most ${MAX_PRV_GRID_POINTS} grid points, found `) &&
        /σ = 0\.1, q = 0\.5, 1000 steps at δ = 0\.00001 with ε error 0\.01/.test(e.message) &&
        /use the RDP accountant, or a larger ε error/.test(e.message),
    );
    // Tiny σ: the domain is astronomically wide; still an immediate input error.
    assert.throws(() => new PrvAccountant({ history: [{ noiseMultiplier: 1e-50, sampleRate: 0.5, steps: 1 }] }).getEpsilon(1e-5), AccountantInputError);
    assert.ok(performance.now() - started < 2000);
  });

  test('property: for any σ in [1e-300, 1e6], q in (0, 1], steps in [1, 1e7] the RDP accountant returns a finite ε ≥ 0 or a typed input error', () => {
    const sigma = fc.double({ min: -300, max: 6, noNaN: true }).map((e) => 10 ** e);
    const q = fc.oneof(fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }), fc.constantFrom(1, 0.5, Number.MIN_VALUE, 1 - 2 ** -53));
    const steps = fc.integer({ min: 1, max: 1e7 });
    fc.assert(
      fc.property(sigma, q, steps, fc.constantFrom(1e-5, 1e-10, 0.1), (s, sampleRate, t, delta) => {
        const acc = new RdpAccountant();
        try {
          acc.step({ noiseMultiplier: s, sampleRate, steps: t });
        } catch (e) {
          // Only σ outside the accountable range may be refused.
          return e instanceof AccountantInputError && s < MIN_NOISE_MULTIPLIER;
        }
        const eps = acc.getEpsilon(delta).epsilon;
        return Number.isFinite(eps) && eps >= 0 && s >= MIN_NOISE_MULTIPLIER;
      }),
      { numRuns: 150, seed: 13 },
    );
  });

  test('property: the PRV accountant over the same ranges returns a finite ε ≥ 0 or a typed input error (grid limit)', () => {
    const sigma = fc.double({ min: -300, max: 6, noNaN: true }).map((e) => 10 ** e);
    const q = fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true });
    const steps = fc.integer({ min: 1, max: 1e7 });
    fc.assert(
      fc.property(sigma, q, steps, (s, sampleRate, t) => {
        try {
          const eps = new PrvAccountant({ history: [{ noiseMultiplier: s, sampleRate, steps: t }] }).getEpsilon(1e-5).epsilon;
          return Number.isFinite(eps) && eps >= 0;
        } catch (e) {
          return e instanceof AccountantInputError;
        }
      }),
      // Each success can build a grid of up to 4 M points (seconds): few runs, fixed seed.
      { numRuns: 5, seed: 13 },
    );
  });
});
