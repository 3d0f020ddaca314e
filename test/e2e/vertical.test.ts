/**
 * `fedage vertical` and `fedage generate` on a vertical scenario, through the built CLI: outputs,
 * determinism, the output transaction (--force), exit codes, and located errors for a bad
 * `vertical:` section. Tiny scale and the masked vertical LR keep it to seconds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARGS = ['--scale', '0.05', '--epochs', '3', '--encryption', 'masked', '-q'];

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fedage vertical (built CLI); tests run in order: the second reads the first one\'s output', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fedage-vertical-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('runs PSI and training: results.json, results.md, report.html; the PSI overlap equals the ground truth', () => {
    const out = join(root, 'run');
    const run = fedage('vertical', 'vertical-4party', ...ARGS, '--out', out);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['report.html', 'results.json', 'results.md']);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(r.format, 'fedage-vertical-results');
    assert.equal(r.vertical.overlap.alignedRows, r.vertical.overlap.groundTruthAlignedRows);
    assert.ok(r.vertical.overlap.alignedRows > 0);
    const arms = r.vertical.arms.map((a: { arm: string }) => a.arm);
    for (const arm of ['central', 'label-holder-only', 'split-learning', 'split-learning+defence', 'vertical-lr']) assert.ok(arms.includes(arm), arm);
    assert.ok(r.vertical.leakage.length >= 2);
    for (const pair of r.vertical.psi.pairs) assert.deepEqual(Object.keys(pair.partyView).sort(), ['intersectionSize', 'labelSetSize']);
    assert.equal(readFileSync(join(out, 'results.md'), 'utf8'), run.stdout);
    assert.match(run.stdout, /## AUC and communication per configuration/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /Label leakage from returned gradients/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3)/);
    // `fedage report` rebuilds the same page from results.json.
    const rebuilt = fedage('report', join(out, 'results.json'), '--out', join(root, 'rebuilt.html'));
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.equal(readFileSync(join(root, 'rebuilt.html'), 'utf8'), html);

    // The output is never overwritten silently; --force gives the same bytes (determinism).
    const again = fedage('vertical', 'vertical-4party', ...ARGS, '--out', out);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /use --force to overwrite/);
    const forced = fedage('vertical', 'vertical-4party', ...ARGS, '--out', out, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    const { argv: _argv, ...rest } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const { argv: _first, ...expected } = r;
    assert.deepEqual(rest, expected);
  });

  test('generate writes one Arrow file per party, the ground truth and a manifest, byte-identical for a seed', () => {
    const a = join(root, 'gen-a');
    const b = join(root, 'gen-b');
    for (const dir of [a, b]) {
      const run = fedage('generate', 'vertical-4party', '--scale', '0.05', '--out', dir, '-q');
      assert.equal(run.status, 0, run.stderr);
    }
    const files = readdirSync(a).sort();
    assert.deepEqual(files, ['ground-truth.arrow', 'hospital.arrow', 'imaging-centre.arrow', 'manifest.json', 'memory-clinic.arrow', 'wearable-vendor.arrow']);
    for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
    const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8'));
    assert.equal(manifest.format, 'fedage-vertical-dataset');
    assert.equal(manifest.labelParty, 'hospital');
    // The parties' files run as the scenario does: the same results.json (argv aside).
    const fromDir = fedage('vertical', a, ...ARGS.filter((x, i, all) => x !== '--scale' && all[i - 1] !== '--scale'), '--json');
    assert.equal(fromDir.status, 0, fromDir.stderr);
    const { argv: _a, ...dirResult } = JSON.parse(fromDir.stdout);
    const { argv: _b, ...scenarioResult } = JSON.parse(readFileSync(join(root, 'run', 'results.json'), 'utf8'));
    assert.deepEqual(dirResult, scenarioResult);
  });

  test('exit 2: bench on a vertical scenario points at fedage vertical; vertical on a horizontal one points at bench', () => {
    const bench = fedage('bench', 'vertical-4party', '--scale', '0.03');
    assert.equal(bench.status, 2);
    assert.match(bench.stderr, /is a vertical scenario: run it with `fedage vertical/);
    const vertical = fedage('vertical', 'alzheimers-3site');
    assert.equal(vertical.status, 2);
    assert.match(vertical.stderr, /has no `vertical:` section.*fedage bench alzheimers-3site/);
    assert.equal(fedage('vertical', 'vertical-4party', '--encryption', 'rsa').status, 2);
    // The parties' data directory (written by the generate test above) is pointed at fedage vertical too.
    for (const command of ['bench', 'inspect', 'audit']) {
      const run = fedage(command, join(root, 'gen-a'));
      assert.equal(run.status, 2, `${command}: ${run.stderr}`);
      assert.match(run.stderr, /fedage-vertical-dataset.*read it with `fedage vertical \S*gen-a`/, command);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });

  test('a bad vertical: section is exit 2 with file, line, YAML path, expected and found; no stack', () => {
    const file = join(root, 'bad.yaml');
    writeFileSync(
      file,
      ['consortium:', '  name: bad', 'sites:', '  - id: region', 'vertical:', '  parties:', '    - { id: a, label: true, coverage: 1, features: [labs] }', '    - { id: b, coverage: 0, features: [labs] }', ''].join('\n'),
    );
    const run = fedage('vertical', file);
    assert.equal(run.status, 2);
    assert.match(run.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:\\d+ at vertical\\.parties\\[1\\]\\.coverage: expected .*found 0`));
    assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/);
    // Once the section passes the schema, its cross-field rules run.
    writeFileSync(file, readFileSync(file, 'utf8').replace('coverage: 0,', 'coverage: 0.5,'));
    const rules = fedage('validate', file);
    assert.equal(rules.status, 2);
    assert.match(rules.stderr, /:8:\d+ at vertical\.parties\[1\]\.features\[0\]: expected each feature group held by one party at most, found "labs", already held by "a"/);
  });
});
