import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OutputError } from '../../src/errors.js';
import { scenarioJsonSchema, scenarioJsonSchemaText, writeScenarioJsonSchema } from '../../src/scenario/json-schema.js';

const COMMITTED = new URL('../../../schema/scenario.schema.json', import.meta.url);

describe('scenario JSON Schema', () => {
  test('the committed schema/scenario.schema.json matches the zod schema (run `npm run schema:write` if not)', () => {
    assert.equal(readFileSync(COMMITTED, 'utf8'), scenarioJsonSchemaText());
  });

  test('is draft-07 with an id, a title and the top-level sections', () => {
    const schema = scenarioJsonSchema() as {
      $schema: string;
      $id: string;
      title: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { items?: { required?: string[]; additionalProperties?: boolean } }>;
    };
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.ok(schema.$id);
    assert.ok(schema.title);
    assert.deepEqual(Object.keys(schema.properties).sort(), ['$schema', 'bench', 'consortium', 'privacy', 'refs', 'sites', 'vertical']);
    assert.deepEqual(schema.required.sort(), ['consortium', 'sites']);
    assert.equal(schema.additionalProperties, false, 'editors flag unknown keys too');
    assert.deepEqual(schema.properties.sites.items?.required, ['id']);
  });

  test('keeps the descriptions written in schema.ts (editor hover text)', () => {
    assert.match(scenarioJsonSchemaText(), /fraction of patients carrying at least one APOE e4 allele/);
  });
});

describe('writeScenarioJsonSchema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-schema-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the schema and leaves no temporary file behind', async () => {
    const out = join(dir, 'a.json');
    await writeScenarioJsonSchema(out);
    assert.equal(readFileSync(out, 'utf8'), scenarioJsonSchemaText());
    assert.deepEqual(readdirSync(dir), ['a.json']);
  });

  test('refuses to overwrite an existing file unless asked', async () => {
    const out = join(dir, 'b.json');
    writeFileSync(out, 'keep me');
    await assert.rejects(writeScenarioJsonSchema(out), (e: unknown) => e instanceof OutputError && /already exists/.test(e.message));
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
    await writeScenarioJsonSchema(out, { overwrite: true });
    assert.equal(readFileSync(out, 'utf8'), scenarioJsonSchemaText());
    assert.deepEqual(readdirSync(dir).sort(), ['a.json', 'b.json']);
  });

  test('a missing directory is an OutputError', async () => {
    await assert.rejects(writeScenarioJsonSchema(join(dir, 'no', 'such', 'c.json')), OutputError);
  });
});
