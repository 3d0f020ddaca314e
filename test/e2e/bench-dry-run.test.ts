/** `fedage bench --dry-run`: prints the plan and exits 0 without training or writing anything. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('--dry-run prints arms, rounds, steps, σ per site and the ε target, then exits 0 without training', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'fedage-dry-')), 'never');
  try {
    const r = fedage('bench', 'scenarios/alzheimers-3site.yaml', '--dry-run', '--arms', 'central,local,fedavg', '--rounds', '7', '--dp-level', 'sample', '--epsilons', '1,4', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    for (const arm of ['central', 'local:us-academic', 'local:se-memory', 'local:us-community', 'fedavg', 'central+dp(eps=1)', 'fedavg+dp(eps=4)']) {
      assert.ok(r.stdout.includes(`  ${arm} [`), `arm ${arm} listed`);
    }
    assert.match(r.stdout, /fedavg: 7 rounds × 1 local epoch/);
    assert.match(r.stdout, /steps per round: us-academic \d+, se-memory \d+, us-community \d+/);
    const dp = /DP sample level: σ = [\d.]+, clip 1, δ = ([\d.e-]+), ε target 1, budget ε ≤ 1; us-academic q = [\d.]+ × \d+ steps; se-memory q/.exec(r.stdout);
    assert.ok(dp, r.stdout);
    // The printed δ is the plan's δ (the default below 1/n, resolved from the data).
    const asJson = fedage('bench', 'scenarios/alzheimers-3site.yaml', '--dry-run', '--json', '--arms', 'central', '--dp-level', 'sample', '--epsilons', '1');
    const planned = JSON.parse(asJson.stdout).plan.find((p: { name: string }) => p.name === 'central+dp(eps=1)');
    assert.equal(Number(dp[1]), planned.privacy.delta);
    assert.match(r.stdout, /nothing was trained/);
    assert.ok(!existsSync(out), 'a dry run writes no output');
    assert.ok(!/bench: \d+ arm runs/.test(r.stderr), 'no training summary');
  } finally {
    rmSync(join(out, '..'), { recursive: true, force: true });
  }
});

test('--dry-run --json: the plan as data, the same σ as a trained run records in results.json', () => {
  const r = fedage('bench', 'scenarios/alzheimers-3site.yaml', '--dry-run', '--json', '--arms', 'fedavg', '--dp-level', 'client', '--epsilons', '2', '--client-fraction', '0.7', '--noise-seed', '1');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  const arm = json.plan.find((p: { name: string }) => p.name === 'fedavg+dp(eps=2)');
  assert.equal(arm.privacy.level, 'client');
  assert.equal(arm.trainer.clientSampling, 'poisson');
  assert.ok(Object.values(arm.privacy.sites).every((s: any) => s.sampleRate === 0.7 && s.plannedSteps === json.config.federated.rounds));
  assert.ok(arm.privacy.noiseMultiplier > 0);
  // A trained run saves the same plan.
  const trained = fedage('bench', 'scenarios/alzheimers-3site.yaml', '--json', '--seeds', '1', '--workers', '1', '--arms', 'fedavg', '--dp-level', 'client', '--epsilons', '2', '--client-fraction', '0.7', '--noise-seed', '1');
  assert.equal(trained.status, 0, trained.stderr);
  const results = JSON.parse(trained.stdout);
  assert.deepEqual(results.plan, json.plan);
  const spent = results.perSeed.find((x: { arm: string }) => x.arm === 'fedavg+dp(eps=2)').privacy;
  assert.equal(spent.sites['us-academic'].noiseMultiplier, arm.privacy.noiseMultiplier);
});
