import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { epsilonOfHistory } from '../../src/privacy/accountant/accountant.js';
import { BENCH_ORDERS } from '../../src/bench/privacy-arms.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = 'scenarios/alzheimers-3site.yaml';
const QUICK = ['--seeds', '1', '--rounds', '3', '--arms', 'central,fedavg,fedprox'];

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fedage bench with differential privacy (built CLI)', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedage-dp-e2e-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('sample level: one arm per ε, every site at or under its target, ε recomputable from σ, q and steps', () => {
    const run = fedage('bench', SCENARIO, ...QUICK, '--dp-level', 'sample', '--epsilons', '0.5,2', '--noise-seed', '7', '--json');
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(run.stdout);
    const dpArms = [...new Set(r.perSeed.filter((a: any) => a.privacy).map((a: any) => a.arm))];
    assert.deepEqual(dpArms, ['central+dp(eps=0.5)', 'fedavg+dp(eps=0.5)', 'central+dp(eps=2)', 'fedavg+dp(eps=2)']);
    assert.equal(r.privacy.secureNoise, false);
    // The default δ: the largest power of ten <= 1/(10 n) for the smallest site's n (in the rule text).
    const n = Number(/n = (\d+)/.exec(r.privacy.deltaRule)![1]);
    assert.equal(r.privacy.delta, Number(`1e${Math.floor(Math.log10(1 / (10 * n)) + 1e-12)}`));
    assert.ok(r.privacy.delta <= 1 / (10 * n) && r.privacy.delta > 1 / (100 * n));
    for (const a of r.perSeed.filter((x: any) => x.privacy)) {
      const p = a.privacy;
      assert.equal(p.secureNoise, false);
      let max = 0;
      for (const [site, s] of Object.entries<any>(p.sites)) {
        assert.ok(s.epsilon <= p.targetEpsilon + 1e-12, `${a.arm} ${site}: ${s.epsilon} > ${p.targetEpsilon}`);
        // Independent recomputation from the recorded mechanism.
        const again = epsilonOfHistory([{ noiseMultiplier: s.noiseMultiplier, sampleRate: s.sampleRate, steps: s.steps }], p.delta, { orders: BENCH_ORDERS }).epsilon;
        assert.ok(Math.abs(again - s.epsilon) <= 1e-9 * Math.max(1, again), `${a.arm} ${site}: ${again} vs ${s.epsilon}`);
        max = Math.max(max, s.epsilon);
      }
      // Calibration is tight for the site that needs the most noise (Opacus tolerance 0.01).
      assert.ok(max >= p.targetEpsilon - 0.011, `${a.arm}: max ε ${max} far below ${p.targetEpsilon}`);
      assert.equal(p.maxEpsilon, max);
    }
    // More privacy, more noise.
    const sigma = (arm: string) => Object.values<any>(r.perSeed.find((a: any) => a.arm === arm).privacy.sites)[0].noiseMultiplier;
    assert.ok(sigma('central+dp(eps=0.5)') > sigma('central+dp(eps=2)'));
    // DP local variants never become "best local"; summaries carry the privacy record.
    const s = r.summary.find((x: any) => x.arm === 'fedavg+dp(eps=2)');
    assert.equal(s.privacy.targetEpsilon, 2);
    assert.ok(s.privacy.maxEpsilonSpent <= 2);
  });

  test('seeded noise reproduces exactly; secure noise is the default and says so', () => {
    const a = fedage('bench', SCENARIO, ...QUICK, '--dp-level', 'sample', '--epsilons', '1', '--noise-seed', '3', '--json');
    const b = fedage('bench', SCENARIO, ...QUICK, '--dp-level', 'sample', '--epsilons', '1', '--noise-seed', '3', '--json');
    assert.equal(a.status, 0, a.stderr);
    assert.deepEqual(JSON.parse(a.stdout).perSeed, JSON.parse(b.stdout).perSeed);
    const secure = fedage('bench', SCENARIO, ...QUICK, '--dp-level', 'sample', '--epsilons', '1');
    assert.equal(secure.status, 0, secure.stderr);
    assert.match(secure.stdout, /noise from node:crypto/);
    assert.match(secure.stdout, /\| fedavg\+dp\(eps=1\) \| 1 \|/);
  });

  test('a fixed σ that would overspend the budget stops before that step: exit 3, ε within the budget', () => {
    const out = join(root, 'budget');
    const run = fedage('bench', SCENARIO, ...QUICK, '--dp-level', 'sample', '--noise-multiplier', '0.6', '--privacy-budget', '1', '--noise-seed', '1', '--out', out);
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /privacy budget/);
    assert.match(run.stderr, /stopped after \d+ of \d+/);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const dp = r.perSeed.filter((a: any) => a.privacy);
    assert.ok(dp.length > 0);
    for (const a of dp) {
      assert.ok(a.privacy.maxEpsilon <= 1 + 1e-12, `${a.arm}: ${a.privacy.maxEpsilon}`);
      assert.ok(a.privacy.stoppedAtBudget, `${a.arm} should have stopped at the budget`);
    }
  });

  test('client level: DP-FedAvg arms, ε per site from rounds; scaffold is refused', () => {
    const run = fedage('bench', SCENARIO, '--seeds', '1', '--rounds', '4', '--arms', 'central,fedavg', '--dp-level', 'client', '--epsilons', '5', '--noise-seed', '2', '--json');
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(run.stdout);
    const a = r.perSeed.find((x: any) => x.arm === 'fedavg+dp(eps=5)');
    assert.equal(a.privacy.level, 'client');
    for (const s of Object.values<any>(a.privacy.sites)) {
      assert.equal(s.steps, 4);
      assert.equal(s.sampleRate, 1);
      assert.ok(s.epsilon <= 5);
    }
    // Fewer sites than all per round: Poisson client sampling, accounted with q = the fraction.
    const sampled = fedage('bench', SCENARIO, '--seeds', '1', '--rounds', '6', '--arms', 'central,fedavg', '--client-fraction', '0.5', '--dp-level', 'client', '--epsilons', '5', '--noise-seed', '2', '--json');
    assert.equal(sampled.status, 0, sampled.stderr);
    const p = JSON.parse(sampled.stdout).perSeed.find((x: any) => x.arm === 'fedavg+dp(eps=5)').privacy;
    for (const s of Object.values<any>(p.sites)) {
      assert.equal(s.sampleRate, 0.5);
      assert.equal(s.steps, 6, 'every round is a release, also one without participants');
    }
    assert.ok(p.notes.some((n: string) => /Poisson client sampling/.test(n)));
    assert.ok(!p.notes.some((n: string) => /approximation/.test(n)));

    const cfg = join(root, 'scaffold.yaml');
    writeFileSync(cfg, 'privacy:\n  level: client\n  arms: [scaffold]\n');
    const refused = fedage('bench', SCENARIO, '--config', cfg, '--seeds', '1', '--rounds', '1');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /scaffold/);
  });

  test('an unreachable target ε is exit 2 with the reason, also from a worker thread', () => {
    const run = fedage('bench', SCENARIO, '--seeds', '2', '--rounds', '2', '--arms', 'central', '--dp-level', 'sample', '--epsilons', '0.00001');
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /cannot reach ε = 0\.00001/);
  });

  test('bad privacy flags exit 2', () => {
    for (const args of [
      ['--dp-level', 'row'],
      ['--epsilons', '1,-2'],
      ['--delta', '1.5'],
      ['--epsilons', '1', '--noise-multiplier', '1'],
      ['--noise-seed', 'x'],
    ]) {
      const run = fedage('bench', SCENARIO, '--seeds', '1', '--rounds', '1', ...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    }
  });
});
