/**
 * The audit end to end on the default scenario (library level, seeded noise so the outcome is
 * fixed): it has power (a non-private arm gives ε̂ clearly above 0), it holds the invariant on a
 * correct DP arm (ε̂ ≤ the accountant's ε), and it catches a deliberately broken DP arm — noise
 * switched off while the accountant still reports the planned σ's ε — as a violation that the CLI
 * turns into exit 3, naming the arm, both numbers and the canary counts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../../src/audit/run-audit.js';
import { auditFailure } from '../../src/cli/audit.js';
import { EXIT_GATE } from '../../src/errors.js';

const SCENARIO = fileURLToPath(new URL('../../../scenarios/alzheimers-3site.yaml', import.meta.url));
// A 95 % lower bound flags a correct arm with probability up to 5 %: with noise seed 1 this
// audit does so for fedavg+dp(eps=0.1) (ε̂ 0.13 > ε 0.094 at a primary p-value of about 0.02),
// with seeds 2-8 it does not (ε̂ 0, once 0.09 exploratory). The test pins seed 2 and says so.
const overrides = { arms: ['fedavg'], seeds: [0], privacy: { level: 'sample' as const, epsilons: [0.1], noiseSeed: 2 } };

describe('runAudit on the default scenario', () => {
  test('power on a non-DP arm, the invariant on a DP arm, and every record complete', async () => {
    const r = await runAudit(SCENARIO, { overrides, audit: { arms: ['fedavg'], canaries: 100 } });
    assert.deepEqual(r.arms.map((a) => a.arm), ['fedavg', 'fedavg+dp(eps=0.1)']);
    const [plain, dp] = r.arms;
    assert.equal(plain.accountantEpsilon, null);
    assert.ok(plain.epsilonLowerBound > 0.5, `non-DP ε̂ = ${plain.epsilonLowerBound}`);
    assert.ok(dp.accountantEpsilon !== null && dp.accountantEpsilon <= 0.1 + 1e-9);
    assert.ok(dp.epsilonLowerBound <= dp.accountantEpsilon, `DP ε̂ ${dp.epsilonLowerBound} > ε ${dp.accountantEpsilon}`);
    assert.equal(r.violations.length, 0);
    assert.equal(auditFailure(r), null);
    for (const a of r.arms) {
      // Canaries: 100 drawn (half mislabelled) plus one crafted per feature; coins near ½.
      assert.equal(a.canaries.byKind.natural.total + a.canaries.byKind.mislabelled.total, 100);
      assert.equal(a.canaries.byKind.mislabelled.total, 50);
      assert.ok(a.canaries.included > 0.3 * a.canaries.total && a.canaries.included < 0.7 * a.canaries.total);
      // Each family's tests share the level 0.05 / (tests in the family) (Bonferroni); the
      // reported ε̂ is the primary family's max: crafted canaries, white-box view, two rules.
      for (const family of ['primary', 'exploratory'] as const) {
        const tests = a.oneRun.filter((t) => t.family === family);
        for (const t of tests) assert.ok(Math.abs(t.level * tests.length - 0.05) < 1e-12);
      }
      const primary = a.oneRun.filter((t) => t.family === 'primary');
      assert.deepEqual(primary.map((t) => [t.kind, t.score]), [['crafted', 'white-box'], ['crafted', 'white-box']]);
      assert.equal(a.epsilonLowerBound, Math.max(0, ...primary.map((t) => t.epsilonLowerBound)));
      assert.deepEqual([...new Set(a.attacks.map((x) => x.score))], ['loss', 'lira', 'white-box']);
      for (const x of a.attacks) assert.deepEqual(x.metrics.tprAtFpr.map((t) => t.targetFpr), [0.001, 0.01]);
    }
    // Reconstruction: one record from a plain single-example update is recovered whole; secure aggregation and DP hide it.
    const rec = r.reconstruction[0];
    const cell = (view: string) => rec.cells.find((c) => c.batchSize === 1 && c.localSteps === 1 && c.view === view)!;
    assert.equal(cell('plain').fractionWithinTolerance, 1);
    assert.equal(cell('plain').labelsRecovered, cell('plain').trials);
    assert.ok(cell('secure-aggregation').fractionWithinTolerance < 0.6);
    assert.ok(cell('dp').fractionWithinTolerance < 0.3);
    assert.ok(r.reading.some((p) => /lower bound/.test(p)));
  });

  test('a broken DP arm (noise switched off, the planned ε still reported) is caught: a violation and exit 3', async () => {
    const r = await runAudit(SCENARIO, { overrides, audit: { arms: ['fedavg+dp(eps=0.1)'], canaries: 100 }, testOnlyNoiseScale: 0 });
    assert.equal(r.arms.length, 1);
    const a = r.arms[0];
    assert.ok(a.violation, `ε̂ ${a.epsilonLowerBound} vs ε ${a.accountantEpsilon}`);
    assert.equal(r.violations.length, 1);
    const v = r.violations[0];
    assert.equal(v.arm, 'fedavg+dp(eps=0.1)');
    assert.ok(v.epsilonLowerBound > v.accountantEpsilon);
    const failure = auditFailure(r);
    assert.ok(failure);
    assert.equal(failure.exitCode, EXIT_GATE);
    for (const part of ['fedavg+dp(eps=0.1)', v.epsilonLowerBound.toFixed(3), v.accountantEpsilon.toFixed(3), `${v.correct} of ${v.guesses}`]) assert.ok(failure.message.includes(part), `${part} in ${failure.message}`);
  });
});
