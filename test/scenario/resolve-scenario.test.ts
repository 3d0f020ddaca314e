import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { SHIPPED_SCENARIOS_DIR, resolveScenarioInput, shippedScenarioNames, shippedScenarioPath, suggestScenarioName } from '../../src/scenario/resolve-scenario.js';

/** The repository's scenarios/ folder, found from this test file (dist/test/scenario/). */
const REPO_SCENARIOS = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'fedage-resolve-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('resolveScenarioInput', () => {
  test('the shipped folder is the package\'s scenarios/, and every YAML in it is a name', () => {
    assert.equal(SHIPPED_SCENARIOS_DIR, REPO_SCENARIOS);
    const files = readdirSync(REPO_SCENARIOS).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(shippedScenarioNames(), files.map((f) => f.replace(/\.yaml$/, '')).sort());
    assert.ok(shippedScenarioNames().includes('alzheimers-3site'));
  });

  test('a shipped name (with or without .yaml) resolves to its file, whatever the working directory', () => {
    const cwd = process.cwd();
    try {
      process.chdir(root);
      assert.equal(resolveScenarioInput('alzheimers-3site'), join(REPO_SCENARIOS, 'alzheimers-3site.yaml'));
      assert.equal(resolveScenarioInput('frailty-dp.yaml'), join(REPO_SCENARIOS, 'frailty-dp.yaml'));
    } finally {
      process.chdir(cwd);
    }
  });

  test('an existing path wins over a shipped name, files and directories alike', () => {
    const local = join(root, 'alzheimers-3site');
    writeFileSync(local, 'consortium: { name: x }\nsites: [{ id: a }]\n');
    assert.equal(resolveScenarioInput(local), local);
    assert.equal(resolveScenarioInput(root), root);
  });

  test('an unknown name: InputError (exit 2) listing the shipped names, with did-you-mean', () => {
    assert.throws(
      () => resolveScenarioInput('alzheimer-3site'),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.exitCode, 2);
        for (const name of shippedScenarioNames()) assert.ok(err.message.includes(name), name);
        assert.match(err.message, /did you mean "alzheimers-3site"\?/);
        return true;
      },
    );
    assert.throws(() => resolveScenarioInput('zzzzzzzz'), (err: unknown) => err instanceof InputError && !/did you mean/.test(err.message));
  });

  test('a missing path is returned as given, for the caller to report as a missing file', () => {
    assert.equal(resolveScenarioInput('no/such/scenario.yaml'), 'no/such/scenario.yaml');
    assert.equal(resolveScenarioInput('nosuch.yml'), 'nosuch.yml');
  });

  test('names are plain file names: a path-like name never escapes the folder', () => {
    assert.equal(shippedScenarioPath('../package'), undefined);
    assert.equal(shippedScenarioPath(''), undefined);
  });
});

describe('suggestScenarioName', () => {
  const names = ['alzheimers-3site', 'consortium-10site', 'frailty-dp'];
  test('closest by edits, else the one name the input starts, else none', () => {
    assert.equal(suggestScenarioName('alzheimer-3site', names), 'alzheimers-3site');
    assert.equal(suggestScenarioName('frailty', names), 'frailty-dp');
    assert.equal(suggestScenarioName('consortium', names), 'consortium-10site');
    assert.equal(suggestScenarioName('scenarios/frailty-dpp.yaml', names), 'frailty-dp');
    assert.equal(suggestScenarioName('zz', names), undefined);
    assert.equal(suggestScenarioName('xyzzy-plugh', names), undefined);
  });
});
