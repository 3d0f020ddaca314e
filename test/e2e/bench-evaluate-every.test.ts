/** bench --evaluate-every K (built CLI): recorded in results.json; a bad K is a usage error, exit 2. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const QUICK = ['scenarios/alzheimers-3site.yaml', '--seeds', '1', '--rounds', '5', '--arms', 'central,fedavg', '--json', '--quiet'];

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bench --evaluate-every', () => {
  test('K = 2 over 5 rounds: the curve has AUCs at rounds 2, 4 and 5, and results.json says K', () => {
    const r = fedage('bench', ...QUICK, '--evaluate-every', '2');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { config: { evaluateEvery: number }; perSeed: { arm: string; convergence?: { round: number; pooledAuc: number | null }[] }[] };
    assert.equal(result.config.evaluateEvery, 2);
    const fedavg = result.perSeed.find((s) => s.arm === 'fedavg')!;
    assert.deepEqual(
      fedavg.convergence!.filter((c) => c.pooledAuc !== null).map((c) => c.round),
      [2, 4, 5],
    );
  });

  test('K = 0 or not an integer: exit 2 naming the flag, no stack', () => {
    for (const bad of ['0', '1.5', 'x']) {
      const r = fedage('bench', ...QUICK, '--evaluate-every', bad);
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /--evaluate-every: expected an integer between 1 and 100000/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
