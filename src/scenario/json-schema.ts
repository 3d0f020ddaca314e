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
import { randomBytes } from 'node:crypto';
import { link, lstat, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { OutputError } from '../errors.js';
import { scenarioSchema } from './schema.js';

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

export interface WriteOptions {
  /** Replace an existing file; without it an existing file is an OutputError. */
  overwrite?: boolean;
}

/**
 * Writes the schema atomically: readers see the old file or the complete new one, never half
 * of it, because the text goes to a temporary file in the same directory and is then moved.
 */
export async function writeScenarioJsonSchema(outPath: string, options: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(outPath, scenarioJsonSchemaText(), options);
}

export async function writeFileAtomic(outPath: string, text: string, { overwrite = false }: WriteOptions = {}): Promise<void> {
  const temp = join(dirname(outPath), `.${basename(outPath)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text, { encoding: 'utf8', flag: 'wx' });
  } catch (error) {
    throw new OutputError(`cannot write ${outPath}: ${describeFsError(error)}`);
  }
  try {
    await moveIntoPlace(temp, outPath, overwrite);
  } catch (error) {
    if (error instanceof OutputError) throw error;
    throw new OutputError(`cannot write ${outPath}: ${describeFsError(error)}`);
  } finally {
    await rm(temp, { force: true });
  }
}

async function moveIntoPlace(temp: string, outPath: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(temp, outPath);
  const refuse = () => new OutputError(`${outPath} already exists; pass --force to overwrite it`);
  try {
    // link() fails if the target exists, so "never overwrite" has no check-then-write race.
    await link(temp, outPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuse();
    // File systems without hard links (FAT, some network mounts): check, then rename.
    if (await exists(outPath)) throw refuse();
    await rename(temp, outPath);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the directory does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}
