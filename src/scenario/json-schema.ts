/**
 * The JSON Schema of a scenario file, generated from the zod schema so editors (VS Code with
 * yaml-language-server) and `fedage validate` can never disagree. The committed copy in
 * schema/scenario.schema.json is checked against this generator by a snapshot test;
 * regenerate it with `npm run schema:write`.
 *
 * Draft-07 because yaml-language-server supports it fully (2019-09/2020-12 only partly).
 * Cross-field rules (mix sums to 1, min <= max, unique ids) cannot be expressed here and are
 * only enforced by `fedage validate`.
 */
import { z } from 'zod';
import { writeFileAtomic, type WriteOptions } from '../write-file-atomic.js';
import { scenarioSchema } from './schema.js';

export type { WriteOptions };

/** A URN rather than a URL: the project has no published home for the schema yet. */
export const SCENARIO_SCHEMA_ID = 'urn:fedage:schema:scenario';

export function scenarioJsonSchema(): Record<string, unknown> {
  // io 'input': the schema describes what an author writes, before any zod transforms.
  const { $schema, ...generated } = z.toJSONSchema(scenarioSchema, { target: 'draft-07', io: 'input' });
  return {
    $schema,
    $id: SCENARIO_SCHEMA_ID,
    title: 'fedage scenario',
    description:
      'A consortium of simulated hospitals for fedage. Add `# yaml-language-server: $schema=<path to this file>` ' +
      'at the top of a scenario for completion and checks in the editor; run `fedage validate` for the cross-field rules.',
    ...generated,
  };
}

/** The exact text of schema/scenario.schema.json: two-space JSON with a final newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

/**
 * Writes the schema atomically (see write-file-atomic.ts); an existing file is refused unless
 * `overwrite`.
 */
export async function writeScenarioJsonSchema(outPath: string, options: WriteOptions = {}): Promise<void> {
  writeFileAtomic(outPath, scenarioJsonSchemaText(), { overwrite: options.overwrite ?? false });
}
