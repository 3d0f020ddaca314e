import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { initScenario } from '../../src/scenario/init-scenario.js';
import { loadScenario } from '../../src/scenario/parse.js';
import { listShippedScenarios } from '../../src/scenario/shipped-scenarios.js';

const root = mkdtempSync(join(tmpdir(), 'fedage-init-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('initScenario', () => {
  test('the starter is a valid, commented two-site scenario whose schema hint points at the package schema', async () => {
    const file = join(root, 'sub', 'starter.yaml');
    await initScenario(file);
    const text = readFileSync(file, 'utf8');
    const scenario = await loadScenario(file);
    assert.deepEqual(scenario.sites.map((s) => s.id), ['hospital-a', 'hospital-b']);
    assert.ok(text.split('\n').filter((l) => l.includes('#')).length >= 20, 'commented');
    const ref = /\$schema=(\S+)/.exec(text)![1];
    const schema = JSON.parse(readFileSync(join(root, 'sub', ref), 'utf8')) as { $schema?: string };
    assert.ok(schema.$schema, 'the hint resolves to a JSON Schema file');
  });

  test('refuses to overwrite without force (file unchanged), overwrites with force', async () => {
    const file = join(root, 'mine.yaml');
    writeFileSync(file, 'my own work\n');
    await assert.rejects(initScenario(file), /already exists; use --force/);
    assert.equal(readFileSync(file, 'utf8'), 'my own work\n');
    await initScenario(file, { force: true });
    assert.notEqual(readFileSync(file, 'utf8'), 'my own work\n');
    assert.deepEqual(readdirSync(root).filter((f) => f.includes('.tmp-')), []);
  });

  test('--from copies each shipped scenario: same settings, valid, with a header', async () => {
    for (const shipped of await listShippedScenarios()) {
      const file = join(root, `from-${shipped.name}.yaml`);
      await initScenario(file, { from: shipped.name });
      const copy = readFileSync(file, 'utf8');
      assert.match(copy, new RegExp(`Copied from the shipped scenario "${shipped.name}"`));
      assert.deepEqual(parseYaml(copy), parseYaml(readFileSync(shipped.file, 'utf8')), shipped.name);
      const s = await loadScenario(file);
      assert.equal(s.sites.length, shipped.sites);
    }
    await assert.rejects(initScenario(join(root, 'x.yaml'), { from: 'frailty-dpp' }), /did you mean "frailty-dp"/);
  });
});

describe('listShippedScenarios', () => {
  test('one entry per shipped YAML, figures as in the file', async () => {
    const list = await listShippedScenarios();
    assert.ok(list.length >= 3);
    for (const s of list) {
      const doc = parseYaml(readFileSync(s.file, 'utf8')) as { consortium: { description: string; target: string }; sites: { patients?: number }[] };
      assert.equal(s.sites, doc.sites.length);
      assert.equal(s.target, doc.consortium.target);
      assert.equal(s.description, doc.consortium.description.replace(/\s+/g, ' ').trim());
      if (doc.sites.every((site) => site.patients !== undefined)) assert.equal(s.patients, doc.sites.reduce((a, site) => a + site.patients!, 0));
    }
  });
});
