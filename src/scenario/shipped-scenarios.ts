/** The shipped scenarios as one summary each (`fedage scenarios`, `fedage init --from`). */
import { readFile } from 'node:fs/promises';
import { loadScenario } from './parse.js';
import { SHIPPED_SCENARIOS_DIR, shippedScenarioNames, shippedScenarioPath, suggestScenarioName } from './resolve-scenario.js';
import { InputError } from '../errors.js';

export interface ShippedScenario {
  /** The name commands accept in place of a path. */
  name: string;
  file: string;
  sites: number;
  patients: number;
  target: string;
  description: string;
}

/** Every shipped scenario, parsed (so a listed scenario is known to be valid), sorted by name. */
export async function listShippedScenarios(dir: string = SHIPPED_SCENARIOS_DIR): Promise<ShippedScenario[]> {
  const out: ShippedScenario[] = [];
  for (const name of shippedScenarioNames(dir)) {
    const file = shippedScenarioPath(name, dir)!;
    const s = await loadScenario(file);
    out.push({
      name,
      file,
      sites: s.sites.length,
      patients: s.sites.reduce((a, site) => a + site.patients, 0),
      target: s.target,
      description: s.description.replace(/\s+/g, ' ').trim(),
    });
  }
  return out;
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
