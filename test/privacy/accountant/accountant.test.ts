/** The RDP accountant (tracker) against Opacus's published values, composition and monotonicity. */
import assert from 'node:assert/strict';
import { AccountantInputError } from '../../../src/privacy/accountant/input-error.js';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RdpAccountant, createAccountant, epsilonOfHistory, rdpOfHistory, type HistoryEntry } from '../../../src/privacy/accountant/accountant.js';
import { computeRdp, DEFAULT_ORDERS } from '../../../src/privacy/accountant/rdp.js';
import { epsilonFromRdp } from '../../../src/privacy/accountant/conversion.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('RdpAccountant', () => {
  test('Opacus tests/accountants_test.py test_rdp_accountant: σ = 1.5, q = 0.04, 2250 single steps, δ = 1e-5 → ε = 7.32911117143', () => {
    const acc = new RdpAccountant();
    for (let i = 0; i < Math.trunc(90 / 0.04); i++) acc.step({ noiseMultiplier: 1.5, sampleRate: 0.04 });
    const spent = acc.getEpsilon(1e-5);
    // assertAlmostEqual (7 places) in Opacus; we hold 1e-9 relative.
    assert.ok(Math.abs(spent.epsilon - 7.32911117143) < 1e-9 * 7.33, String(spent.epsilon));
    assert.equal(spent.accountant, 'rdp');
    assert.equal(spent.conversion, 'improved');
    assert.deepEqual(spent.warnings, []);
    assert.ok(DEFAULT_ORDERS.includes(spent.alpha));
    // Equal consecutive steps are one history entry (as Opacus).
    assert.deepEqual(acc.history, [{ noiseMultiplier: 1.5, sampleRate: 0.04, steps: 2250 }]);
    assert.equal(acc.totalSteps, 2250);
  });

  test('Opacus analysis/rdp.py docstring: history [(q=1e-5, σ=1, 10), (q=1e-4, σ=3, 4)], orders 2..32, δ = 1e-5 → (0.336, α = 23)', () => {
    const acc = new RdpAccountant({ orders: range(2, 33) });
    acc.step({ sampleRate: 1e-5, noiseMultiplier: 1, steps: 10 });
    acc.step({ sampleRate: 1e-4, noiseMultiplier: 3, steps: 4 });
    const spent = acc.getEpsilon(1e-5);
    assert.equal(spent.epsilon.toFixed(3), '0.336');
    assert.equal(spent.alpha, 23);
  });

  test('composition: a history equals the sum of its blocks, and steps taken one by one equal the blocks', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            noiseMultiplier: fc.constantFrom(0.8, 1.1, 2, 4),
            sampleRate: fc.constantFrom(0.001, 0.01, 0.05, 1),
            steps: fc.integer({ min: 1, max: 40 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (blocks: HistoryEntry[]) => {
          const acc = new RdpAccountant();
          for (const b of blocks) for (let i = 0; i < b.steps; i++) acc.step({ noiseMultiplier: b.noiseMultiplier, sampleRate: b.sampleRate });
          const summed = new Float64Array(DEFAULT_ORDERS.length);
          for (const b of blocks) computeRdp(b).forEach((x, k) => (summed[k] += x));
          const viaSum = epsilonFromRdp(DEFAULT_ORDERS, summed, 1e-5).epsilon;
          const tracked = acc.getEpsilon(1e-5).epsilon;
          const pure = epsilonOfHistory(blocks, 1e-5).epsilon;
          assert.ok(Math.abs(tracked - viaSum) <= 1e-9 * viaSum, `${tracked} vs ${viaSum}`);
          assert.ok(Math.abs(pure - viaSum) <= 1e-9 * viaSum);
          assert.equal(acc.totalSteps, blocks.reduce((n, b) => n + b.steps, 0));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('ε is monotone: increasing in steps and in q, decreasing in σ (property)', () => {
    const sigma = fc.double({ min: 0.6, max: 6, noNaN: true });
    const rate = fc.double({ min: 1e-4, max: 0.5, noNaN: true });
    const steps = fc.integer({ min: 1, max: 5000 });
    const eps = (noiseMultiplier: number, sampleRate: number, t: number) => epsilonOfHistory([{ noiseMultiplier, sampleRate, steps: t }], 1e-5).epsilon;
    const slack = (x: number) => 1e-9 * Math.max(1, x);
    fc.assert(
      fc.property(sigma, rate, steps, steps, (s, q, t1, t2) => {
        const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
        return eps(s, q, lo) <= eps(s, q, hi) + slack(eps(s, q, hi));
      }),
      { numRuns: 25 },
    );
    fc.assert(
      fc.property(sigma, rate, rate, steps, (s, q1, q2, t) => {
        const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
        return eps(s, lo, t) <= eps(s, hi, t) + slack(eps(s, hi, t));
      }),
      { numRuns: 25 },
    );
    fc.assert(
      fc.property(sigma, sigma, rate, steps, (s1, s2, q, t) => {
        const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1];
        return eps(hi, q, t) <= eps(lo, q, t) + slack(eps(lo, q, t));
      }),
      { numRuns: 25 },
    );
  });

  test('more steps strictly cost more when the mechanism is not degenerate', () => {
    const a = epsilonOfHistory([{ noiseMultiplier: 1, sampleRate: 0.01, steps: 100 }], 1e-5).epsilon;
    const b = epsilonOfHistory([{ noiseMultiplier: 1, sampleRate: 0.01, steps: 1000 }], 1e-5).epsilon;
    assert.ok(b > a);
  });

  test('projectEpsilon reports the cost of a step without recording it', () => {
    const acc = createAccountant('rdp');
    acc.step({ noiseMultiplier: 1.2, sampleRate: 0.02, steps: 500 });
    const projected = acc.projectEpsilon({ noiseMultiplier: 1.2, sampleRate: 0.02, steps: 100 }, 1e-5);
    assert.equal(acc.history.length, 1);
    assert.equal(acc.history[0].steps, 500);
    acc.step({ noiseMultiplier: 1.2, sampleRate: 0.02, steps: 100 });
    assert.equal(acc.getEpsilon(1e-5).epsilon, projected.epsilon);
  });

  test('σ = 0 with q > 0 gives ε = ∞ (no privacy); q = 0 steps add nothing', () => {
    const acc = new RdpAccountant();
    acc.step({ noiseMultiplier: 1, sampleRate: 0.01, steps: 10 });
    const before = acc.getEpsilon(1e-5).epsilon;
    acc.step({ noiseMultiplier: 1, sampleRate: 0, steps: 1000 });
    assert.equal(acc.getEpsilon(1e-5).epsilon, before);
    acc.step({ noiseMultiplier: 0, sampleRate: 0.01 });
    const spent = acc.getEpsilon(1e-5);
    assert.equal(spent.epsilon, Infinity);
    assert.match(spent.warnings.join(' '), /no privacy/);
  });

  test('warns when the best order is the largest one (low q, high σ): ε could be tighter with larger orders', () => {
    const spent = epsilonOfHistory([{ noiseMultiplier: 5, sampleRate: 0.001, steps: 10 }], 1e-5);
    assert.equal(spent.alpha, 63);
    assert.match(spent.warnings[0], /largest of the orders/);
    // Wider orders confirm the warning was warranted: a larger α gives a smaller ε.
    const wider = epsilonOfHistory([{ noiseMultiplier: 5, sampleRate: 0.001, steps: 10 }], 1e-5, { orders: [...DEFAULT_ORDERS, 128, 256, 512] });
    assert.ok(wider.epsilon < spent.epsilon);
  });

  test('the history is a copy; an initial history is restored; invalid steps throw', () => {
    const acc = new RdpAccountant({ history: [{ noiseMultiplier: 1, sampleRate: 0.1, steps: 3 }] });
    (acc.history as HistoryEntry[])[0].steps = 99;
    assert.equal(acc.history[0].steps, 3);
    assert.deepEqual([...rdpOfHistory(acc.history)], [...computeRdp({ noiseMultiplier: 1, sampleRate: 0.1, steps: 3 })]);
    assert.throws(() => acc.step({ noiseMultiplier: 1, sampleRate: 2 }), AccountantInputError);
    assert.throws(() => acc.step({ noiseMultiplier: NaN, sampleRate: 0.1 }), AccountantInputError);
    assert.throws(() => acc.step({ noiseMultiplier: 1, sampleRate: 0.1, steps: -1 }), AccountantInputError);
    assert.throws(() => acc.getEpsilon(0), /delta/);
  });

  test('the classic conversion option reproduces TF Privacy (σ = 1.1, MNIST, 60 epochs → 3.01)', () => {
    const acc = new RdpAccountant({ conversion: 'classic' });
    acc.step({ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 60 * 234 });
    const spent = acc.getEpsilon(1e-5);
    assert.equal(spent.conversion, 'classic');
    assert.equal(spent.epsilon.toFixed(2), '3.01');
  });
});
