/**
 * `fedage init`: writes a starter scenario for a user's own consortium, either the commented
 * template (starter.ts) or a copy of a shipped scenario. The text is parsed before it is
 * written, so the file written is always a valid scenario; the write is atomic and refuses to
 * replace an existing file unless forced.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { OutputError, OVERWRITE_HINT } from '../errors.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { parseScenario } from './parse.js';
import { shippedScenarioText } from './shipped-scenarios.js';
import { starterScenarioText } from './starter.js';
import type { Scenario } from './schema.js';
import { packagePath } from '../package-root.js';

/** The package's JSON Schema for scenarios. */
const SCHEMA_FILE = packagePath('schema', 'scenario.schema.json');

export interface InitScenarioOptions {
  /** A shipped scenario to start from instead of the two-site template. */
  from?: string;
  force?: boolean;
}

export interface InitScenarioResult {
  file: string;
  scenario: Scenario;
  from: string | null;
}

/** The schema path as the editor should see it from `file` (relative, with forward slashes). */
function schemaRefFrom(file: string): string {
  return relative(dirname(resolve(file)), SCHEMA_FILE).split(sep).join('/');
}

const SCHEMA_COMMENT = /^# yaml-language-server: \$schema=.*$/m;

export async function initScenario(file: string, opts: InitScenarioOptions = {}): Promise<InitScenarioResult> {
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new OutputError(`${file}: expected a file name for the scenario, found a directory`);
    if (!opts.force) throw new OutputError(`${file} already exists; ${OVERWRITE_HINT}`);
  }
  const schemaRef = schemaRefFrom(file);
  let text: string;
  if (opts.from !== undefined) {
    const shipped = await shippedScenarioText(opts.from);
    const body = SCHEMA_COMMENT.test(shipped.text)
      ? shipped.text.replace(SCHEMA_COMMENT, `# yaml-language-server: $schema=${schemaRef}`)
      : `# yaml-language-server: $schema=${schemaRef}\n${shipped.text}`;
    const [first, ...rest] = body.split('\n');
    text = [
      first,
      `# Copied from the shipped scenario "${opts.from}" by \`fedage init --from ${opts.from}\`: rename the`,
      '# consortium and edit the sites for your own hospitals, then run `fedage validate` on this file.',
      ...rest,
    ].join('\n');
  } else {
    text = starterScenarioText(schemaRef);
  }
  // Parse before writing: a starter that did not validate would be reported, never written.
  const scenario = parseScenario(text, file);
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileAtomic(file, text);
  return { file, scenario, from: opts.from ?? null };
}
