import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

/** From dist/test/e2e/ back to the repo root. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const OPACUS = ['--sample-rate', '0.04', '--noise-multiplier', '1.5', '--steps', '2250', '--delta', '1e-5'];

describe('fedage privacy epsilon', () => {
  test("Opacus's reference point: ε = 7.33 (rounded up) and the best α", () => {
    const run = fedage('privacy', 'epsilon', ...OPACUS);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^ε = 7\.33 at δ = 0\.00001 \(RDP accountant, best order α = 3\.9, Balle et al\. 2020 conversion\)\n/);
    assert.equal(run.stderr, '');
  });

  test('--json carries ε, α, the accountant, the inputs and warnings', () => {
    const run = fedage('privacy', 'epsilon', ...OPACUS, '--json');
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.ok(Math.abs(out.epsilon - 7.32911117143) < 1e-9);
    assert.equal(out.alpha, 3.9);
    assert.equal(out.accountant, 'rdp');
    assert.equal(out.conversion, 'improved');
    assert.deepEqual([out.sampleRate, out.noiseMultiplier, out.steps, out.delta], [0.04, 1.5, 2250, 1e-5]);
    assert.deepEqual(out.warnings, []);
  });

  test("--conversion classic reproduces TF Privacy's published MNIST figure (σ = 1.1, 60 epochs → 3.01)", () => {
    const run = fedage('privacy', 'epsilon', '--sample-rate', String(256 / 60000), '--noise-multiplier', '1.1', '--steps', String(60 * 234), '--delta', '1e-5', '--conversion', 'classic', '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).epsilon.toFixed(2), '3.01');
  });

  test('an optimum at the edge of the orders is a warning on stderr (and in the JSON)', () => {
    const run = fedage('privacy', 'epsilon', '--sample-rate', '0.001', '--noise-multiplier', '5', '--steps', '10', '--delta', '1e-5', '--json');
    assert.equal(run.status, 0);
    assert.equal(JSON.parse(run.stdout).alpha, 63);
    assert.match(run.stderr, /warning: the best Rényi order α = 63 is the largest/);
  });

  const invalid: [string, string[], RegExp][] = [
    ['q = 0', ['--sample-rate', '0'], /--sample-rate: expected a Poisson sampling rate q in \(0, 1\], found "0"/],
    ['q > 1', ['--sample-rate', '1.5'], /--sample-rate: expected .* found "1\.5"/],
    ['σ = 0', ['--noise-multiplier', '0'], /--noise-multiplier: expected a noise multiplier σ in \[1e-100, 1e\+100\] .*, found "0"/],
    ['σ < 0', ['--noise-multiplier', '-1'], /--noise-multiplier: expected .* found "-1"/],
    ['δ = 0', ['--delta', '0'], /--delta: expected a δ in \(0, 1\), e\.g\. 1e-5, found "0"/],
    ['δ = 1', ['--delta', '1'], /--delta: expected .* found "1"/],
    ['steps = 0', ['--steps', '0'], /--steps: expected an integer number of steps >= 1, found "0"/],
    ['fractional steps', ['--steps', '2.5'], /--steps: expected .* found "2\.5"/],
    ['not a number', ['--sample-rate', 'abc'], /--sample-rate: expected .* found "abc"/],
    ['hex is not a number here', ['--steps', '0x10'], /--steps: expected .* found "0x10"/],
    ['bad conversion', ['--conversion', 'tight'], /--conversion: expected improved or classic, found "tight"/],
  ];
  for (const [name, override, message] of invalid) {
    test(`invalid input (${name}): exit 2 naming the flag, expected and found`, () => {
      const args = [...OPACUS];
      for (let i = 0; i < override.length; i += 2) {
        const k = args.indexOf(override[i]);
        if (k >= 0) args[k + 1] = override[i + 1];
        else args.push(override[i], override[i + 1]);
      }
      const run = fedage('privacy', 'epsilon', ...args);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
    });
  }

  test('a missing flag: exit 2 naming it', () => {
    const run = fedage('privacy', 'epsilon', '--sample-rate', '0.04', '--steps', '10', '--delta', '1e-5');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /missing --noise-multiplier: expected a noise multiplier σ in \[1e-100, 1e\+100\] .*, found nothing/);
  });

  test('an unknown flag and a missing subcommand are exit 2; --help is exit 0 with an example', () => {
    assert.equal(fedage('privacy', 'epsilon', ...OPACUS, '--bogus').status, 2);
    const bare = fedage('privacy');
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /expected a subcommand, epsilon or noise/);
    const help = fedage('privacy', 'epsilon', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /\$ fedage privacy epsilon --sample-rate 0\.04/);
  });
});

describe('fedage privacy noise', () => {
  test("Opacus's calibration reference: ε = 8, δ = 1e-5, q = 0.04, 2250 steps → σ = 1.416", () => {
    const run = fedage('privacy', 'noise', '--epsilon', '8', '--delta', '1e-5', '--sample-rate', '0.04', '--steps', '2250', '--json');
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.ok(Math.abs(out.noiseMultiplier - 1.416) < 5e-5);
    assert.ok(out.epsilon <= 8 && out.epsilon >= 7.99);
    assert.equal(out.accountant, 'rdp');
    assert.deepEqual([out.targetEpsilon, out.delta, out.sampleRate, out.steps, out.epsilonTolerance], [8, 1e-5, 0.04, 2250, 0.01]);
  });

  test('the text output rounds σ up (never less noise than computed)', () => {
    const run = fedage('privacy', 'noise', '--epsilon', '8', '--delta', '1e-5', '--sample-rate', '0.04', '--steps', '2250');
    assert.equal(run.status, 0, run.stderr);
    // σ = 1.416015625 → 1.41602 (not 1.41601)
    assert.match(run.stdout, /^noise multiplier σ = 1\.41602 gives ε = 7\.999 ≤ 8 at δ = 0\.00001/);
  });

  test('an unreachable target: exit 2 with a clear message', () => {
    const run = fedage('privacy', 'noise', '--epsilon', '0.01', '--delta', '1e-5', '--sample-rate', '0.04', '--steps', '2250');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /cannot reach ε = 0\.01 at δ = 0\.00001 with sampling rate 0\.04 over 2250 steps/);
  });

  test('invalid values: exit 2 naming the flag', () => {
    const run = fedage('privacy', 'noise', '--epsilon', '-1', '--delta', '1e-5', '--sample-rate', '0.04', '--steps', '2250');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--epsilon: expected a target ε > 0, found "-1"/);
    const missing = fedage('privacy', 'noise', '--epsilon', '1', '--delta', '1e-5', '--sample-rate', '0.04');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /missing --steps/);
  });
});

describe('fedage privacy --accountant prv', () => {
  test("epsilon: Opacus's PRV test value (int(90 // 0.04) = 2249 steps → 6.777395712150674), below RDP's 7.33", () => {
    const run = fedage('privacy', 'epsilon', '--sample-rate', '0.04', '--noise-multiplier', '1.5', '--steps', '2249', '--delta', '1e-5', '--accountant', 'prv', '--json');
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.accountant, 'prv');
    assert.ok(Math.abs(out.epsilon - 6.777395712150674) < 1e-6, String(out.epsilon));
    assert.ok(out.epsilonLower < out.epsilonEstimate && out.epsilonEstimate < out.epsilon);
    assert.deepEqual([out.epsError, out.deltaError], [0.01, 1e-8]);
    assert.equal(out.alpha, undefined);
    const text = fedage('privacy', 'epsilon', ...OPACUS, '--accountant', 'prv');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^ε = 6\.78 at δ = 0\.00001 \(PRV accountant, Gopi et al\. 2021: an upper bound, the true ε is at least 6\.758; ε error 0\.01, δ error 1e-8\)\n/);
  });

  test('noise: the PRV σ meets the target and is below the RDP σ for the same target', () => {
    const args = ['--epsilon', '2', '--delta', '1e-5', '--sample-rate', '0.01', '--steps', '500', '--json'];
    const prv = fedage('privacy', 'noise', ...args, '--accountant', 'prv');
    const rdp = fedage('privacy', 'noise', ...args);
    assert.equal(prv.status, 0, prv.stderr);
    const p = JSON.parse(prv.stdout);
    const r = JSON.parse(rdp.stdout);
    assert.equal(p.accountant, 'prv');
    assert.equal(r.accountant, 'rdp');
    assert.ok(p.epsilon <= 2 && p.epsilon >= 1.99, String(p.epsilon));
    assert.ok(p.noiseMultiplier < r.noiseMultiplier, `${p.noiseMultiplier} vs ${r.noiseMultiplier}`);
  });

  const invalid: [string, string[], RegExp][] = [
    ['unknown accountant', ['--accountant', 'gdp'], /--accountant: expected rdp or prv, found "gdp"/],
    ['--conversion with prv', ['--accountant', 'prv', '--conversion', 'classic'], /--conversion: applies to the RDP accountant only/],
    ['--eps-error with rdp', ['--eps-error', '0.1'], /--eps-error: applies to the PRV accountant only/],
    ['--eps-error 0', ['--accountant', 'prv', '--eps-error', '0'], /--eps-error: expected an ε error > 0 .* found "0"/],
  ];
  for (const [name, extra, message] of invalid) {
    test(`invalid input (${name}): exit 2`, () => {
      const run = fedage('privacy', 'epsilon', ...OPACUS, ...extra);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
    });
  }
});
