/**
 * `npm run schema:write`: regenerates schema/scenario.schema.json from the zod schema.
 * Run after changing src/scenario/schema.ts; test/scenario/json-schema.test.ts fails until you do.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScenarioJsonSchema } from './json-schema.js';

// dist/src/scenario/ -> repo root
const target = fileURLToPath(new URL('../../../schema/scenario.schema.json', import.meta.url));
await mkdir(dirname(target), { recursive: true });
await writeScenarioJsonSchema(target, { overwrite: true });
process.stderr.write(`wrote ${target}\n`);
