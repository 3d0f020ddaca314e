/** `fedage scenarios`, shipped names in place of paths, and `fedage init`, through the built CLI. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'fedage.js');
const work = mkdtempSync(join(tmpdir(), 'fedage-e2e-scenarios-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI from a directory outside the repository, as a global install would be run. */
function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const shippedNames = readdirSync(join(REPO_ROOT, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

describe('fedage scenarios', () => {
  test('one line per shipped scenario: name, sites and patients as validate counts them, target, description', () => {
    const run = fedage('scenarios');
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^NAME\s+SITES\s+PATIENTS\s+TARGET\s+DESCRIPTION$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), shippedNames);
    for (const line of lines.slice(1)) {
      const [name, sites, patients, target] = line.split(/\s+/);
      const v = fedage('validate', name);
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, new RegExp(`: ${sites} sites?, ${patients} patients\\n$`), name);
      assert.match(readFileSync(join(REPO_ROOT, 'scenarios', `${name}.yaml`), 'utf8'), new RegExp(`target: ${target}`));
    }
    const json = JSON.parse(fedage('scenarios', '--json').stdout) as { name: string }[];
    assert.deepEqual(json.map((s) => s.name), shippedNames);
  });
});

describe('a shipped name wherever a scenario path is taken (run outside the repository)', () => {
  test('validate and generate accept a name', () => {
    const v = fedage('validate', 'alzheimers-3site');
    assert.equal(v.status, 0, v.stderr);
    // The patient count is the scenario's own, as `fedage scenarios --json` lists it.
    const listed = (JSON.parse(fedage('scenarios', '--json').stdout) as { name: string; patients: number }[]).find((s) => s.name === 'alzheimers-3site');
    assert.ok(listed && listed.patients > 0);
    assert.equal(v.stdout, `alzheimers-3site: valid scenario "alzheimers-3site": 3 sites, ${listed.patients} patients\n`);
    const g = fedage('generate', 'alzheimers-3site', '--out', 'gen', '--scale', '0.02', '--no-visits');
    assert.equal(g.status, 0, g.stderr);
    assert.deepEqual(readdirSync(join(work, 'gen')).sort(), ['manifest.json', 'se-memory.arrow', 'us-academic.arrow', 'us-community.arrow']);
  });

  test('bench accepts a name', () => {
    const b = fedage('bench', 'alzheimers-3site', '--seeds', '1', '--arms', 'central', '--json');
    assert.equal(b.status, 0, b.stderr);
    const result = JSON.parse(b.stdout) as { data: { scenarioName: string } };
    assert.equal(result.data.scenarioName, 'alzheimers-3site');
  });

  test('a misspelt name: exit 2, the shipped names and a did-you-mean, no stack', () => {
    for (const cmd of [['validate'], ['bench'], ['generate', '--out', 'never']]) {
      const r = fedage(cmd[0], 'alzheimer-3site', ...cmd.slice(1));
      assert.equal(r.status, 2, cmd.join(' '));
      assert.match(r.stderr, /^fedage: alzheimer-3site: no such file, directory or shipped scenario/);
      assert.match(r.stderr, /did you mean "alzheimers-3site"\?/);
      for (const name of shippedNames) assert.ok(r.stderr.includes(name));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  test('a local file of the same name wins over the shipped one', () => {
    writeFileSync(join(work, 'frailty-dp'), 'consortium: { name: local-one }\nsites: [{ id: a, patients: 10 }]\n');
    const v = fedage('validate', 'frailty-dp');
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /"local-one": 1 site, 10 patients/);
  });
});

describe('fedage init', () => {
  test('writes a starter that fedage validate accepts; refuses to overwrite; --force overwrites', () => {
    const w = fedage('init', 'my.yaml');
    assert.equal(w.status, 0, w.stderr);
    assert.equal(w.stdout, 'wrote my.yaml: scenario "my-consortium", 2 sites, 1300 patients; next: fedage validate my.yaml\n');
    const v = fedage('validate', 'my.yaml');
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, 'my.yaml: valid scenario "my-consortium": 2 sites, 1300 patients\n');
    writeFileSync(join(work, 'my.yaml'), 'edited\n');
    const again = fedage('init', 'my.yaml');
    assert.equal(again.status, 2);
    assert.equal(again.stderr, 'fedage: my.yaml already exists; use --force to overwrite\n');
    assert.equal(readFileSync(join(work, 'my.yaml'), 'utf8'), 'edited\n');
    assert.equal(fedage('init', 'my.yaml', '--force').status, 0);
    assert.equal(fedage('validate', 'my.yaml').status, 0);
  });

  test('--from NAME copies a shipped scenario; an unknown name is exit 2 with did-you-mean', () => {
    const w = fedage('init', '--from', 'frailty-dp', 'frail.yaml');
    assert.equal(w.status, 0, w.stderr);
    assert.match(w.stdout, /^wrote frail\.yaml: scenario "frailty-dp" \(from frailty-dp\), 4 sites, 40000 patients/);
    assert.equal(fedage('validate', 'frail.yaml').status, 0);
    const bad = fedage('init', '--from', 'frailty', 'x.yaml');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /did you mean "frailty-dp"/);
  });
});

describe('the README shows what these commands print', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  /** The output under `$ npx <command>` in the README's text block that starts with it. */
  function shown(command: string): string {
    const block = [...readme.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith(`$ npx ${command}\n`));
    assert.ok(block, `README shows $ npx ${command}`);
    const afterCommand = block.slice(`$ npx ${command}\n`.length);
    const next = afterCommand.indexOf('\n$ ');
    return next >= 0 ? afterCommand.slice(0, next + 1) : afterCommand;
  }

  test('fedage scenarios and the misspelt-name error', () => {
    assert.equal(shown('fedage scenarios'), fedage('scenarios').stdout);
    assert.equal(shown('fedage bench alzheimer-3site'), fedage('bench', 'alzheimer-3site').stderr);
  });

  test('fedage init, then again without --force', () => {
    rmSync(join(work, 'my-consortium.yaml'), { force: true });
    assert.equal(shown('fedage init my-consortium.yaml'), fedage('init', 'my-consortium.yaml').stdout);
    const block = [...readme.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith('$ npx fedage init my-consortium.yaml\n'))!;
    const second = block.split('$ npx fedage init my-consortium.yaml\n')[2];
    assert.equal(second, fedage('init', 'my-consortium.yaml').stderr);
  });
});
