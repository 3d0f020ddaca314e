/**
 * Scenario YAML -> resolved Scenario, in the changesets order: read YAML -> schema check ->
 * merge layers -> cross-field rules. Every problem found is reported at once, each with
 * file:line:column and a dot path, because fixing a file one error per run is miserable.
 */
import { resolveScenarioInput } from './resolve-scenario.js';
import type { z } from 'zod';
import { InputError, type InputProblem } from '../errors.js';
import { RACE_ETHNICITY, defaultRaceEthnicityMix, type RaceEthnicityMix } from './race-ethnicity.js';
import { DEFAULT_CONSORTIUM, DEFAULT_SITE, mergeLayers } from './defaults.js';
import { closestMatch } from './did-you-mean.js';
import { checkResolvedSite, checkSiteIds, type RuleViolation } from './rules.js';
import {
  scenarioSchema,
  siteSchema,
  siteSettingsSchema,
  type ResolvedSite,
  type Scenario,
  type ScenarioInput,
  type SiteSettingsInput,
} from './schema.js';
import { benchConfigFileSchema, type BenchSettingsInput } from './bench-schema.js';
import type { PrivacySettingsInput } from './privacy-schema.js';
import { resolveVertical, verticalSettingsSchema } from './vertical-schema.js';
import { checkVertical } from './vertical-rules.js';
import { allowedKeys, describeSchema, schemaAtPath } from './schema-describe.js';
import { formatPath, readYaml, readYamlFile, type DataPath, type SourcePosition, type YamlSource } from './yaml-source.js';

export type SiteInput = z.infer<typeof siteSchema>;
type ZodIssue = z.core.$ZodIssue;

/** Parses and validates scenario YAML; throws InputError listing every problem. */
export function parseScenario(text: string, file: string): Scenario {
  const source = readYaml(text, file);
  if (source.problems.length > 0) throw new InputError(source.problems);

  const checked = scenarioSchema.safeParse(source.data);
  const problems = [
    ...(checked.success ? [] : schemaProblems(checked.error.issues, source, file)),
    ...siteIdProblems(source, file),
    ...crossFieldProblems(checked.success ? checked.data : undefined, source, file),
    ...verticalProblems(source, file),
  ];
  if (problems.length > 0 || !checked.success) throw reportedProblems(inDocumentOrder(uniqueProblems(problems)), file);
  return resolveScenario(checked.data, file);
}

/**
 * Parses a stand-alone bench config (a YAML file with a top-level `bench:` section, used with
 * data directories that have no scenario); problems are located like a scenario's.
 */
export function parseBenchConfig(text: string, file: string): BenchSettingsInput {
  return parseBenchConfigFile(text, file).bench;
}

/** The whole config file: its `bench:` and `privacy:` sections. */
export function parseBenchConfigFile(text: string, file: string): { bench: BenchSettingsInput; privacy: PrivacySettingsInput | null } {
  const source = readYaml(text, file);
  if (source.problems.length > 0) throw new InputError(source.problems);
  const checked = benchConfigFileSchema.safeParse(source.data);
  if (!checked.success) throw reportedProblems(inDocumentOrder(uniqueProblems(schemaProblems(checked.error.issues, source, file))), file);
  return { bench: checked.data.bench ?? {}, privacy: checked.data.privacy ?? null };
}

export async function loadBenchConfig(path: string): Promise<{ bench: BenchSettingsInput; privacy: PrivacySettingsInput | null }> {
  const text = await readYamlFile(path, 'a readable bench config file', describeReadError);
  return parseBenchConfigFile(text, path);
}

/**
 * Reads and parses a scenario file, or a shipped scenario given by name (resolveScenarioInput);
 * an unreadable file is an InputError naming it.
 */
export async function loadScenario(input: string): Promise<Scenario> {
  const path = resolveScenarioInput(input);
  const text = await readYamlFile(path, 'a readable scenario file', describeReadError);
  return parseScenario(text, path);
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'a file without read permission';
  return (error as Error).message;
}

// ---------------------------------------------------------------------------------------------
// Merging layers

/** One site with every setting filled in: built-in defaults <- consortium.defaults <- the site. */
export function resolveSite(site: SiteInput, consortiumDefaults?: SiteSettingsInput): ResolvedSite {
  const merged = mergeLayers(DEFAULT_SITE, consortiumDefaults, site) as Omit<ResolvedSite, 'id' | 'name'> & {
    id: string;
    name?: string;
  };
  // The race/ethnicity mix defaults by country, and a mix given in a layer is taken whole
  // (groups it leaves out are 0): a partial mix merged into a default would not sum to 1.
  const given = [site, consortiumDefaults].map((l) => l?.demographics?.raceEthnicity).find((m) => m !== undefined);
  merged.demographics.raceEthnicity = given
    ? (Object.fromEntries(RACE_ETHNICITY.map((g) => [g, given[g] ?? 0])) as RaceEthnicityMix)
    : defaultRaceEthnicityMix(merged.country);
  const { id, name, ...settings } = merged;
  // id and name first: they lead when a resolved site is printed or hashed.
  return { id, name: name ?? id, ...settings };
}

