/** Audit gates, arm selection and the multi-run threshold: small pure functions, checked against hand-worked cases. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateAuditGates, parseAuditGate } from '../../src/audit/audit-gate.js';
import { calibrateThreshold } from '../../src/audit/multi-run-epsilon.js';
import { selectPlans } from '../../src/audit/run-audit.js';
import { armKinds } from '../../src/cli/audit.js';
import { EXIT_INPUT } from '../../src/errors.js';
import type { ArmPlan } from '../../src/bench/arm-plan.js';

describe('audit gates', () => {
  test('parse, evaluate and report each operator', () => {
    const r = { violations: [{}] as never[], arms: [{ accountantEpsilon: 1, epsilonLowerBound: 0.4 }, { accountantEpsilon: null, epsilonLowerBound: 3 }] as never[] };
    const cases: [string, boolean][] = [
      ['audit.violations == 0', false],
      ['audit.violations != 0', true],
      ['audit.violations <= 1', true],
      ['audit.arms >= 3', false],
      ['audit.max_epsilon_lower_bound < 0.5', true], // DP arms only: 0.4, the non-DP arm's 3 is not counted
      ['  audit.max_epsilon_lower_bound>0.4 ', false],
    ];
    const out = evaluateAuditGates(cases.map(([g]) => parseAuditGate(g)), r);
    assert.deepEqual(out.map((o) => o.passed), cases.map(([, p]) => p));
    assert.match(out[0].message, /^FAILED audit\.violations == 0: audit\.violations = 1$/);
  });

  test('malformed gates are usage errors (exit 2)', () => {
    for (const bad of ['audit.violations = 0', 'violations == 0', 'audit.leaks == 0', 'audit.violations == zero']) {
      assert.throws(() => parseAuditGate(bad), (e: { exitCode?: number }) => e.exitCode === EXIT_INPUT, bad);
    }
  });
});

describe('arm selection', () => {
  const plans = ['central', 'fedavg', 'fedprox', 'central+dp(eps=1)', 'fedavg+dp(eps=1)', 'fedavg+dp(eps=5)'].map((name) => ({ name }) as ArmPlan);
  test('exact names and prefixes before "+"', () => {
    assert.deepEqual(selectPlans(plans, ['fedavg']).map((p) => p.name), ['fedavg', 'fedavg+dp(eps=1)', 'fedavg+dp(eps=5)']);
    assert.deepEqual(selectPlans(plans, ['fedavg+dp(eps=5)', 'central']).map((p) => p.name), ['central', 'central+dp(eps=1)', 'fedavg+dp(eps=5)']);
    assert.equal(selectPlans(plans, null).length, plans.length);
    assert.throws(() => selectPlans(plans, ['fedyogi']), /not in the plan/);
  });
  test('the bench arm kinds an audit list needs', () => {
    assert.deepEqual(armKinds(['fedavg+dp(eps=1)', 'local:site-a', 'central', 'fedavg']), ['fedavg', 'local', 'central']);
  });
});

describe('multi-run threshold', () => {
  test('a separable calibration half gives a threshold between the groups', () => {
    const t = calibrateThreshold([1, 2, 3, 10, 11, 12], [false, false, false, true, true, true]);
    assert.ok(t > 3 && t <= 10, String(t));
  });
  test('without both groups there is no threshold', () => {
    assert.equal(calibrateThreshold([1, 2], [true, true]), Infinity);
  });
});
