/**
 * Between-site population shift: for every site and numeric feature, the site's values are
 * compared with the pooled values of all other sites (the data, not the labels) by PSI over the
 * pooled sample's deciles and by the two-sample KS test. A site whose population differs from
 * the rest of the consortium (older patients, another scanner or unit) is what federation has to
 * cope with, and what an analyst must know before reading a per-site metric.
 *
 * Alarm (fixed here so tests can check it): PSI >= 0.25, the conventional "major shift"
 * (Siddiqi 2006, Credit Risk Scorecards; Yurdakul 2018, "Statistical properties of the
 * population stability index"), AND KS p < 0.01 / (features tested at the site) (Bonferroni over
 * features): with thousands of rows KS alone flags trivial differences, and PSI alone flags
 * noise on small sites. PSI in [0.1, 0.25) is reported as "moderate" without an alarm.
 */
import type { Table } from 'apache-arrow';
import { ksTestOfSorted, psiOfSorted } from './drift-stats.js';
import { numericColumn } from './subgroups.js';

export const SITE_PSI_ALARM = 0.25;
export const SITE_PSI_MODERATE = 0.1;
export const SITE_KS_FAMILY_ALPHA = 0.01;

export interface SiteFeatureShift {
  feature: string;
  psi: number | null;
  ks: number | null;
  ksPValue: number | null;
  /** Site mean minus the pooled other sites' mean (feature units). */
  meanDifference: number | null;
  level: 'stable' | 'moderate' | 'major' | null;
  alarm: boolean;
}

export interface SitePopulationShift {
  site: string;
  rows: number;
  shifts: SiteFeatureShift[];
  /** Features with an alarm, largest PSI first. */
  shiftedFeatures: string[];
  alarms: number;
  tests: number;
}

const finiteSorted = (x: ArrayLike<number>): Float64Array => {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) out.push(x[i]);
  return Float64Array.from(out).sort();
};
const mean = (x: Float64Array): number | null => (x.length ? x.reduce((a, b) => a + b, 0) / x.length : null);

/** The sorted multiset `all` minus the sorted multiset `part` (part is contained in all): O(n), no re-sort. */
function sortedDifference(all: Float64Array, part: Float64Array): Float64Array {
  const out = new Float64Array(all.length - part.length);
  let j = 0;
  let k = 0;
  for (let i = 0; i < all.length; i++) {
    if (j < part.length && all[i] === part[j]) j++;
    else out[k++] = all[i];
  }
  return out;
}

/** Every site vs the pooled other sites, on the numeric features present in every site. */
export function sitePopulationShift(sites: readonly { site: string; table: Table }[], numericFeatures: readonly string[]): SitePopulationShift[] {
  if (sites.length < 2) return [];
  const features = numericFeatures.filter((f) => sites.every((s) => s.table.getChild(f)));
  // Sorted once per site and for the pool; each site's "rest" is the pool minus the site.
  const values = sites.map((s) => new Map(features.map((f) => [f, finiteSorted(numericColumn(s.table, f) as Float64Array)])));
  const pooled = new Map(features.map((f) => [f, Float64Array.from(values.flatMap((v) => [...(v.get(f) as Float64Array)])).sort()]));
  return sites.map((s, k) => {
    const shifts: SiteFeatureShift[] = [];
    let tests = 0;
    const pending: { f: string; own: Float64Array; rest: Float64Array }[] = [];
    for (const f of features) {
      const own = values[k].get(f) as Float64Array;
      const rest = sortedDifference(pooled.get(f) as Float64Array, own);
      if (own.length === 0 || rest.length === 0) continue;
      pending.push({ f, own, rest });
      tests++;
    }
    for (const { f, own, rest } of pending) {
      // The pooled other sites are the reference: their deciles define the PSI bins.
      const p = psiOfSorted(rest, own);
      const ks = ksTestOfSorted(own, rest);
      const mo = mean(own);
      const mr = mean(rest);
      const level = p === null ? null : p >= SITE_PSI_ALARM ? 'major' : p >= SITE_PSI_MODERATE ? 'moderate' : 'stable';
      const alarm = p !== null && ks !== null && p >= SITE_PSI_ALARM && ks.pValue < SITE_KS_FAMILY_ALPHA / Math.max(1, tests);
      shifts.push({ feature: f, psi: p, ks: ks?.statistic ?? null, ksPValue: ks?.pValue ?? null, meanDifference: mo !== null && mr !== null ? mo - mr : null, level, alarm });
    }
    const shifted = shifts.filter((x) => x.alarm).sort((a, b) => (b.psi as number) - (a.psi as number));
    return { site: s.site, rows: s.table.numRows, shifts, shiftedFeatures: shifted.map((x) => x.feature), alarms: shifted.length, tests };
  });
}