export function resolveScenario(input: ScenarioInput, file: string): Scenario {
  const { consortium } = input;
  return {
    name: consortium.name,
    description: consortium.description ?? '',
    seed: consortium.seed ?? DEFAULT_CONSORTIUM.seed,
    followUpYears: consortium.followUpYears ?? DEFAULT_CONSORTIUM.followUpYears,
    visitIntervalMonths: consortium.visitIntervalMonths ?? DEFAULT_CONSORTIUM.visitIntervalMonths,
    target: consortium.target ?? DEFAULT_CONSORTIUM.target,
    refs: input.refs ?? {},
    sites: input.sites.map((site) => resolveSite(site, consortium.defaults)),
    bench: input.bench ?? {},
    privacy: input.privacy ?? null,
    vertical: input.vertical ? resolveVertical(input.vertical) : null,
    file,
  };
}

// ---------------------------------------------------------------------------------------------
// Schema problems

/** The root a YAML file is checked against, and how its whole document is described. */
export interface SchemaRoot {
  schema: z.core.$ZodType;
  document: string;
}

const SCENARIO_ROOT: SchemaRoot = { schema: scenarioSchema, document: 'a scenario: a mapping with `consortium` and `sites`' };

/**
 * Zod issues → located problems (file:line:column, dot path, expected vs found, did-you-mean
 * for unknown keys). Exported for other YAML inputs (import mappings) with their own root.
 */
export function schemaProblems(issues: readonly ZodIssue[], source: YamlSource, file: string, root: SchemaRoot = SCENARIO_ROOT): InputProblem[] {
  return firstIssuePerPath(issues).flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? unknownKeyProblems(issue.path, issue.keys, source, file, root)
      : [valueProblem(issue, source, file, root)],
  );
}

/**
 * At most this many problems are listed (the first, in document order); the summary gives the
 * total. A file with 80,000 stray keys must not print 80,000 lines, nor compute a did-you-mean
 * for each.
 */
export const MAX_REPORTED_PROBLEMS = 100;

/** The InputError for ordered problems: the first MAX_REPORTED_PROBLEMS, with the total when more. */
export function reportedProblems(problems: InputProblem[], file: string): InputError {
  if (problems.length <= MAX_REPORTED_PROBLEMS) return new InputError(problems);
  return new InputError(
    problems.slice(0, MAX_REPORTED_PROBLEMS),
    `${problems.length} problems in ${file}; the first ${MAX_REPORTED_PROBLEMS} (top to bottom) are listed`,
  );
}

/** Problems sorted as the author reads the file, duplicates removed. */
export function orderedProblems(problems: InputProblem[]): InputProblem[] {
  return inDocumentOrder(uniqueProblems(problems));
}

/**
 * A value can fail several checks (`../x` breaks the id pattern and the ".." rule); the first
 * says enough, and one line per value keeps the report readable.
 */
