/**
 * Cross-field rules: checks that need more than one value, run after the schema check and after
 * the layers are merged (a site may inherit `min` from consortium.defaults and set `max` itself).
 * Pure functions over plain values; parse.ts turns their findings into located InputProblems.
 */
import { SITE_ID_PATTERN, type ResolvedSite } from './schema.js';

/** A path inside one site's settings, e.g. ['demographics', 'age', 'min']. */
export type SitePath = readonly string[];

export interface RuleViolation {
  /**
   * Where the offending value may have been written, most telling first. The caller looks for
   * each path in the site, then in consortium.defaults, and points at the first one it finds.
   */
  at: SitePath[];
  expected: string;
  found: string;
}

/** Tolerance for "sums to 1": YAML decimals such as 0.1 + 0.2 are not exact in binary. */
export const MIX_SUM_TOLERANCE = 1e-6;

/** Every cross-field rule for one merged site. */
export function checkResolvedSite(site: ResolvedSite): RuleViolation[] {
  return [...checkDistributions(site), ...checkDiagnosisMix(site), ...checkRaceEthnicityMix(site), ...checkEnrollment(site)];
}

export function checkRaceEthnicityMix(site: ResolvedSite): RuleViolation[] {
  const m = site.demographics.raceEthnicity;
  const sum = Object.values(m).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) <= MIX_SUM_TOLERANCE) return [];
  return [
    {
      at: [['demographics', 'raceEthnicity']],
      expected: 'race/ethnicity fractions summing to 1 (groups left out count as 0)',
      found: `${Object.entries(m).map(([k, v]) => `${k} ${v}`).join(' + ')} = ${Number(sum.toFixed(6))}`,
    },
  ];
}

interface DistLike {
  mean: number;
  sd: number;
  min?: number;
  max?: number;
}

function isDistribution(value: unknown): value is DistLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.mean === 'number' && typeof v.sd === 'number';
}

/** Finds every {mean, sd} object in the site, so new distributions are checked without a list to update. */
function findDistributions(value: unknown, path: string[] = []): { path: string[]; dist: DistLike }[] {
  if (isDistribution(value)) return [{ path, dist: value }];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => findDistributions(child, [...path, key]));
}

export function checkDistributions(site: ResolvedSite): RuleViolation[] {
  return findDistributions(site).flatMap(({ path, dist }) => checkDistribution(path, dist));
}

function checkDistribution(path: string[], { mean, min, max }: DistLike): RuleViolation[] {
  if (min !== undefined && max !== undefined && min > max) {
    return [
      {
        at: [[...path, 'max'], [...path, 'min'], path],
        expected: 'min <= max',
        found: `min ${min} > max ${max}`,
      },
    ];
  }
  const below = min !== undefined && mean < min;
  const above = max !== undefined && mean > max;
  if (!below && !above) return [];
  return [
    {
      at: [[...path, 'mean'], [...path, below ? 'min' : 'max'], path],
      expected: `a mean within [min, max] = [${min ?? '-inf'}, ${max ?? 'inf'}]`,
      found: below ? `mean ${mean} below min ${min}` : `mean ${mean} above max ${max}`,
    },
  ];
}

export function checkDiagnosisMix(site: ResolvedSite): RuleViolation[] {
  const { CN, MCI, AD } = site.diagnosisMix;
  const sum = CN + MCI + AD;
  if (Math.abs(sum - 1) <= MIX_SUM_TOLERANCE) return [];
  return [
    {
      at: [['diagnosisMix']],
      expected:
        'CN + MCI + AD to sum to 1 (a site that sets only part of the mix inherits the rest from consortium.defaults or the built-in defaults)',
      found: `CN ${CN} + MCI ${MCI} + AD ${AD} = ${Number(sum.toFixed(6))}`,
    },
  ];
}

/** ISO dates (YYYY-MM-DD) compare correctly as strings. */
export function checkEnrollment(site: ResolvedSite): RuleViolation[] {
  const { start, end } = site.enrollment;
  if (end >= start) return [];
  return [
    {
      at: [['enrollment', 'end'], ['enrollment', 'start'], ['enrollment']],
      expected: 'an enrollment end on or after its start',
      found: `end ${end} is before start ${start}`,
    },
  ];
}

/** Names the data layer uses for its own files, so a site may not take them. */
const RESERVED_SITE_IDS = new Set(['manifest']);
/** Suffixes of output files: site `a.visits` would collide with site `a`'s visits table. */
const RESERVED_SITE_ID_SUFFIXES = ['.arrow', '.visits'];
/** Windows device names are not usable as file names, with or without an extension. */
const WINDOWS_DEVICE_NAME = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

export interface SiteIdViolation {
  /** Index into `sites`. */
  index: number;
  expected: string;
  found: string;
}

/** Why this id cannot become a file name, or undefined if it can. */
export function reservedSiteIdReason(id: string): string | undefined {
  const lower = id.toLowerCase();
  if (RESERVED_SITE_IDS.has(lower)) return 'reserved for the output manifest';
  const suffix = RESERVED_SITE_ID_SUFFIXES.find((s) => lower.endsWith(s));
  if (suffix) return `ends in "${suffix}", which would collide with output file names`;
  if (WINDOWS_DEVICE_NAME.test(id)) return 'a reserved device name on Windows';
  return undefined;
}

/**
 * Site ids become file names: they must be unique ignoring case (macOS and Windows file systems
 * are case-insensitive, so `A.arrow` and `a.arrow` are the same file) and must not take a
 * reserved name. Takes the raw ids so it can run even when other parts of the file are invalid;
 * ids that fail the schema's pattern are left to the schema check.
 */
export function checkSiteIds(
  ids: readonly unknown[],
  describeSite: (index: number) => string = (index) => `sites[${index}]`,
): SiteIdViolation[] {
  const violations: SiteIdViolation[] = [];
  const firstIndexByKey = new Map<string, number>();
  ids.forEach((id, index) => {
    if (typeof id !== 'string' || !SITE_ID_PATTERN.test(id)) return;
    const reason = reservedSiteIdReason(id);
    if (reason) violations.push({ index, expected: 'a site id that is not a reserved file name', found: `"${id}" (${reason})` });
    const key = id.toLowerCase();
    const first = firstIndexByKey.get(key);
    if (first === undefined) {
      firstIndexByKey.set(key, index);
      return;
    }
    const firstId = ids[first] as string;
    const sameSpelling = firstId === id;
    violations.push({
      index,
      expected: 'a site id used by no other site (compared ignoring case)',
      found: `"${id}", already used${sameSpelling ? '' : ` as "${firstId}"`} by ${describeSite(first)}`,
    });
  });
  return violations;
}
