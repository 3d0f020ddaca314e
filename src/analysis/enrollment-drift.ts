/**
 * Drift over enrollment time within each site (works on any data set with an enrollment date:
 * generated or imported). Periods are calendar years of the baseline visit. For every numeric
 * feature, each period is compared with the site's first period (the reference) by PSI and KS;
 * the label rate is tracked per period; and the baseline diagnosis codes get a change point
 * (a code-system switch, ICD-9-CM -> ICD-10-CM, changes every code at once).
 *
 * Alarms (the thresholds a monitoring dashboard needs, fixed here so tests can check them):
 *  - feature shift: PSI >= 0.25 ("major shift") AND KS p < 0.01 / (tests at the site)
 *    (Bonferroni): PSI alone alarms on small periods by noise alone;
 *  - code change point: the likelihood-ratio statistic G of the best split above the chi-square
 *    quantile at z = 3.5 (Wilson-Hilferty), a family-wise bound over the candidate splits.
 */
import type { Table } from 'apache-arrow';
import { categoricalChangePoint, ksTest, psi } from './drift-stats.js';
import { numericColumn, stringColumn } from './subgroups.js';

export const PSI_ALARM = 0.25;
export const KS_FAMILY_ALPHA = 0.01;
export const CHANGE_POINT_Z = 3.5;
/** Periods with fewer rows are merged into the next (a PSI over 10 bins needs rows). */
export const MIN_PERIOD_ROWS = 30;

export interface FeaturePeriodShift {
  feature: string;
  period: string;
  psi: number | null;
  ks: number | null;
  ksPValue: number | null;
  alarm: boolean;
}

export interface SiteEnrollmentDrift {
  site: string;
  periods: { label: string; rows: number; labelRate: number | null }[];
  shifts: FeaturePeriodShift[];
  alarms: number;
  tests: number;
  codeChangePoint: { period: string; periodIndex: number; statistic: number; critical: number; alarm: boolean } | null;
}

export interface EnrollmentDriftInput {
  site: string;
  table: Table;
  numericFeatures: readonly string[];
  targetColumn: string;
  dateColumn?: string;
  codeColumn?: string;
}

/** Chi-square quantile at a normal deviate z (Wilson-Hilferty). */
export function chiSquareQuantile(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Calendar year of a date cell (an Arrow date: epoch ms number, bigint or Date). */
export function yearOf(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const ms = v instanceof Date ? v.getTime() : Number(v);
  return Number.isFinite(ms) ? new Date(ms).getUTCFullYear() : null;
}

export function siteEnrollmentDrift(input: EnrollmentDriftInput): SiteEnrollmentDrift | null {
  const { table } = input;
  const dates = table.getChild(input.dateColumn ?? 'enrollment_date');
  if (!dates) return null;
  const n = table.numRows;
  const years = new Int32Array(n);
  let minYear = Infinity;
  let maxYear = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = yearOf(dates.get(i));
    years[i] = y ?? -1;
    if (y !== null) {
      minYear = Math.min(minYear, y);
      maxYear = Math.max(maxYear, y);
    }
  }
  if (!Number.isFinite(minYear)) return null;
  // Calendar years, small ones merged forward so every period has MIN_PERIOD_ROWS rows.
  const perYear = new Map<number, number>();
  for (const y of years) if (y >= 0) perYear.set(y, (perYear.get(y) ?? 0) + 1);
  const periodOfYear = new Map<number, number>();
  const labels: string[] = [];
  let start = minYear;
  let acc = 0;
  for (let y = minYear; y <= maxYear; y++) {
    acc += perYear.get(y) ?? 0;
    if (acc >= MIN_PERIOD_ROWS || y === maxYear) {
      if (acc < MIN_PERIOD_ROWS && labels.length > 0) {
        // The tail is too small: fold it into the last period.
        const last = labels.length - 1;
        for (let yy = start; yy <= y; yy++) periodOfYear.set(yy, last);
        const lastStart = labels[last].split('-')[0];
        labels[last] = `${lastStart}-${y}`;
      } else {
        for (let yy = start; yy <= y; yy++) periodOfYear.set(yy, labels.length);
        labels.push(start === y ? String(y) : `${start}-${y}`);
      }
      start = y + 1;
      acc = 0;
    }
  }
  const period = Int32Array.from(years, (y) => (y < 0 ? -1 : (periodOfYear.get(y) as number)));
  const m = labels.length;
  const rowsOf = (p: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (period[i] === p) out.push(i);
    return out;
  };
  const periodRows = labels.map((_, p) => rowsOf(p));
  const target = numericColumn(table, input.targetColumn);
  const periods = labels.map((label, p) => {
    let k = 0;
    let s = 0;
    if (target) for (const i of periodRows[p]) if (Number.isFinite(target[i])) (k++, (s += target[i]));
    return { label, rows: periodRows[p].length, labelRate: k > 0 ? s / k : null };
  });

  const shifts: FeaturePeriodShift[] = [];
  const features = input.numericFeatures.filter((f) => table.getChild(f));
  const tests = features.length * Math.max(0, m - 1);
  for (const f of features) {
    const values = numericColumn(table, f) as Float64Array;
    const ref = periodRows[0].map((i) => values[i]);
    for (let p = 1; p < m; p++) {
      const cur = periodRows[p].map((i) => values[i]);
      const ps = psi(ref, cur);
      const ks = ksTest(ref, cur);
      const alarm = ps !== null && ks !== null && ps >= PSI_ALARM && ks.pValue < KS_FAMILY_ALPHA / Math.max(1, tests);
      shifts.push({ feature: f, period: labels[p], psi: ps, ks: ks?.statistic ?? null, ksPValue: ks?.pValue ?? null, alarm });
    }
  }

  let codeChangePoint: SiteEnrollmentDrift['codeChangePoint'] = null;
  const codes = stringColumn(table, input.codeColumn ?? 'dx_code_baseline');
  if (codes && m >= 2) {
    const levels = [...new Set(codes.filter((c): c is string => c !== null))].sort();
    if (levels.length >= 2) {
      const index = new Map(levels.map((l, k) => [l, k]));
      const counts = labels.map(() => new Array<number>(levels.length).fill(0));
      for (let i = 0; i < n; i++) if (period[i] >= 0 && codes[i] !== null) counts[period[i]][index.get(codes[i] as string) as number]++;
      const cp = categoricalChangePoint(counts);
      if (cp) {
        const critical = chiSquareQuantile(levels.length - 1, CHANGE_POINT_Z);
        codeChangePoint = { period: labels[cp.period], periodIndex: cp.period, statistic: cp.statistic, critical, alarm: cp.statistic > critical };
      }
    }
  }
  return { site: input.site, periods, shifts, alarms: shifts.filter((s) => s.alarm).length, tests, codeChangePoint };
}

/** Index of the period (by label "YYYY" or "YYYY-YYYY") holding a date's year; -1 if none. */
export function periodIndexOfYear(periods: readonly { label: string }[], year: number): number {
  return periods.findIndex((p) => {
    const [a, b] = p.label.split('-').map(Number);
    return year >= a && year <= (b ?? a);
  });
}
