/** The one budget guard: refuses the step that would cross the budget, for per-site and federation holders alike. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetGuard } from '../../src/bench/budget-guard.js';
import { BENCH_ORDERS } from '../../src/bench/privacy-arms.js';
import { epsilonOfHistory } from '../../src/privacy/accountant/accountant.js';

const eps = (sigma: number, q: number, steps: number, delta: number) =>
  epsilonOfHistory([{ noiseMultiplier: sigma, sampleRate: q, steps }], delta, { orders: BENCH_ORDERS }).epsilon;

test('sample level: each site composes its own steps; the first step past the budget is refused, never taken', () => {
  const delta = 1e-5;
  const budget = 2;
  const guard = new BudgetGuard(budget, delta, ['a', 'b']);
  const stepA = { holder: 'a', noiseMultiplier: 1.5, sampleRate: 0.02, steps: 50 };
  const stepB = { holder: 'b', noiseMultiplier: 1.5, sampleRate: 0.05, steps: 20 };
  let rounds = 0;
  while (guard.check([stepA, stepB]) === null) {
    guard.record([stepA, stepB]);
    rounds++;
  }
  assert.ok(rounds >= 2, `${rounds} rounds fit`);
  const refused = guard.check([stepA, stepB])!;
  // Closed-form reference: the same composition through the accountant's pure function.
  assert.ok(eps(1.5, 0.05, 20 * rounds, delta) <= budget && eps(1.5, 0.02, 50 * rounds, delta) <= budget);
  const next = { a: eps(1.5, 0.02, 50 * (rounds + 1), delta), b: eps(1.5, 0.05, 20 * (rounds + 1), delta) };
  assert.equal(refused.holder, next.a > budget ? 'a' : 'b', 'the first holder in order that would cross');
  assert.ok(Math.abs(refused.projected - next[refused.holder as 'a' | 'b']) < 1e-9);
  assert.ok(Math.abs(guard.spent('b').epsilon - eps(1.5, 0.05, 20 * rounds, delta)) < 1e-9);
  assert.equal(guard.spent('b').steps, 20 * rounds);
});

test('client level: one federation accountant over rounds; no budget never refuses; nothing spent is ε 0, α null', () => {
  const guard = new BudgetGuard(0.5, 1e-4, ['*']);
  const none = guard.spent('*');
  assert.deepEqual([none.epsilon, none.alpha, none.steps], [0, null, 0]);
  const round = { holder: '*', noiseMultiplier: 12, sampleRate: 0.5 };
  let rounds = 0;
  while (guard.check([round]) === null) {
    guard.record([round]);
    rounds++;
  }
  assert.ok(rounds >= 3, `${rounds} rounds fit`);
  assert.ok(eps(12, 0.5, rounds, 1e-4) <= 0.5 && eps(12, 0.5, rounds + 1, 1e-4) > 0.5);
  const free = new BudgetGuard(null, 1e-4, ['*']);
  for (let r = 0; r < 200; r++) {
    assert.equal(free.check([round]), null);
    free.record([round]);
  }
  assert.throws(() => guard.check([{ ...round, holder: 'unknown' }]), /no accountant/);
});
