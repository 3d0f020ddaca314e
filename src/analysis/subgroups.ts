/**
 * Subgroup attributes of test rows: sex, age band, education band, site, race/ethnicity. Each
 * attribute maps a row to a level index (-1: unknown, the row is left out of that attribute).
 * Bands are the conventional ones of ageing cohorts: age < 65 (early onset), 65-74, 75-84, 85+;
 * schooling <= 12 y (no more than secondary; MoCA's education point), 13-16 y, > 16 y.
 */
import type { Table } from 'apache-arrow';

export const AGE_BANDS = ['<65', '65-74', '75-84', '85+'] as const;
export const EDUCATION_BANDS = ['<=12y', '13-16y', '>16y'] as const;
export const SUBGROUP_ATTRIBUTES = ['sex', 'ageBand', 'educationBand', 'site', 'raceEthnicity'] as const;
export type SubgroupAttribute = (typeof SUBGROUP_ATTRIBUTES)[number];

/** One attribute over a set of rows: the level names and each row's level (-1 unknown). */
export interface AttributeCodes {
  levels: string[];
  codes: Int32Array;
}

export function ageBand(age: number): number {
  if (!Number.isFinite(age)) return -1;
  return age < 65 ? 0 : age < 75 ? 1 : age < 85 ? 2 : 3;
}

export function educationBand(years: number): number {
  if (!Number.isFinite(years)) return -1;
  return years <= 12 ? 0 : years <= 16 ? 1 : 2;
}

/** A numeric column as float64 with NaN for null; null when the table has no such column. */
export function numericColumn(table: Table, name: string): Float64Array | null {
  const col = table.getChild(name);
  if (!col) return null;
  const out = new Float64Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const v = col.get(i);
    out[i] = v === null || v === undefined ? Number.NaN : Number(v);
  }
  return out;
}

/** A dictionary (or string) column's values as strings (null: null). */
export function stringColumn(table: Table, name: string): (string | null)[] | null {
  const col = table.getChild(name);
  if (!col) return null;
  const out: (string | null)[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const v = col.get(i);
    out[i] = v === null || v === undefined ? null : String(v);
  }
  return out;
}

/** Level codes for values against a fixed level list (values not listed: -1). */
export function codesOf(values: readonly (string | null)[], levels: readonly string[]): Int32Array {
  const index = new Map(levels.map((l, k) => [l, k]));
  return Int32Array.from(values, (v) => (v === null ? -1 : (index.get(v) ?? -1)));
}

/**
 * The attributes a site table carries, for the given rows (table row indices). Attributes whose
 * column is missing (imported data without race/ethnicity) are absent from the result.
 */
export function siteAttributes(table: Table, rows: Int32Array, siteIndex: number, siteIds: readonly string[], raceLevels: readonly string[]): Partial<Record<SubgroupAttribute, AttributeCodes>> {
  const pick = <T>(arr: ArrayLike<T>): T[] => Array.from(rows, (i) => arr[i]);
  const out: Partial<Record<SubgroupAttribute, AttributeCodes>> = {};
  const sex = stringColumn(table, 'sex');
  if (sex) out.sex = { levels: ['F', 'M'], codes: codesOf(pick(sex), ['F', 'M']) };
  const age = numericColumn(table, 'age_years');
  if (age) out.ageBand = { levels: [...AGE_BANDS], codes: Int32Array.from(pick(age), ageBand) };
  const edu = numericColumn(table, 'education_years');
  if (edu) out.educationBand = { levels: [...EDUCATION_BANDS], codes: Int32Array.from(pick(edu), educationBand) };
  out.site = { levels: [...siteIds], codes: new Int32Array(rows.length).fill(siteIndex) };
  const race = stringColumn(table, 'race_ethnicity');
  if (race) out.raceEthnicity = { levels: [...raceLevels], codes: codesOf(pick(race), raceLevels) };
  return out;
}

/** Concatenates per-site attribute codes (sites in order) into pooled codes. */
export function concatAttributes(parts: readonly Partial<Record<SubgroupAttribute, AttributeCodes>>[]): Partial<Record<SubgroupAttribute, AttributeCodes>> {
  const out: Partial<Record<SubgroupAttribute, AttributeCodes>> = {};
  for (const attr of SUBGROUP_ATTRIBUTES) {
    if (!parts.every((p) => p[attr])) continue;
    const total = parts.reduce((a, p) => a + (p[attr] as AttributeCodes).codes.length, 0);
    const codes = new Int32Array(total);
    let at = 0;
    for (const p of parts) {
      codes.set((p[attr] as AttributeCodes).codes, at);
      at += (p[attr] as AttributeCodes).codes.length;
    }
    out[attr] = { levels: (parts[0][attr] as AttributeCodes).levels, codes };
  }
  return out;
}
