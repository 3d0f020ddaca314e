/** Import mappings and scenarios take site ids by one rule (scenario/schema.ts, scenario/rules.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseImportMapping } from '../../../src/data/import/parse-mapping.js';
import { parseScenario } from '../../../src/scenario/parse.js';

const mapping = (ids: string[]) =>
  `name: t\nid: k\nsites: [${ids.map((id, k) => `{ id: ${JSON.stringify(id)}, path: s${k}.csv }`).join(', ')}]\nlabel: { column: y, threshold: ">= 1" }\nfeatures: { c: numeric }\n`;

const scenario = (ids: string[]) => `consortium:\n  name: t\n  seed: 1\nsites:\n${ids.map((id) => `  - id: ${JSON.stringify(id)}\n    patients: 200\n    country: US\n`).join('')}`;

function importAccepts(ids: string[]): string | null {
  try {
    parseImportMapping(mapping(ids), '/x/map.yaml');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function scenarioAccepts(ids: string[]): string | null {
  try {
    parseScenario(scenario(ids), '/x/s.yaml');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

const SAMPLES: [string[], boolean][] = [
  [['a', 'b'], true],
  [['US-Academic', 'se.memory'], true],
  [['A', 'a'], false], // the same file on a case-insensitive file system
  [['a', 'manifest'], false],
  [['a', 'b.visits'], false],
  [['a', 'nul'], false],
  [['a', '-b'], false],
  [['a', 'b/c'], false],
  [['a', 'x'.repeat(65)], false],
];

describe('site ids: one rule for scenarios and import mappings', () => {
  for (const [ids, ok] of SAMPLES) {
    test(`${JSON.stringify(ids)}: ${ok ? 'accepted' : 'refused'} by both`, () => {
      const imp = importAccepts(ids);
      const sc = scenarioAccepts(ids);
      assert.equal(imp === null, ok, imp ?? 'import accepted');
      assert.equal(sc === null, ok, sc ?? 'scenario accepted');
      if (!ok) assert.match(imp!, /sites\.1\.id|sites\[1\]/);
    });
  }

  test('any pair of ids: the import mapping accepts exactly when the scenario does', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9._\-/]{1,8}$/);
    fc.assert(
      fc.property(id, id, (a, b) => {
        assert.equal(importAccepts([a, b]) === null, scenarioAccepts([a, b]) === null, `${a} ${b}`);
      }),
      { numRuns: 300 },
    );
  });
});