function firstIssuePerPath(issues: readonly ZodIssue[]): ZodIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    if (issue.code === 'unrecognized_keys') return true;
    const key = formatPath(issue.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unknownKeyProblems(parentPath: DataPath, keys: readonly string[], source: YamlSource, file: string, root: SchemaRoot): InputProblem[] {
  const allowed = allowedKeys(schemaAtPath(root.schema, parentPath)) ?? [];
  const parentLabel = parentPath.length ? `\`${formatPath(parentPath)}\`` : 'the top level';
  const listed = allowed.length > 0 && allowed.length <= 8 ? `: ${allowed.join(', ')}` : '';
  return keys.map((key, i) => {
    const path = [...parentPath, key];
    // Keys of one mapping are in document order, so past the report limit none can be listed.
    const suggestion = i < MAX_REPORTED_PROBLEMS ? closestMatch(key, allowed) : undefined;
    return {
      file,
      ...lineColumn(source.keyPositionOf(path)),
      path: formatPath(path),
      expected: `a known key of ${parentLabel}${listed}`,
      found: `unknown key \`${key}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
    };
  });
}

function valueProblem(issue: ZodIssue, source: YamlSource, file: string, root: SchemaRoot): InputProblem {
  const value = valueAt(source.data, issue.path);
  const missingKey = value.present ? undefined : `\`${String(issue.path.at(-1))}\``;
  return {
    file,
    ...lineColumn(source.positionOf(issue.path)),
    path: formatPath(issue.path),
    expected: missingKey ? `${missingKey}: ${expectedFor(issue, root)}` : expectedFor(issue, root),
    found: missingKey ? `nothing (the key ${missingKey} is missing)` : describeValue(value.value),
  };
}

/** What should have been written, in words a clinician writing YAML can act on. */
function expectedFor(issue: ZodIssue, root: SchemaRoot): string {
  if (issue.path.length === 0) return root.document;
  switch (issue.code) {
    case 'invalid_format':
    case 'custom':
      // schema.ts gives these checks human messages ('an ISO date YYYY-MM-DD'); zod's defaults start with "Invalid".
      return /^Invalid/.test(issue.message) ? describeSchema(schemaAtPath(root.schema, issue.path)) : issue.message;
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    case 'invalid_value':
      // A retired name (a renamed target) carries its own message naming the replacements.
      if (issue.message.includes('retired')) return issue.message;
      return describeSchema(schemaAtPath(root.schema, issue.path));
    case 'invalid_type':
    case 'too_big':
    case 'too_small':
      return describeSchema(schemaAtPath(root.schema, issue.path));
    default:
      return issue.message;
  }
}

function valueAt(data: unknown, path: DataPath): { present: boolean; value: unknown } {
  let current = data;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) {
      return { present: false, value: undefined };
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return { present: true, value: current };
}

/** How a value reads back to its author: numbers as written, strings quoted. */
export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return value.length > 60 ? `${JSON.stringify(value.slice(0, 57))}...` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  return typeof value;
}

// ---------------------------------------------------------------------------------------------
// Cross-field problems

function rawSites(data: unknown): unknown[] {
  const sites = (data as { sites?: unknown } | null)?.sites;
  return Array.isArray(sites) ? sites : [];
}

/** Works on the raw YAML value so duplicate ids show up even while other fields are wrong. */
function siteIdProblems(source: YamlSource, file: string): InputProblem[] {
  const ids = rawSites(source.data).map((site) => (site as { id?: unknown } | null)?.id);
  const describeSite = (index: number) => {
    const line = source.positionOf(['sites', index, 'id'])?.line;
    return `sites[${index}]${line !== undefined ? ` (line ${line})` : ''}`;
  };
  return checkSiteIds(ids, describeSite).map(({ index, expected, found }) => {
    const path = ['sites', index, 'id'];
    return { file, ...lineColumn(source.positionOf(path)), path: formatPath(path), expected, found };
  });
}

/**
 * Runs the cross-field rules on every site that passed the schema check, even when other sites
 * or sections failed, so one run reports as much as it safely can. Skipped only when
 * consortium.defaults itself is invalid, since every site inherits from it.
 */
function crossFieldProblems(input: ScenarioInput | undefined, source: YamlSource, file: string): InputProblem[] {
  const defaults = input ? { success: true as const, data: input.consortium.defaults } : defaultsIfValid(source.data);
  if (!defaults.success) return [];
  const sites: (SiteInput | undefined)[] = input
    ? input.sites
    : rawSites(source.data).map((raw) => {
        const site = siteSchema.safeParse(raw);
        return site.success ? site.data : undefined;
      });
  return sites.flatMap((site, index) =>
    site ? checkResolvedSite(resolveSite(site, defaults.data)).map((v) => locateViolation(v, index, source, file)) : [],
  );
}

/** The vertical section's rules, whenever the section itself passed the schema check. */
function verticalProblems(source: YamlSource, file: string): InputProblem[] {
  const raw = (source.data as { vertical?: unknown } | null)?.vertical;
  if (raw === undefined) return [];
  const vertical = verticalSettingsSchema.safeParse(raw);
  if (!vertical.success) return [];
  return checkVertical(vertical.data, rawSites(source.data).length).map((v) => ({
    file,
    ...lineColumn(source.positionOf(v.at)),
    path: formatPath(v.at),
    expected: v.expected,
    found: v.found,
  }));
}

function defaultsIfValid(data: unknown): { success: boolean; data?: SiteSettingsInput } {
  const raw = (data as { consortium?: { defaults?: unknown } } | null)?.consortium?.defaults;
  return siteSettingsSchema.optional().safeParse(raw);
}

/** Point at the value as written: in the site first, then in consortium.defaults, else at the site. */
function locateViolation(violation: RuleViolation, siteIndex: number, source: YamlSource, file: string): InputProblem {
  const layers: DataPath[] = [
    ['sites', siteIndex],
    ['consortium', 'defaults'],
  ];
  for (const layer of layers) {
    for (const relative of violation.at) {
      const path = [...layer, ...relative];
      if (source.has(path)) return ruleProblem(path, violation, source, file);
    }
  }
  return ruleProblem(['sites', siteIndex], violation, source, file);
}

function ruleProblem(path: DataPath, violation: RuleViolation, source: YamlSource, file: string): InputProblem {
  return {
    file,
    ...lineColumn(source.positionOf(path)),
    path: formatPath(path),
    expected: violation.expected,
    found: violation.found,
  };
}

// ---------------------------------------------------------------------------------------------
// Report shaping

function lineColumn(position: SourcePosition | undefined): { line?: number; column?: number } {
  return position ? { line: position.line, column: position.column } : {};
}

/** A mistake in consortium.defaults breaks every site the same way: say it once. */
function uniqueProblems(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.line, p.column, p.path, p.expected, p.found]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Top to bottom, as the author reads the file; problems without a position (whole file) first. */
function inDocumentOrder(problems: InputProblem[]): InputProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
