import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

// `npm test` builds first (npm run build: tsc, then scripts/bundle-cli.mjs), so the bundle exists.
const BUNDLE = 'dist/src/cli-bundle/main.js';
const MODULES = 'dist/src/cli/main.js';
const run = (entry: string, args: string[]) => spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8' });

test('bin/fedage.js runs the CLI bundle for every command but site; the bundle leaves only node-seal, parquet-wasm and tfjs to node_modules', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} missing: npm run build makes it`);
  assert.match(readFileSync('bin/fedage.js', 'utf8'), /cli-bundle\/main\.js/);
  const packages = new Set<string>();
  for (const file of readdirSync('dist/src/cli-bundle')) {
    for (const m of readFileSync(join('dist/src/cli-bundle', file), 'utf8').matchAll(/(?:^import .* from |\bimport\()["']([^"'./][^"']*)["']/gm)) {
      if (!m[1].startsWith('node:')) packages.add(m[1]);
    }
  }
  assert.deepEqual([...packages].filter((p) => !/^(node-seal|parquet-wasm|@tensorflow\/tfjs(-node)?)(\/|$)/.test(p) && !/^[a-z_]+$/.test(p)), []);
});

test('the bundled and the unbundled CLI behave the same: version, help, usage errors, scenarios', () => {
  for (const args of [['--version'], ['--help'], ['generate', '--help'], ['bench', '--help'], ['generate'], ['bench', '--no-such-flag'], ['scenarios']]) {
    const bundled = run(BUNDLE, args);
    const modules = run(MODULES, args);
    assert.equal(bundled.status, modules.status, args.join(' '));
    assert.equal(bundled.stdout, modules.stdout, args.join(' '));
    assert.equal(bundled.stderr, modules.stderr, args.join(' '));
  }
  assert.equal(run(BUNDLE, ['generate']).status, 2);
});

test('the bundled CLI finds the package\'s files (shipped scenarios, calibration modules) and generates the same bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-bundle-'));
  try {
    const args = (out: string) => ['generate', 'alzheimers-3site', '--scale', '0.05', '--out', join(dir, out), '-q'];
    assert.equal(run(BUNDLE, args('bundled')).status, 0);
    assert.equal(run(MODULES, args('modules')).status, 0);
    const files = readdirSync(join(dir, 'modules')).sort();
    assert.deepEqual(readdirSync(join(dir, 'bundled')).sort(), files);
    for (const f of files) assert.ok(readFileSync(join(dir, 'bundled', f)).equals(readFileSync(join(dir, 'modules', f))), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(existsSync(join(packageRoot(), 'package.json')) && existsSync(join(packageRoot(), 'scenarios')));
});

test('from the bundle, worker threads start from the bundle too, with the same results: bench and generate with 2 workers', () => {
  for (const worker of ['seed-worker.js', 'generate-worker.js', 'valuation-worker.js', 'psi-worker.js']) assert.ok(existsSync(join('dist/src/cli-bundle', worker)), worker);
  const dir = mkdtempSync(join(tmpdir(), 'fedage-bundle-workers-'));
  try {
    const gen = (out: string, workers: string) => run(BUNDLE, ['generate', 'alzheimers-3site', '--scale', '0.05', '--no-visits', '--workers', workers, '--out', join(dir, out), '-q']);
    assert.equal(gen('one', '1').status, 0);
    assert.equal(gen('two', '2').status, 0);
    for (const f of readdirSync(join(dir, 'one'))) assert.ok(readFileSync(join(dir, 'two', f)).equals(readFileSync(join(dir, 'one', f))), f);
    const bench = (out: string, workers: string) =>
      run(BUNDLE, ['bench', join(dir, 'one'), '--seeds', '2', '--rounds', '3', '--arms', 'central,fedavg', '--no-dashboard', '--workers', workers, '--out', join(dir, out), '-q']);
    assert.equal(bench('b1', '1').status, 0);
    const two = bench('b2', '2');
    assert.equal(two.status, 0, two.stderr);
    const results = (out: string) => {
      const r = JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8')) as Record<string, unknown>;
      delete r.argv;
      return r;
    };
    assert.deepEqual(results('b2'), results('b1'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
