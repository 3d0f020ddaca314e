/**
 * `npm run schema:write`: regenerates schema/scenario.schema.json from the zod schema.
 * Run after changing src/scenario/schema.ts; test/scenario/json-schema.test.ts fails until you do.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeScenarioJsonSchema } from './json-schema.js';
import { packagePath } from '../package-root.js';

const target = packagePath('schema', 'scenario.schema.json');
await mkdir(dirname(target), { recursive: true });
await writeScenarioJsonSchema(target, { overwrite: true });
process.stderr.write(`wrote ${target}\n`);
