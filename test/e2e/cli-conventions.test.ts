/**
 * CLI conventions through the built CLI: one error prefix, bare commands print help and exit 2,
 * -f wherever --force is, a repeated flag is an error, limits are stated, and --dp-level client
 * with scaffold says what it trains.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'fedage.js');
const work = mkdtempSync(join(tmpdir(), 'fedage-e2e-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI conventions (built CLI)', () => {
  test('parser errors and domain errors share the prefix "fedage: " and exit 2', () => {
    for (const args of [['bench', 'x', '--bogus'], ['nosuchcommand'], ['generate'], ['privacy', 'noise', '--epsilon', 'abc'], ['validate', 'missing.yaml']]) {
      const r = fedage(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^fedage: /, args.join(' '));
      assert.doesNotMatch(r.stderr, /^error: /m, args.join(' '));
    }
  });

  test('bare fedage and fedage privacy: help on stderr, nothing on stdout, exit 2', () => {
    for (const [args, usage] of [[[], /^Usage: fedage \[options\] \[command\]/], [['privacy'], /^Usage: fedage privacy/]] as const) {
      const r = fedage(...args);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, usage);
      assert.match(r.stderr, /\nfedage: (privacy: )?expected a (sub)?command.*, found none/);
    }
  });

  test('every command with --force has -f', () => {
    const program = buildProgram();
    const all = program.commands.flatMap((c) => [c, ...c.commands]);
    const withForce = all.filter((c) => c.options.some((o) => o.long === '--force'));
    assert.ok(withForce.length >= 7, withForce.map((c) => c.name()).join(','));
    for (const c of withForce) assert.equal(c.options.find((o) => o.long === '--force')!.short, '-f', c.name());
  });

  test('a repeated flag is an error naming it; a flag documented as repeatable may repeat', () => {
    const r = fedage('privacy', 'epsilon', '--sample-rate', '0.1', '--sample-rate', '0.2', '--noise-multiplier', '1', '--steps', '10', '--delta', '1e-5');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'fedage: --sample-rate: given more than once; give it once (only flags marked "repeatable" in --help may repeat)\n');
    const gates = fedage('bench', 'alzheimers-3site', '--dry-run', '--scale', '0.1', '--gate', 'fedavg.auc >= 0', '--gate', 'central.auc >= 0');
    assert.equal(gates.status, 0, gates.stderr);
    // A value that looks like a flag is a value, not a repeat.
    const value = fedage('bench', 'alzheimers-3site', '--dry-run', '--scale', '0.1', '--arms', 'central', '--seeds', '1');
    assert.equal(value.status, 0, value.stderr);
  });

  test('--scale states its maximum, on generate and bench alike; bench --scale changes the sizes', () => {
    for (const cmd of ['generate', 'bench']) {
      const r = fedage(cmd, 'alzheimers-3site', '--scale', '20000', ...(cmd === 'generate' ? ['--out', 'g'] : ['--dry-run']));
      assert.equal(r.status, 2);
      assert.equal(r.stderr, 'fedage: --scale: expected a number > 0 and at most 10000 (e.g. 0.1 or 10), found "20000"\n');
    }
    const rows = (scale: string) => Number(/us-academic (\d+)/.exec(fedage('bench', 'alzheimers-3site', '--dry-run', '--scale', scale).stdout)![1]);
    const small = rows('0.1');
    const large = rows('0.2');
    // Training rows are 60 % of the target-eligible patients: twice the scale, about twice the rows.
    assert.ok(large > 1.6 * small && large < 2.4 * small, `${small} ${large}`);
  });

  test('bench --hidden-units sets the MLP width and is refused for the logistic model', () => {
    const mlp = fedage('bench', 'alzheimers-3site', '--dry-run', '--json', '--scale', '0.1', '--model', 'mlp', '--hidden-units', '16,8');
    assert.equal(mlp.status, 0, mlp.stderr);
    assert.deepEqual((JSON.parse(mlp.stdout) as { config: { model: { hiddenUnits: number[] } } }).config.model.hiddenUnits, [16, 8]);
    const logistic = fedage('bench', 'alzheimers-3site', '--dry-run', '--scale', '0.1', '--hidden-units', '16');
    assert.equal(logistic.status, 2);
    assert.match(logistic.stderr, /^fedage: --hidden-units: applies to the MLP .*found model logistic/);
    assert.equal(fedage('bench', 'alzheimers-3site', '--dry-run', '--model', 'mlp', '--hidden-units', '0').status, 2);
  });

  test('--dp-level client --arms scaffold says scaffold runs without DP and which arms get DP', () => {
    const r = fedage('bench', 'alzheimers-3site', '--dry-run', '--scale', '0.1', '--dp-level', 'client', '--arms', 'scaffold', '--epsilons', '1');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^note: scaffold runs without DP: client-level DP cannot wrap it/m);
    assert.match(r.stdout, /^note: the client-level DP arms wrap fedavg .*fedavg is trained with DP only/m);
    assert.match(r.stdout, /^  scaffold \[federated\]$/m);
    assert.match(r.stdout, /^  fedavg\+dp\(eps=1\) \[federated\]$/m);
  });
});
