/**
 * The multi-run audit (Jagielski et al. 2020) end to end on the default scenario, library level
 * (the noise-weakening hook is test-only, never reachable from the CLI): FedAvg with DP-SGD at a
 * claimed ε = 1, trained RUNS times with one crafted canary in or out by a fair coin, white-box
 * projection scores, threshold on the first half, Clopper–Pearson FPR/FNR on the second half.
 * With the noise cut to σ/10 (the accountant still reporting the planned σ's ε) the certified
 * ε̂ exceeds the claimed ε: a violation and exit 3. The correct arm at the same settings is not
 * flagged. Why RUNS suffices: with n held-out runs per side and no errors, the 97.5 % one-sided
 * Clopper–Pearson upper bounds are 1 − 0.025^{1/n}, so ε̂ = ln((1 − δ − p̄)/p̄) > 1 once n ≥ 15.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../../src/audit/run-audit.js';
import { clopperPearsonUpper } from '../../src/audit/clopper-pearson.js';
import { auditFailure } from '../../src/cli/audit.js';
import { EXIT_GATE } from '../../src/errors.js';

const SCENARIO = fileURLToPath(new URL('../../../scenarios/alzheimers-3site.yaml', import.meta.url));
const RUNS = Number(process.env.FEDAGE_TEST_MULTI_RUNS ?? 160);
const ROUNDS = 30;
const overrides = { arms: ['fedavg'], seeds: [0], rounds: ROUNDS, privacy: { level: 'sample' as const, epsilons: [1], noiseSeed: 2 } };
const audit = { arms: ['fedavg+dp(eps=1)'], canaries: 20, shadowModels: 2, multiRun: RUNS };

describe('multi-run audit', () => {
  test('the closed form behind the run count: 15 error-free held-out runs per side certify ε > 1 at 95 %', () => {
    const p = clopperPearsonUpper(0, 15, 0.975);
    assert.ok(Math.abs(p - (1 - 0.025 ** (1 / 15))) < 1e-9);
    assert.ok(Math.log((1 - 1e-5 - p) / p) > 1);
  });

  test('noise at σ/10 with the planned ε reported is caught (exit 3); the correct arm is not flagged', async () => {
    const broken = await runAudit(SCENARIO, { overrides, audit, testOnlyNoiseScale: 0.1 });
    const b = broken.arms[0];
    const m = b.multiRun!;
    assert.equal(m.runs, RUNS);
    assert.equal(m.canaryKind, 'crafted');
    assert.equal(m.score, 'white-box');
    assert.equal(m.outRuns + m.inRuns, RUNS - Math.floor(RUNS / 2));
    assert.ok(b.accountantEpsilon !== null && b.accountantEpsilon <= 1 + 1e-9);
    assert.ok(m.epsilonLowerBound > b.accountantEpsilon, `σ/10: multi-run ε̂ ${m.epsilonLowerBound} vs ε ${b.accountantEpsilon} (FP ${m.falsePositives}/${m.outRuns}, FN ${m.falseNegatives}/${m.inRuns})`);
    assert.ok(b.violation);
    assert.equal(broken.violations.length, 1);
    const failure = auditFailure(broken);
    assert.ok(failure);
    assert.equal(failure.exitCode, EXIT_GATE);
    assert.match(failure.message, /multi-run audited ε̂/);

    const correct = await runAudit(SCENARIO, { overrides, audit });
    const c = correct.arms[0];
    assert.ok(c.multiRun!.epsilonLowerBound <= (c.accountantEpsilon as number), `correct arm: ε̂ ${c.multiRun!.epsilonLowerBound}`);
    assert.equal(c.violation, false);
    assert.equal(auditFailure(correct), null);
  });
});
