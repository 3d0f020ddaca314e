import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BENCH_ORDERS, defaultDelta, dpArmName, stepsWithinBudget } from '../../src/bench/privacy-arms.js';
import { resolveBenchConfig, resolvePrivacyConfig } from '../../src/bench/config.js';
import { epsilonOfHistory } from '../../src/privacy/accountant/accountant.js';
import { UsageError } from '../../src/errors.js';

test('default δ is a power of ten below 1/(10 n) of the smallest site', () => {
  assert.equal(defaultDelta([1200, 800, 600]), 1e-4);
  assert.equal(defaultDelta([100]), 1e-3);
  assert.equal(defaultDelta([99, 5000]), 1e-3);
  assert.equal(defaultDelta([101]), 1e-4);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 12 }), (rows) => {
      const d = defaultDelta(rows);
      const nMin = Math.min(...rows);
      return d <= 1 / (10 * nMin) * (1 + 1e-12) && d > 1 / (100 * nMin) * (1 - 1e-12);
    }),
  );
});

test('stepsWithinBudget is the largest step count whose ε stays within the budget (brute force)', () => {
  const cases = [
    { sigma: 0.8, q: 0.05, planned: 400, delta: 1e-5, budget: 2 },
    { sigma: 1.1, q: 0.01, planned: 3000, delta: 1e-5, budget: 1 },
    { sigma: 5, q: 0.1, planned: 50, delta: 1e-4, budget: 100 },
  ];
  for (const c of cases) {
    const t = stepsWithinBudget(c.sigma, c.q, c.planned, c.delta, c.budget);
    const eps = (steps: number) => (steps === 0 ? 0 : epsilonOfHistory([{ noiseMultiplier: c.sigma, sampleRate: c.q, steps }], c.delta, { orders: BENCH_ORDERS }).epsilon);
    assert.ok(t <= c.planned && eps(t) <= c.budget, `ε(${t}) = ${eps(t)}`);
    if (t < c.planned) assert.ok(eps(t + 1) > c.budget, `one more step (${t + 1}) must exceed the budget`);
  }
});

test('DP arm names carry ε or σ, and the gate grammar can address them', () => {
  const eps = resolvePrivacyConfig({ epsilons: [1] })!;
  assert.equal(dpArmName('fedavg', eps, 1), 'fedavg+dp(eps=1)');
  assert.equal(dpArmName('local:se-memory', eps, 0.1), 'local:se-memory+dp(eps=0.1)');
  const sigma = resolvePrivacyConfig({ noiseMultiplier: 1.1 })!;
  assert.equal(sigma.epsilons, null);
  assert.equal(dpArmName('central', sigma, null), 'central+dp(sigma=1.1)');
});

test('privacy settings: defaults, client-level rules', () => {
  assert.equal(resolveBenchConfig({}).privacy, null);
  const p = resolvePrivacyConfig({})!;
  assert.deepEqual(p.epsilons, [0.1, 1, 5]);
  assert.deepEqual(p.arms, ['central', 'fedavg']);
  assert.equal(p.level, 'sample');
  assert.equal(p.noiseSeed, null, 'secure noise unless a seed is given');
  assert.deepEqual(resolvePrivacyConfig({ level: 'client' })!.arms, ['fedavg']);
  assert.throws(() => resolvePrivacyConfig({ level: 'client', arms: ['scaffold'] }), UsageError);
  assert.throws(() => resolvePrivacyConfig({ level: 'client', arms: ['central'] }), UsageError);
  assert.throws(() => resolvePrivacyConfig({ level: 'sample', adaptiveClipping: true }), UsageError);
  // Flags alone turn privacy on.
  assert.equal(resolvePrivacyConfig(null, { level: 'client', epsilons: [2] })!.epsilons![0], 2);
});

test('the extended orders reach ε = 0.1 over many steps, where Opacus\'s orders stop at their floor', () => {
  const history = [{ noiseMultiplier: 40, sampleRate: 1 / 750, steps: 15_000 }];
  const opacus = epsilonOfHistory(history, 1e-5).epsilon;
  const extended = epsilonOfHistory(history, 1e-5, { orders: BENCH_ORDERS }).epsilon;
  assert.ok(opacus > 0.1, `Opacus orders: ${opacus}`);
  assert.ok(extended < 0.1 && extended <= opacus, `extended: ${extended}`);
});
