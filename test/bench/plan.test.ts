/** planArms: the experiment plan as plain data, checked without training anything. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { resolveBenchConfig, type BenchConfig } from '../../src/bench/config.js';
import { planArms, type ArmPlan, type SitePlanInput } from '../../src/bench/plan.js';
import { resolveDelta } from '../../src/bench/privacy-arms.js';
import { BENCH_ORDERS } from '../../src/bench/privacy-arms.js';
import { STRATEGY_REGISTRY } from '../../src/federated/registry.js';
import { epsilonOfHistory } from '../../src/privacy/accountant/accountant.js';
import { InputError } from '../../src/errors.js';

const SITES: SitePlanInput[] = [
  { id: 'a', trainRows: 700 },
  { id: 'b', trainRows: 333 },
  { id: 'c', trainRows: 96 },
];

/** ε of T steps of the subsampled Gaussian with (σ, q) at δ, with the bench's orders (the reference). */
const eps = (sigma: number, q: number, steps: number, delta: number) =>
  steps === 0 ? 0 : epsilonOfHistory([{ noiseMultiplier: sigma, sampleRate: q, steps }], delta, { orders: BENCH_ORDERS }).epsilon;

function withPrivacy(config: BenchConfig, rows: number[]): BenchConfig {
  return config.privacy ? { ...config, privacy: resolveDelta(config.privacy, rows) } : config;
}

const byName = (plans: ArmPlan[], name: string): ArmPlan => {
  const p = plans.find((x) => x.name === name);
  assert.ok(p, `no arm ${name} in ${plans.map((x) => x.name).join(', ')}`);
  return p;
};

