/**
 * The quantities a fidelity target can name, each computed from a site's generated tables
 * (patients, and visits for the longitudinal ones). A quantity returns null when the data
 * cannot give it (too few patients, a column the site does not record).
 */
import type { LoadedTable } from './table.js';
import { auc, cohensD, logisticFit, mean, olsSlope, pearson } from './stats.js';

export interface SiteTables {
  id: string;
  patients: LoadedTable;
  visits: LoadedTable | null;
}

type Quantity = (tables: readonly SiteTables[], group: string) => number | null;

const GROUPS = ['CN', 'MCI', 'AD'];
const MIN_N = 20;

/** Patient-table columns the quantities read. */
export const PATIENT_COLUMNS_USED = [
  'patient_id',
  'age_years',
  'sex',
  'apoe_e4_carrier',
  'mmse',
  'moca',
  'cdr_sb',
  'hippocampus_icv_adj_cm3',
  'entorhinal_thickness_mm',
  'frailty_phenotype',
  'dx_recorded_baseline',
  'true_dx_baseline',
  'true_event',
  'true_event_years',
] as const;
export const VISIT_COLUMNS_USED = ['patient_id', 'years_since_baseline', 'mmse', 'true_dx'] as const;

/** Values of `column` over patients passing `keep`, NaN (null) dropped, pooled over sites. */
function values(tables: readonly SiteTables[], column: string, keep: (t: SiteTables, i: number) => boolean): number[] {
  const out: number[] = [];
  for (const t of tables) {
    const x = t.patients.numeric(column);
    for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]) && keep(t, i)) out.push(x[i]);
  }
  return out;
}

const inGroup = (g: string) => (t: SiteTables, i: number): boolean => t.patients.text('true_dx_baseline')[i] === g;
const converter = (t: SiteTables, i: number): boolean => inGroup('MCI')(t, i) && t.patients.numeric('true_event')[i] === 1;
const stableMci = (t: SiteTables, i: number): boolean => inGroup('MCI')(t, i) && t.patients.numeric('true_event')[i] === 0;

function byGroup(group: string): (t: SiteTables, i: number) => boolean {
  if (group === 'MCI->AD') return converter;
  if (group === 'sMCI') return stableMci;
  if (!GROUPS.includes(group)) throw new Error(`unknown group "${group}" (expected CN, MCI, AD, MCI->AD or sMCI)`);
  return inGroup(group);
}

const meanOf = (column: string): Quantity => (tables, group) => {
  const x = values(tables, column, byGroup(group));
  return x.length >= MIN_N ? mean(x) : null;
};

/** Hippocampal Cohen's d between two groups written "A-B" (A minus B; sMCI-cMCI for stable vs converting MCI). */
const hippocampusD: Quantity = (tables, group) => {
  const [a, b] = group.split('-').map((g) => (g === 'cMCI' ? 'MCI->AD' : g));
  const xa = values(tables, 'hippocampus_icv_adj_cm3', byGroup(a));
  const xb = values(tables, 'hippocampus_icv_adj_cm3', byGroup(b));
  return xa.length >= MIN_N && xb.length >= MIN_N ? cohensD(xa, xb) : null;
};

const rMmseMoca: Quantity = (tables, group) => {
  const keep = byGroup(group);
  const x: number[] = [];
  const y: number[] = [];
  for (const t of tables) {
    const mm = t.patients.numeric('mmse');
    const mo = t.patients.numeric('moca');
    for (let i = 0; i < mm.length; i++) if (!Number.isNaN(mm[i]) && !Number.isNaN(mo[i]) && keep(t, i)) {
      x.push(mm[i]);
      y.push(mo[i]);
    }
  }
  return x.length >= MIN_N ? pearson(x, y) : null;
};

/** Columns of the logistic-regression row: what [KOR16] / [YE12] combine (cognition, MRI, APOE, age). */
export const CONVERSION_LR_FEATURES = ['age_years', 'apoe_e4_carrier', 'mmse', 'cdr_sb', 'hippocampus_icv_adj_cm3', 'entorhinal_thickness_mm'];

/**
 * 3-year conversion AUC among true MCI at baseline (true event: AD dementia by the horizon):
 * one column (direction-free: max(AUC, 1 - AUC)), or "logistic regression" over
 * CONVERSION_LR_FEATURES on complete cases (in-sample, as a ceiling of what the data carry).
 */
const conversionAuc: Quantity = (tables, group) => {
  const columns = group === 'logistic regression' ? CONVERSION_LR_FEATURES : [group];
  const rows: number[][] = [];
  const y: number[] = [];
  for (const t of tables) {
    const cols = columns.map((c) => t.patients.numeric(c));
    const event = t.patients.numeric('true_event');
    for (let i = 0; i < t.patients.rows; i++) {
      if (!inGroup('MCI')(t, i)) continue;
      const r = cols.map((c) => c[i]);
      if (r.some((v) => Number.isNaN(v))) continue;
      rows.push(r);
      y.push(event[i]);
    }
  }
  const positives = y.reduce((a, b) => a + b, 0);
  if (positives < MIN_N || y.length - positives < MIN_N) return null;
  if (columns.length === 1) {
    const a = auc(rows.map((r) => r[0]), y);
    return Math.max(a, 1 - a);
  }
  return auc(Array.from(logisticFit(rows, y)), y);
};

const apoePct: Quantity = (tables, group) => {
  const x = values(tables, 'apoe_e4_carrier', byGroup(group));
  return x.length >= MIN_N ? 100 * mean(x) : null;
};

