import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

// `npm test` builds first (npm run build: tsc, then scripts/bundle-site.mjs), so the bundle exists.
const BUNDLE = 'dist/src/site-bundle.mjs';
const run = (entry: string, args: string[]) => spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8' });

test('the build bundles `fedage site` into one file, and bin/fedage.js runs it for `fedage site` only', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} missing: npm run build makes it`);
  const bin = readFileSync('bin/fedage.js', 'utf8');
  assert.match(bin, /site-bundle\.mjs/);
  // One file: the bundle imports nothing of fedage's own modules or of node_modules at run time.
  const imports = [...readFileSync(BUNDLE, 'utf8').matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map((m) => m[1]);
  assert.deepEqual(imports.filter((s) => !s.startsWith('node:') && !/^[a-z_]+$/.test(s)), []);
});

test('the bundled and the unbundled site command behave the same: help, and a usage error with exit 2', () => {
  for (const args of [['site', '--help'], ['site', '--site', 'a']]) {
    const bundled = run(BUNDLE, args);
    const modules = run('dist/src/cli/main.js', args);
    assert.equal(bundled.status, modules.status, args.join(' '));
    assert.equal(bundled.stdout, modules.stdout, args.join(' '));
    assert.equal(bundled.stderr, modules.stderr, args.join(' '));
  }
  assert.equal(run(BUNDLE, ['site', '--site', 'a']).status, 2);
  assert.match(run(BUNDLE, ['site', '--help']).stdout, /--server <host:port>/);
});
