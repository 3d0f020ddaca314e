import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listShippedScenarios, SHIPPED_INDEX_FILE, writeShippedIndex } from '../../src/scenario/shipped-scenarios.js';
import { SHIPPED_SCENARIOS_DIR } from '../../src/scenario/resolve-scenario.js';

function withScenarioCopy(body: (dir: string, index: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'fedage-index-'));
    try {
      cpSync(SHIPPED_SCENARIOS_DIR, join(root, 'scenarios'), { recursive: true });
      await body(join(root, 'scenarios'), join(root, 'index.json'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test('the build wrote the index, and listing from it equals parsing every scenario', async () => {
  const fromIndex = await listShippedScenarios();
  const parsed = await listShippedScenarios(SHIPPED_SCENARIOS_DIR, join(tmpdir(), 'fedage-no-such-index.json'));
  assert.deepEqual(fromIndex, parsed);
  const index = JSON.parse(readFileSync(SHIPPED_INDEX_FILE, 'utf8')) as { summaries: Record<string, unknown> };
  assert.equal(Object.keys(index.summaries).length, parsed.length);
});

test(
  'an unchanged file is listed from the index; an edited one is parsed again; another version\'s index is ignored',
  withScenarioCopy(async (dir, index) => {
    await writeShippedIndex(dir, index);
    // The index is what unchanged files are listed from: a summary planted under a file's hash shows.
    const doc = JSON.parse(readFileSync(index, 'utf8')) as { version: string; summaries: Record<string, { description: string }> };
    for (const s of Object.values(doc.summaries)) s.description = `indexed: ${s.description}`;
    writeFileSync(index, JSON.stringify(doc));
    const edited = join(dir, 'frailty-dp.yaml');
    // Any change of bytes counts, even a comment: that file is parsed, the planted summary is not used.
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\n# edited\n`);
    const list = await listShippedScenarios(dir, index);
    for (const s of list) {
      if (s.name === 'frailty-dp') assert.match(s.description, /^Four large community geriatric cohorts/);
      else assert.match(s.description, /^indexed: /, s.name);
    }
    writeFileSync(index, JSON.stringify({ ...doc, version: '0.0.0-other' }));
    for (const s of await listShippedScenarios(dir, index)) assert.doesNotMatch(s.description, /^indexed: /);
  }),
);

test(
  'an edited scenario that no longer parses is an error, as without the index',
  withScenarioCopy(async (dir, index) => {
    await writeShippedIndex(dir, index);
    const file = join(dir, 'alzheimers-3site.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/patients: \d+/, 'patients: -5'));
    await assert.rejects(listShippedScenarios(dir, index), /patients/);
  }),
);
