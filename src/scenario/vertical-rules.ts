/**
 * Cross-field rules of the `vertical:` section, on the schema-checked values: one label holder,
 * party ids usable as file names and unique, each feature group held by one party at most, and a
 * single population site. Pure; parse.ts locates the findings in the YAML.
 */
import { checkSiteIds } from './rules.js';
import type { VerticalSettingsInput } from './vertical-schema.js';

/** Output files of a vertical data directory besides the parties' `<id>.arrow`. */
export const VERTICAL_GROUND_TRUTH_FILE = 'ground-truth.arrow';
const RESERVED_PARTY_IDS = new Set(['ground-truth']);

export interface VerticalRuleViolation {
  /** Path from the scenario root, e.g. ['vertical', 'parties', 2, 'features', 0]. */
  at: (string | number)[];
  expected: string;
  found: string;
}

export function checkVertical(vertical: VerticalSettingsInput, siteCount: number): VerticalRuleViolation[] {
  const out: VerticalRuleViolation[] = [];
  const parties = vertical.parties;
  const labelled = parties.flatMap((p, i) => (p.label ? [i] : []));
  if (labelled.length === 0) {
    out.push({ at: ['vertical', 'parties'], expected: 'exactly one party with `label: true` (the holder of the target column)', found: 'none' });
  }
  for (const i of labelled.slice(1)) {
    out.push({
      at: ['vertical', 'parties', i, 'label'],
      expected: 'exactly one party with `label: true`',
      found: `a second label holder "${parties[i].id}" (the first is "${parties[labelled[0]].id}")`,
    });
  }
  for (const v of checkSiteIds(parties.map((p) => p.id), (i) => `vertical.parties[${i}]`)) {
    out.push({ at: ['vertical', 'parties', v.index, 'id'], expected: v.expected.replace('site id', 'party id'), found: v.found });
  }
  parties.forEach((p, i) => {
    if (RESERVED_PARTY_IDS.has(p.id.toLowerCase())) {
      out.push({ at: ['vertical', 'parties', i, 'id'], expected: 'a party id that is not a reserved file name', found: `"${p.id}" (reserved for ${VERTICAL_GROUND_TRUTH_FILE})` });
    }
  });
  const holder = new Map<string, number>();
  parties.forEach((p, i) =>
    p.features.forEach((group, k) => {
      const first = holder.get(group);
      if (first === undefined) {
        holder.set(group, i);
        return;
      }
      out.push({
        at: ['vertical', 'parties', i, 'features', k],
        expected: 'each feature group held by one party at most',
        found: `"${group}", already held by ${first === i ? 'this party' : `"${parties[first].id}"`}`,
      });
    }),
  );
  if (siteCount !== 1) {
    out.push({
      at: ['sites'],
      expected: 'exactly one site with a `vertical:` section (the site describes the population whose columns the parties split)',
      found: `${siteCount} sites`,
    });
  }
  return out;
}
