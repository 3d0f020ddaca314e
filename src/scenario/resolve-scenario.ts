/**
 * Scenarios by name: the YAML files shipped in the package's `scenarios/` folder can be named
 * instead of given as a path (`fedage bench alzheimers-3site`). The folder is found relative to
 * this module, not the working directory, so a global install finds it too.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, sep } from 'node:path';
import { InputError } from '../errors.js';
import { closestMatch } from './did-you-mean.js';
import { packagePath } from '../package-root.js';

/** The package's scenarios/ (with a trailing separator). */
export const SHIPPED_SCENARIOS_DIR = packagePath('scenarios') + sep;

const SCENARIO_EXTENSION = /\.ya?ml$/i;

/** Names of the shipped scenarios (file names without `.yaml`), sorted. */
export function shippedScenarioNames(dir: string = SHIPPED_SCENARIOS_DIR): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => SCENARIO_EXTENSION.test(f))
    .map((f) => f.slice(0, -extname(f).length))
    .sort();
}

/** The path of a shipped scenario, or undefined when no shipped scenario has that name. */
export function shippedScenarioPath(name: string, dir: string = SHIPPED_SCENARIOS_DIR): string | undefined {
  const bare = name.replace(SCENARIO_EXTENSION, '');
  for (const ext of ['.yaml', '.yml']) {
    const path = join(dir, `${bare}${ext}`);
    if (bare !== '' && basename(bare) === bare && isFile(path)) return path;
  }
  return undefined;
}

/**
 * A shipped name to suggest for `input`: the closest by edit distance, else the one name that
 * starts with it (`frailty` -> `frailty-dp`), else none.
 */
export function suggestScenarioName(input: string, names: readonly string[]): string | undefined {
  const bare = basename(input).replace(SCENARIO_EXTENSION, '');
  const close = closestMatch(bare, names);
  if (close) return close;
  const prefixed = names.filter((n) => bare.length >= 3 && n.toLowerCase().startsWith(bare.toLowerCase()));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The one place a scenario argument is resolved: an existing path (file or, for commands that
 * also take a data directory, a directory) wins; otherwise a shipped scenario's name; a missing
 * path is returned as given (the caller reports the missing file); a bare word that names no
 * shipped scenario is an InputError (exit 2) listing the names, with a did-you-mean.
 */
export function resolveScenarioInput(input: string, dir: string = SHIPPED_SCENARIOS_DIR): string {
  if (exists(input)) return input;
  const shipped = shippedScenarioPath(input, dir);
  if (shipped) return shipped;
  // A path (a folder separator or a .yaml/.yml name) that does not exist is the caller's
  // missing file, reported as such; only a bare word is taken for a mistyped name.
  if (/[\\/]/.test(input) || SCENARIO_EXTENSION.test(input)) return input;
  const names = shippedScenarioNames(dir);
  const guess = suggestScenarioName(input, names);
  const hint = guess ? `; did you mean "${guess}"?` : '';
  throw new InputError(
    [
      {
        file: input,
        path: '',
        expected: `an existing path or a shipped scenario name (${names.join(', ') || 'none shipped'})`,
        found: `no such file or directory${hint}`,
      },
    ],
    `${input}: no such file, directory or shipped scenario (run \`fedage scenarios\` to list them)`,
  );
}
