/**
 * The README must stay true: its annotated scenario parses, the commands it shows exist, and
 * `.ci/run` runs exactly the README's test command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseBenchConfig, parseScenario } from '../src/scenario/parse.js';
import { resolveBenchConfig } from '../src/bench/config.js';
import { buildProgram } from '../src/cli/program.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

test('the annotated example scenario in the README is valid and resolves its overrides', () => {
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes('consortium:'));
  assert.ok(blocks.length >= 1, 'README has a scenario yaml block');
  const scenario = parseScenario(blocks[0], 'README.md');
  assert.equal(scenario.sites.length, 2);
  const uppsala = scenario.sites.find((s) => s.id === 'uppsala')!;
  // Overriding only age.mean keeps the built-in sd and the WHO coding of consortium.defaults.
  assert.equal(uppsala.demographics.age.mean, 66);
  assert.ok(uppsala.demographics.age.sd > 0);
  assert.equal(uppsala.coding.icdSystem, 'WHO-ICD-10');
  assert.equal(uppsala.coding.labUnits, 'SI');
});

test('every `fedage <command>` the README mentions is a registered command', () => {
  const program = buildProgram();
  const known = new Set(program.commands.map((c) => c.name()));
  const mentioned = new Set([...readme.matchAll(/fedage (validate|generate|inspect|schema|bench|audit|import|report|scenarios|init|export)\b/g)].map((m) => m[1]));
  for (const name of mentioned) {
    assert.ok(known.has(name), `README mentions fedage ${name}`);
  }
  assert.ok(mentioned.has('generate'));
  assert.ok(mentioned.has('bench'));
  assert.ok(mentioned.has('import'));
  assert.ok(mentioned.has('report'));
  assert.ok(mentioned.has('scenarios') && mentioned.has('init') && mentioned.has('export'));
});

test('the README bench section shows the real defaults, and every bench flag it names exists', () => {
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith('bench:'));
  assert.ok(block, 'README has a bench: yaml block');
  assert.deepEqual(resolveBenchConfig(parseBenchConfig(block, 'README.md')), resolveBenchConfig({}));
  const bench = buildProgram().commands.find((c) => c.name() === 'bench')!;
  const flags = new Set(bench.options.map((o) => o.long));
  const section = readme.slice(readme.indexOf('### `fedage bench'), readme.indexOf('### `fedage inspect'));
  for (const [flag] of section.matchAll(/--[a-z][a-z-]+/g)) assert.ok(flags.has(flag), `README names ${flag}`);
});

test('the README documents every top-level key of results.json', async () => {
  const { runBench } = await import('../src/bench/runner.js');
  const run = await runBench(new URL('fixtures/valid/bench-tiny-site.yaml', root).pathname, {
    overrides: { seeds: [0], rounds: 1, arms: ['central', 'fedavg'] },
    workers: 1,
  });
  const section = readme.slice(readme.indexOf('**Outputs**'), readme.indexOf('### `fedage inspect'));
  for (const key of Object.keys(run.result)) assert.ok(section.includes(`\`${key}\``) || key === 'format' && section.includes('fedage-bench-results'), `README documents results.json key ${key}`);
});

test('.ci/run runs exactly the README\'s two steps: npm ci, then npm test', () => {
  const ci = readFileSync(new URL('.ci/run', root), 'utf8');
  assert.match(readme, /^npm ci\b/m);
  assert.match(readme, /^npm test\s/m);
  const commands = ci.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
  // Nothing installed outside npm (the browser test's Chromium comes from @sparticuz/chromium).
  assert.deepEqual(commands, ['npm ci', 'npm test']);
  assert.match(ci, /^set -euo pipefail$/m);
});
