/**
 * The README must stay true: its annotated scenario parses, the commands it shows exist, and
 * `.ci/run` runs exactly the README's test command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseScenario } from '../src/scenario/parse.js';
import { buildProgram } from '../src/cli/program.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

test('the annotated example scenario in the README is valid and resolves its overrides', () => {
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 1, 'README has a yaml block');
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
  const mentioned = new Set([...readme.matchAll(/fedage (validate|generate|inspect|schema|bench|import|report)\b/g)].map((m) => m[1]));
  for (const name of mentioned) {
    // bench/import/report are described as not yet available in the README's Status section.
    if (['bench', 'import', 'report'].includes(name)) continue;
    assert.ok(known.has(name), `README mentions fedage ${name}`);
  }
  assert.ok(mentioned.has('generate'));
});

test('.ci/run runs npm ci and then exactly the README test command', () => {
  const ci = readFileSync(new URL('.ci/run', root), 'utf8');
  assert.match(readme, /^npm test\s/m);
  const commands = ci.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
  assert.deepEqual(commands, ['npm ci', 'npm test']);
});
