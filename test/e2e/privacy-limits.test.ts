/**
 * Issue 13, no hangs: accountant inputs outside the range where ε can be evaluated end at once
 * with exit 2 and a located message, never a loop or a stack trace (built CLI).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A hang would be killed by the timeout: status null, which every test below rejects. */
function fedage(timeoutMs: number, ...args: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const NO_STACK = /\n\s+at .*\(|internal error/;

describe('accountant limits through the CLI', () => {
  for (const sigma of ['1e-200', '1e-300']) {
    test(`privacy epsilon --noise-multiplier ${sigma}: exit 2 naming the flag and the range, no stack`, () => {
      const run = fedage(30_000, 'privacy', 'epsilon', '--sample-rate', '0.01', '--noise-multiplier', sigma, '--steps', '100', '--delta', '1e-5');
      assert.equal(run.status, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, new RegExp(`^fedage: --noise-multiplier: expected a noise multiplier σ in \\[1e-100, 1e\\+100\\] .*found "${sigma}"\\n$`));
      assert.doesNotMatch(run.stderr, NO_STACK);
    });
  }

  test('privacy noise with steps beyond 2^53: exit 2, not a loop', () => {
    const run = fedage(30_000, 'privacy', 'noise', '--epsilon', '1', '--delta', '1e-5', '--sample-rate', '0.01', '--steps', '1e300');
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--steps: expected an integer number of steps >= 1, found "1e300"/);
  });

  test('PRV grid limit: exit 2 with σ, q, steps, the limit and the way out; no stack, no allocation of a 1e9-point grid', () => {
    const run = fedage(60_000, 'privacy', 'epsilon', '--sample-rate', '0.5', '--noise-multiplier', '0.1', '--steps', '1000', '--delta', '1e-5', '--accountant', 'prv');
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^fedage: PRV accountant: expected a discretization of at most 4194304 grid points, found \d+ needed for σ = 0\.1, q = 0\.5, 1000 steps at δ = 0\.00001/);
    assert.match(run.stderr, /use the RDP accountant, or a larger ε error/);
    assert.doesNotMatch(run.stderr, NO_STACK);
  });

  for (const level of ['sample', 'client']) {
    test(`bench --dp-level ${level} --noise-multiplier 1e-300: exit 2 before the DP arm trains, no stack`, () => {
      const run = fedage(
        120_000,
        'bench', 'scenarios/alzheimers-3site.yaml', '--seeds', '1', '--rounds', '2', '--arms', 'central,fedavg',
        '--dp-level', level, '--noise-multiplier', '1e-300',
      );
      assert.equal(run.status, 2, run.stderr);
      // Refused while parsing the flag, with the accountant's own lower bound (MIN_NOISE_MULTIPLIER).
      assert.match(run.stderr, /--noise-multiplier: expected a number in \[1e-100, 1000000\], found "1e-300"/);
      assert.doesNotMatch(run.stderr, NO_STACK);
    });
  }
});
