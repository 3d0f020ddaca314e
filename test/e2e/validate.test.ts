import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

/** From dist/test/e2e/ back to the repo root. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fedage validate', () => {
  test('a valid scenario: one summary line on stdout, exit 0', () => {
    const run = fedage('validate', 'fixtures/valid/overrides.yaml');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'fixtures/valid/overrides.yaml: valid scenario "Two memory clinics": 2 sites, 1400 patients\n');
    assert.equal(run.stderr, '');
  });

  test('the minimal scenario is valid', () => {
    const run = fedage('validate', 'fixtures/valid/minimal.yaml');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /"Minimal": 1 site, 1000 patients/);
  });

  test('an out-of-range fraction: exit 2 with the located problem on stderr', () => {
    const run = fedage('validate', 'fixtures/invalid/fraction-out-of-range.yaml');
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /fixtures\/invalid\/fraction-out-of-range\.yaml:6:23 at sites\[0\]\.demographics\.femaleFraction: expected a number between 0 and 1, found 1\.4/,
    );
  });

  test('a typo: exit 2 with a suggestion', () => {
    const run = fedage('validate', 'fixtures/invalid/unknown-key-typo.yaml');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown-key-typo\.yaml:6:7 .*did you mean `femaleFraction`\?/);
  });

  test('several problems are all listed', () => {
    const run = fedage('validate', 'fixtures/invalid/many-problems.yaml');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /6 problems in fixtures\/invalid\/many-problems\.yaml/);
  });

  test('a missing file: exit 2 naming the file', () => {
    const run = fedage('validate', 'fixtures/does-not-exist.yaml');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /fixtures\/does-not-exist\.yaml: expected a readable scenario file, found no such file/);
  });

  test('--help describes the command with an example', () => {
    const run = fedage('validate', '--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Examples:\n\s+\$ fedage validate /);
  });

  test('an unknown flag is a usage error: exit 2', () => {
    const run = fedage('validate', '--no-such-flag', 'fixtures/valid/minimal.yaml');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown option/);
  });
});

describe('fedage schema', () => {
  test('prints the JSON Schema to stdout', () => {
    const run = fedage('schema');
    assert.equal(run.status, 0, run.stderr);
    const schema = JSON.parse(run.stdout) as { properties: Record<string, unknown> };
    assert.ok(schema.properties.consortium);
  });

  test('--out writes the file and refuses to overwrite it without --force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedage-e2e-'));
    try {
      const out = join(dir, 'scenario.schema.json');
      assert.equal(fedage('schema', '--out', out).status, 0);
      assert.ok(existsSync(out));
      const again = fedage('schema', '--out', out);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /already exists/);
      assert.equal(fedage('schema', '--out', out, '--force').status, 0);
      assert.equal(readFileSync(out, 'utf8'), readFileSync(join(REPO_ROOT, 'schema/scenario.schema.json'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
