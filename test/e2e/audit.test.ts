/** `fedage audit` through the built CLI: outputs, the gate, and bad input (exit 2). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = 'scenarios/alzheimers-3site.yaml';

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fedage audit (built CLI)', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedage-audit-e2e-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('writes results.json, results.md and report.html; the violations gate passes on a correct DP arm', () => {
    const out = join(root, 'audit');
    const run = fedage('audit', SCENARIO, '--arms', 'fedavg', '--rounds', '5', '--canaries', '40', '--dp-level', 'sample', '--epsilons', '1', '--noise-seed', '3', '--shadow-models', '2', '--out', out, '--gate', 'audit.violations == 0');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /# Privacy audit/);
    for (const f of ['results.json', 'results.md', 'report.html']) assert.ok(existsSync(join(out, f)), f);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).audit;
    assert.deepEqual(r.arms.map((a: { arm: string }) => a.arm), ['fedavg', 'fedavg+dp(eps=1)']);
    assert.deepEqual(r.gates.map((g: { passed: boolean }) => g.passed), [true]);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<h2>Privacy audit<\/h2>/);
    assert.match(html, /<svg/);
    assert.match(html, /TPR at low FPR/);
  });

  test('a gate that fails is exit 3; a malformed gate or an unknown arm is exit 2 before training', () => {
    const failing = fedage('audit', SCENARIO, '--arms', 'fedavg', '--rounds', '2', '--canaries', '20', '--shadow-models', '2', '--gate', 'audit.arms > 5');
    assert.equal(failing.status, 3, failing.stderr);
    assert.match(failing.stderr, /FAILED audit\.arms > 5/);
    const bad = fedage('audit', SCENARIO, '--gate', 'audit.violations = 0');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /invalid audit gate/);
    const unknown = fedage('audit', SCENARIO, '--arms', 'fedavg+dp(eps=3)', '--rounds', '2', '--canaries', '20');
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /not in the plan/);
  });
});
