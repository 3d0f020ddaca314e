/** The strategy registry is the one source of names, schema enum, CLI help and defaults. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { STRATEGY_NAMES, STRATEGY_REGISTRY, createStrategy, isStrategyName, strategyDefinition } from '../../src/federated/registry.js';
import { resolveBenchConfig } from '../../src/bench/config.js';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';
import { BENCH_ARM_KINDS } from '../../src/scenario/arms.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('names: unique, in registry order, and the bench arms are central, local and exactly these', () => {
  assert.equal(new Set(STRATEGY_NAMES).size, STRATEGY_NAMES.length);
  assert.deepEqual([...STRATEGY_NAMES], STRATEGY_REGISTRY.map((d) => d.name));
  assert.deepEqual([...BENCH_ARM_KINDS], ['central', 'local', ...STRATEGY_NAMES]);
  assert.ok(STRATEGY_NAMES.every(isStrategyName));
  assert.ok(!isStrategyName('central'));
});

test('the scenario JSON Schema enumerates the registry strategies for bench arms and per-strategy settings', () => {
  const text = JSON.stringify(scenarioJsonSchema());
  const enums = [...text.matchAll(/"enum":(\[[^\]]*\])/g)].map((m) => JSON.parse(m[1]) as string[]);
  assert.ok(enums.some((e) => JSON.stringify(e) === JSON.stringify(['central', 'local', ...STRATEGY_NAMES])), 'bench.arms enum');
  assert.ok(enums.some((e) => JSON.stringify(e) === JSON.stringify(STRATEGY_NAMES)), 'bench.federated.strategies keys');
});

test('defaults: the bench config and the constructed strategy both take each registry entry\'s defaults', () => {
  const config = resolveBenchConfig({});
  for (const def of STRATEGY_REGISTRY) {
    assert.deepEqual(config.federated.strategies[def.name].strategy, { name: def.name, ...def.defaults });
    const s = createStrategy({ name: def.name }) as unknown as Record<string, unknown>;
    assert.equal(s.name, def.name);
    for (const [key, value] of Object.entries(def.defaults)) assert.equal(s[key], value, `${def.name}.${key}`);
  }
  assert.throws(() => strategyDefinition('nope' as never), /unknown strategy 'nope'/);
});

test('fedage bench --help lists every strategy with its summary, from the registry', () => {
  const r = spawnSync(process.execPath, ['bin/fedage.js', 'bench', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const help = r.stdout.replace(/\s+/g, ' ');
  assert.ok(help.includes(`--arms <list> comma-separated arms: ${BENCH_ARM_KINDS.join(',')}`));
  for (const def of STRATEGY_REGISTRY) assert.ok(help.includes(`${def.name} ${def.summary}`.replace(/\s+/g, ' ')), def.name);
});