describe('planArms: non-private arms', () => {
  test('one arm per central, site and registry strategy, in the run order, with the registry defaults', () => {
    const plans = planArms(resolveBenchConfig({}), SITES);
    assert.deepEqual(
      plans.map((p) => p.name),
      ['central', 'local:a', 'local:b', 'local:c', ...STRATEGY_REGISTRY.map((s) => s.name)],
    );
    for (const def of STRATEGY_REGISTRY) {
      const t = byName(plans, def.name).trainer;
      assert.equal(t.kind, 'strategy');
      if (t.kind === 'strategy') assert.deepEqual(t.strategy, { name: def.name, ...def.defaults });
    }
    assert.ok(plans.every((p) => p.privacy === undefined && p.secureAggregation === undefined && p.compression === undefined));
  });

  test('step budgets: epochs × ⌈n/B⌉ minibatches (central over the pooled rows), rounds × local epochs for strategies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 128 }),
        (rows, rounds, localEpochs, batchSize) => {
          const sites = rows.map((n, i) => ({ id: `s${i}`, trainRows: n }));
          const config = resolveBenchConfig({ arms: ['central', 'local', 'fedavg'], federated: { rounds, localEpochs, batchSize }, training: { batchSize } });
          const plans = planArms(config, sites);
          const pooled = rows.reduce((a, b) => a + b, 0);
          const central = byName(plans, 'central').trainer;
          assert.equal(central.kind, 'pooled');
          if (central.kind === 'pooled') {
            // Central gets the federated budget: rounds × local epochs passes over the pooled rows.
            assert.equal(central.epochs, rounds * localEpochs);
            assert.equal(central.plannedSteps, rounds * localEpochs * Math.ceil(pooled / Math.min(batchSize, pooled)));
          }
          sites.forEach((s) => {
            const t = byName(plans, `local:${s.id}`).trainer;
            assert.ok(t.kind === 'site' && t.plannedSteps === rounds * localEpochs * Math.ceil(s.trainRows / Math.min(batchSize, s.trainRows)));
          });
          const fed = byName(plans, 'fedavg').trainer;
          assert.ok(fed.kind === 'strategy' && fed.rounds === rounds && fed.localEpochs === localEpochs);
          if (fed.kind === 'strategy') {
            assert.deepEqual(
              fed.clients.map((c) => c.stepsPerRound),
              rows.map((n) => localEpochs * Math.ceil(n / Math.min(batchSize, n))),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test('sites without training rows take no part in federated arms; none at all is an input error', () => {
    const plans = planArms(resolveBenchConfig({ arms: ['fedavg'] }), [...SITES, { id: 'empty', trainRows: 0 }]);
    const t = plans[0].trainer;
    assert.ok(t.kind === 'strategy' && t.clients.map((c) => c.id).join() === 'a,b,c');
    assert.throws(() => planArms(resolveBenchConfig({ arms: ['fedavg'] }), [{ id: 'x', trainRows: 0 }]), InputError);
  });

  test('the plan is plain data: a JSON round trip returns it unchanged', () => {
    const config = withPrivacy(resolveBenchConfig({}, { privacy: { level: 'sample', epsilons: [1] } }, { arms: ['central', 'local', 'fedavg'] }), [1000, 500, 200]);
    const plans = planArms(config, SITES);
    assert.deepEqual(JSON.parse(JSON.stringify(plans)), plans);
  });
});

describe('planArms: differential privacy', () => {
  test('sample level, central and local: q = 1/⌈n/B⌉, σ the smallest that keeps ε(σ, q, T) ≤ target', () => {
    const config = withPrivacy(resolveBenchConfig({ federated: { rounds: 10 } }, { privacy: { level: 'sample', epsilons: [0.5, 2] } }, { arms: ['central', 'local'] }), [1000, 500, 200]);
    assert.equal(config.privacy?.delta, 1e-4);
    const plans = planArms(config, SITES);
    for (const target of [0.5, 2]) {
      const central = byName(plans, `central+dp(eps=${target})`);
      const p = central.privacy!;
      const q = 1 / Math.ceil(1129 / 32);
      assert.deepEqual(Object.keys(p.sites), ['a', 'b', 'c']);
      for (const s of Object.values(p.sites)) assert.equal(s.sampleRate, q);
      const steps = p.sites.a.plannedSteps;
      assert.equal(steps, 10 * Math.floor(1 / q), 'epochs · ⌊1/q⌋ (Opacus)');
      assert.ok(eps(p.noiseMultiplier, q, steps, 1e-4) <= target);
      assert.ok(eps(p.noiseMultiplier * 0.98, q, steps, 1e-4) > target, 'calibration is tight (2 % less noise overshoots)');
      assert.equal(p.stepsWithinBudget, steps, 'a calibrated arm fits its own budget');
      const local = byName(plans, `local:c+dp(eps=${target})`).privacy!;
      assert.deepEqual(Object.keys(local.sites), ['c']);
      assert.equal(local.sites.c.sampleRate, 1 / Math.ceil(96 / 32));
    }
  });

  test('sample level, federated: σ covers the neediest site; every site ends at or under the target', () => {
    const config = withPrivacy(resolveBenchConfig({ federated: { rounds: 12 } }, { privacy: { level: 'sample', epsilons: [1] } }, { arms: ['fedavg', 'fedprox'] }), [1000, 500, 200]);
    const plans = planArms(config, SITES);
    assert.deepEqual(plans.filter((p) => p.privacy).map((p) => p.name), ['fedavg+dp(eps=1)', 'fedprox+dp(eps=1)']);
    const p = byName(plans, 'fedavg+dp(eps=1)').privacy!;
    const epsilons = SITES.map((s) => {
      const q = 1 / Math.ceil(s.trainRows / 32);
      assert.equal(p.sites[s.id].sampleRate, q);
      assert.equal(p.sites[s.id].plannedSteps, 12 * Math.floor(1 / q));
      return eps(p.noiseMultiplier, q, p.sites[s.id].plannedSteps, 1e-4);
    });
    assert.ok(epsilons.every((e) => e <= 1));
    assert.ok(Math.max(...epsilons) > 0.97, `the neediest site is near the target: ${epsilons.join(', ')}`);
  });

  test('client level: q = client fraction (Poisson), one accountant over rounds, expected participants q·N', () => {
    const config = withPrivacy(resolveBenchConfig({ federated: { rounds: 40, clientFraction: 0.5 } }, { privacy: { level: 'client', epsilons: [3] } }, { level: 'client', arms: ['fedavg'] }), [1000, 500, 200]);
    const plans = planArms(config, [...SITES, { id: 'd', trainRows: 10 }]);
    const arm = byName(plans, 'fedavg+dp(eps=3)');
    const p = arm.privacy!;
    assert.equal(p.level, 'client');
    assert.ok(arm.trainer.kind === 'strategy' && arm.trainer.clientSampling === 'poisson');
    assert.equal(p.expectedClientsPerRound, 2);
    for (const s of Object.values(p.sites)) assert.deepEqual(s, { sampleRate: 0.5, plannedSteps: 40 });
    assert.ok(eps(p.noiseMultiplier, 0.5, 40, 1e-4) <= 3);
    assert.ok(eps(p.noiseMultiplier * 0.98, 0.5, 40, 1e-4) > 3);
  });

  test('fixed σ with a budget: the DP-SGD arm plans the most steps whose ε stays within it', () => {
    const config = withPrivacy(resolveBenchConfig({ federated: { rounds: 20 } }, { privacy: { level: 'sample', noiseMultiplier: 0.9, budget: 1 } }, { arms: ['central'] }), [1000, 500, 200]);
    const p = byName(planArms(config, SITES), 'central+dp(sigma=0.9)').privacy!;
    const q = p.sites.a.sampleRate;
    const t = p.stepsWithinBudget!;
    assert.ok(t < p.sites.a.plannedSteps);
    assert.ok(eps(0.9, q, t, 1e-4) <= 1 && eps(0.9, q, t + 1, 1e-4) > 1);
    assert.equal(p.targetEpsilon, null);
    assert.equal(p.budget, 1);
  });
});