/** % of true MCI at baseline with AD dementia within one year. */
const mciToAdAnnualPct: Quantity = (tables) => {
  const years = values(tables, 'true_event_years', () => true);
  let n = 0;
  let converted = 0;
  for (const t of tables) {
    const yrs = t.patients.numeric('true_event_years');
    for (let i = 0; i < t.patients.rows; i++) if (inGroup('MCI')(t, i)) {
      n++;
      converted += +(yrs[i] <= 1);
    }
  }
  void years;
  return n >= MIN_N ? (100 * converted) / n : null;
};

/** Frail (>= 3 Fried criteria) % in women over % in men ([COLLARD]: 9.6 vs 5.2). */
const frailRatio: Quantity = (tables) => {
  const count = { F: [0, 0], M: [0, 0] };
  for (const t of tables) {
    const pheno = t.patients.text('frailty_phenotype');
    const sex = t.patients.text('sex');
    for (let i = 0; i < t.patients.rows; i++) {
      const s = sex[i] as 'F' | 'M';
      if (pheno[i] === null || !count[s]) continue;
      count[s][0] += +(pheno[i] === 'frail');
      count[s][1]++;
    }
  }
  if (count.F[1] < MIN_N || count.M[1] < MIN_N || count.M[0] === 0) return null;
  return count.F[0] / count.F[1] / (count.M[0] / count.M[1]);
};

/** Observed MMSE slopes (points/year, OLS over visits) of patients in AD at baseline with >= 3 MMSE visits. */
function adMmseSlopes(tables: readonly SiteTables[]): number[] {
  const slopes: number[] = [];
  for (const t of tables) {
    if (!t.visits) continue;
    const ad = new Set<string>();
    const ids = t.patients.text('patient_id');
    const dx = t.patients.text('true_dx_baseline');
    for (let i = 0; i < ids.length; i++) if (dx[i] === 'AD') ad.add(ids[i]!);
    const vid = t.visits.text('patient_id');
    const yrs = t.visits.numeric('years_since_baseline');
    const mm = t.visits.numeric('mmse');
    let start = 0;
    for (let r = 1; r <= vid.length; r++) {
      if (r < vid.length && vid[r] === vid[start]) continue;
      if (ad.has(vid[start]!)) {
        const tt: number[] = [];
        const yy: number[] = [];
        for (let k = start; k < r; k++) if (!Number.isNaN(mm[k])) {
          tt.push(yrs[k]);
          yy.push(mm[k]);
        }
        if (tt.length >= 3) slopes.push(olsSlope(tt, yy));
      }
      start = r;
    }
  }
  return slopes;
}

const mmseDeclineAd: Quantity = (tables) => {
  const s = adMmseSlopes(tables);
  return s.length >= MIN_N ? -mean(s) : null;
};

/** % of AD whose observed MMSE loss over 4 years stays within one [CERAD] measurement-error SD (2.8 points). */
const adNoMeaningfulDecline: Quantity = (tables) => {
  const s = adMmseSlopes(tables);
  return s.length >= MIN_N ? (100 * s.filter((v) => -4 * v < 2.8).length) / s.length : null;
};

/** % of true-MCI patients with a cognitive code at baseline whose code is a dementia code ([USC19]). */
const mciCodedAsDementiaPct: Quantity = (tables) => {
  let coded = 0;
  let asDementia = 0;
  for (const t of tables) {
    const rec = t.patients.text('dx_recorded_baseline');
    for (let i = 0; i < t.patients.rows; i++) if (inGroup('MCI')(t, i) && rec[i] !== null) {
      coded++;
      asDementia += +(rec[i] === 'AD');
    }
  }
  return coded >= MIN_N ? (100 * asDementia) / coded : null;
};

export const QUANTITIES: Readonly<Record<string, { compute: Quantity; describe: string }>> = {
  age_mean: { compute: meanOf('age_years'), describe: 'mean age at baseline (years) by true diagnosis' },
  mmse_mean: { compute: meanOf('mmse'), describe: 'mean baseline MMSE by true diagnosis' },
  moca_mean: { compute: meanOf('moca'), describe: 'mean baseline MoCA by true diagnosis' },
  apoe_e4_pct: { compute: apoePct, describe: 'APOE e4 carriers (%) by true diagnosis (MCI->AD: converters within follow-up)' },
  hippocampus_d: { compute: hippocampusD, describe: "Cohen's d of the ICV-adjusted hippocampal volume between two groups" },
  r_mmse_moca: { compute: rMmseMoca, describe: 'Pearson r of baseline MMSE and MoCA by true diagnosis' },
  conversion_auc: { compute: conversionAuc, describe: 'AUC for AD dementia by the horizon among true MCI at baseline' },
  mci_to_ad_annual_pct: { compute: mciToAdAnnualPct, describe: 'true MCI -> AD dementia within 1 year (%)' },
  frail_female_to_male_ratio: { compute: frailRatio, describe: 'frail % in women / frail % in men' },
  mmse_decline_ad_per_year: { compute: mmseDeclineAd, describe: 'mean MMSE points lost per year in AD (OLS over visits)' },
  ad_no_meaningful_decline_pct: { compute: adNoMeaningfulDecline, describe: 'AD with < 2.8 MMSE points lost over 4 years (%)' },
  mci_coded_as_dementia_pct: { compute: mciCodedAsDementiaPct, describe: 'coded true-MCI patients whose baseline code is a dementia code (%)' },
};
