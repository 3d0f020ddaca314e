/**
 * The shipped scenarios as one summary each (`fedage scenarios`, `fedage init --from`).
 *
 * Listing parses every scenario (a listed scenario is known to be valid), which loads the schema
 * and takes most of a second; `npm run build` therefore writes an index of the summaries, each
 * under the SHA-256 of the scenario file it was parsed from (scripts/index-scenarios.mjs). A file
 * whose bytes still have that hash is listed from the index; any other is parsed, so an edited
 * or added scenario is never listed from a stale summary (issue 19: start-up ≤ 0.3 s).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SHIPPED_SCENARIOS_DIR, shippedScenarioNames, shippedScenarioPath, suggestScenarioName } from './resolve-scenario.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { FEDAGE_VERSION } from '../version.js';
import { packagePath } from '../package-root.js';

export interface ShippedScenario {
  /** The name commands accept in place of a path. */
  name: string;
  file: string;
  sites: number;
  patients: number;
  target: string;
  description: string;
}

/** Where the build writes the index of the shipped scenarios (dist/src/scenario/). */
export const SHIPPED_INDEX_FILE = packagePath('dist', 'src', 'scenario', 'shipped-index.json');
const INDEX_FORMAT = 'fedage-scenario-index/1';

type Summary = Omit<ShippedScenario, 'name' | 'file'>;
interface ScenarioIndex {
  format: string;
  /** The fedage version that parsed them: another version's parser may judge a file differently. */
  version: string;
  summaries: Record<string, Summary>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function summarize(file: string): Promise<Summary> {
  const { loadScenario } = await import('./parse.js');
  const s = await loadScenario(file);
  return {
    sites: s.sites.length,
    patients: s.sites.reduce((a, site) => a + site.patients, 0),
    target: s.target,
    description: s.description.replace(/\s+/g, ' ').trim(),
  };
}

function readIndex(indexFile: string): ScenarioIndex['summaries'] {
  if (!existsSync(indexFile)) return {};
  try {
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as Partial<ScenarioIndex>;
    return index.format === INDEX_FORMAT && index.version === FEDAGE_VERSION && index.summaries ? index.summaries : {};
  } catch {
    return {}; // An unreadable index only costs the parse.
  }
}

/** Every shipped scenario, sorted by name: from the index where the file is unchanged, parsed otherwise. */
export async function listShippedScenarios(dir: string = SHIPPED_SCENARIOS_DIR, indexFile: string = SHIPPED_INDEX_FILE): Promise<ShippedScenario[]> {
  const indexed = readIndex(indexFile);
  const out: ShippedScenario[] = [];
  for (const name of shippedScenarioNames(dir)) {
    const file = shippedScenarioPath(name, dir)!;
    const summary = indexed[sha256(readFileSync(file))] ?? (await summarize(file));
    out.push({ name, file, ...summary });
  }
  return out;
}

/** Parses every shipped scenario and writes the index (the build does this); returns how many. */
export async function writeShippedIndex(dir: string = SHIPPED_SCENARIOS_DIR, indexFile: string = SHIPPED_INDEX_FILE): Promise<number> {
  const summaries: Record<string, Summary> = {};
  const names = shippedScenarioNames(dir);
  for (const name of names) {
    const file = shippedScenarioPath(name, dir)!;
    summaries[sha256(readFileSync(file))] = await summarize(file);
  }
  const index: ScenarioIndex = { format: INDEX_FORMAT, version: FEDAGE_VERSION, summaries };
  writeFileAtomic(indexFile, `${JSON.stringify(index, null, 2)}\n`);
  return names.length;
}

/** The text of a shipped scenario by its name; an unknown name is an InputError with did-you-mean. */
export async function shippedScenarioText(name: string, dir: string = SHIPPED_SCENARIOS_DIR): Promise<{ path: string; text: string }> {
  const path = shippedScenarioPath(name, dir);
  if (!path) {
    const names = shippedScenarioNames(dir);
    const guess = suggestScenarioName(name, names);
    throw new InputError(
      [{ file: name, path: '', expected: `a shipped scenario name (${names.join(', ')})`, found: `no shipped scenario of that name${guess ? `; did you mean "${guess}"?` : ''}` }],
      `--from ${name}: no shipped scenario of that name`,
    );
  }
  return { path, text: await readFile(path, 'utf8') };
}
