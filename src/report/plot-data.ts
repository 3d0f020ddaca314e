/**
 * The numbers each plot draws, taken from a bench result by pure functions. The same rows feed
 * the Vega-Lite spec and the plot's table fallback, so what a reader sees in the table is what
 * the plot shows.
 */
import type { Summary } from '../metrics/summarize.js';
import { armPrivacy, parseDpArmName, privateArms, type ReportArmSummary, type ReportResult } from './extensions.js';

export interface IntervalRow {
  arm: string;
  /** Arm family, with " + DP" for a private arm: the plot's color. */
  group: string;
  mean: number;
  /** 95% CI over seeds; null with a single seed. */
  ciLow: number | null;
  ciHigh: number | null;
  seeds: number;
}

export interface ReferenceLine {
  reference: string;
  value: number;
}

function interval(s: Summary | null | undefined): Pick<IntervalRow, 'mean' | 'ciLow' | 'ciHigh' | 'seeds'> | null {
  if (!s || !Number.isFinite(s.mean)) return null;
  return { mean: s.mean, ciLow: s.ci95 ? s.ci95[0] : null, ciHigh: s.ci95 ? s.ci95[1] : null, seeds: s.n };
}

export function armGroup(result: ReportResult, s: Pick<ReportArmSummary, 'arm' | 'family'>): string {
  return armPrivacy(result, s.arm) ? `${s.family} + DP` : s.family;
}

/** Arms drawn per arm: every trained arm (derived best/worst-local rows are reference lines instead). */
export function trainedArms(result: ReportResult): ReportArmSummary[] {
  return result.summary.filter((s) => s.family !== 'derived');
}

export function headlineRows(result: ReportResult, metric: 'auc' | 'f1'): IntervalRow[] {
  const rows: IntervalRow[] = [];
  for (const s of trainedArms(result)) {
    const iv = interval(s.metrics[metric]);
    if (iv) rows.push({ arm: s.arm, group: armGroup(result, s), ...iv });
  }
  return rows;
}

/** Central, best local (and for AUC the oracle) as reference lines. */
/** AUC of a model that ranks at random. */
export const CHANCE_AUC = 0.5;
export const CHANCE_REFERENCE = 'chance (AUC 0.5)';

export function headlineReferences(result: ReportResult, metric: 'auc' | 'f1'): ReferenceLine[] {
  const refs: ReferenceLine[] = [];
  const central = result.summary.find((s) => s.arm === 'central')?.metrics[metric];
  if (central && Number.isFinite(central.mean)) refs.push({ reference: 'central', value: central.mean });
  const bestLocal = result.summary.find((s) => s.arm === 'best_local')?.metrics[metric];
  if (bestLocal && Number.isFinite(bestLocal.mean)) refs.push({ reference: 'best local', value: bestLocal.mean });
  const labelOracle = result.oracle?.labelPooledAuc;
  if (metric === 'auc' && labelOracle && Number.isFinite(labelOracle.mean)) refs.push({ reference: 'oracle (recorded label)', value: labelOracle.mean });
  const oracle = result.oracle?.pooledAuc;
  if (metric === 'auc' && oracle && Number.isFinite(oracle.mean)) refs.push({ reference: 'oracle (true event)', value: oracle.mean });
  // The chance line: an AUC plot without it hides how far from random the arms are.
  if (metric === 'auc') refs.push({ reference: CHANCE_REFERENCE, value: CHANCE_AUC });
  return refs;
}

export interface ConvergenceRow {
  arm: string;
  round: number;
  /** Mean pooled test AUC over the seeds that report this round. */
  auc: number;
  seeds: number;
}

/** Federated arms (summary order) with per-round records. */
export function federatedArmsWithRounds(result: ReportResult): string[] {
  const arms = trainedArms(result).map((s) => s.arm);
  return arms.filter((a) => result.perSeed.some((r) => r.arm === a && r.convergence && r.convergence.length > 0));
}

export function convergenceRows(result: ReportResult): ConvergenceRow[] {
  const rows: ConvergenceRow[] = [];
  for (const arm of federatedArmsWithRounds(result)) {
    const byRound = new Map<number, number[]>();
    for (const r of result.perSeed) {
      if (r.arm !== arm || !r.convergence) continue;
      for (const rec of r.convergence) {
        if (rec.pooledAuc === null || !Number.isFinite(rec.pooledAuc)) continue;
        const list = byRound.get(rec.round) ?? [];
        list.push(rec.pooledAuc);
        byRound.set(rec.round, list);
      }
    }
    for (const round of [...byRound.keys()].sort((a, b) => a - b)) {
      const values = byRound.get(round)!;
      rows.push({ arm, round, auc: values.reduce((a, v) => a + v, 0) / values.length, seeds: values.length });
    }
  }
  return rows;
}

export interface PrivacyRow extends IntervalRow {
  /** The plot's series: the strategy, with the DP level when levels differ. */
  series: string;
  strategy: string;
  level: 'sample' | 'client';
  epsilon: number;
  delta: number;
  /** Largest ε spent over sites (and seeds). */
  epsilonSpentMax: number | null;
}

export interface PrivacyBaseline {
  series: string;
  arm: string;
  auc: number;
}

export function privacyRows(result: ReportResult): { rows: PrivacyRow[]; baselines: PrivacyBaseline[] } {
  const arms = privateArms(result);
  const levels = new Set(arms.map((a) => armPrivacy(result, a)!.level));
  const rows: PrivacyRow[] = [];
  for (const arm of arms) {
    const p = armPrivacy(result, arm)!;
    const s = result.summary.find((x) => x.arm === arm);
    const iv = interval(s?.metrics.auc);
    const parsed = parseDpArmName(arm);
    const epsilon = Number.isFinite(p.epsilon) ? p.epsilon : parsed?.epsilon;
    if (!iv || epsilon === null || epsilon === undefined || !(epsilon > 0)) continue;
    const strategy = parsed?.strategy ?? arm;
    const spent = Object.values(p.epsilonSpentPerSite ?? {}).filter(Number.isFinite);
    rows.push({
      arm,
      group: `${s?.family ?? 'federated'} + DP`,
      ...iv,
      series: levels.size > 1 ? `${strategy} (${p.level}-level)` : strategy,
      strategy,
      level: p.level,
      epsilon,
      delta: p.delta,
      epsilonSpentMax: spent.length > 0 ? Math.max(...spent) : null,
    });
  }
  rows.sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : a.epsilon - b.epsilon));
  const baselines: PrivacyBaseline[] = [];
  for (const series of [...new Set(rows.map((r) => r.series))]) {
    const strategy = rows.find((r) => r.series === series)!.strategy;
    const plain = result.summary.find((s) => s.arm === strategy && !armPrivacy(result, s.arm));
    const auc = plain?.metrics.auc?.mean;
    if (auc !== undefined && Number.isFinite(auc)) baselines.push({ series, arm: strategy, auc });
  }
  return { rows, baselines };
}

export interface SiteAucRow {
  arm: string;
  site: string;
  mean: number;
  ciLow: number | null;
  ciHigh: number | null;
  seeds: number;
  /** The arm's site with the lowest mean AUC. */
  worst: boolean;
}

export function siteAucRows(result: ReportResult): SiteAucRow[] {
  const rows: SiteAucRow[] = [];
  for (const s of trainedArms(result)) {
    const armRows: SiteAucRow[] = [];
    for (const site of result.data.sites) {
      const iv = interval(s.siteAuc?.[site]);
      if (iv) armRows.push({ arm: s.arm, site, mean: iv.mean, ciLow: iv.ciLow, ciHigh: iv.ciHigh, seeds: iv.seeds, worst: false });
    }
    if (armRows.length > 1) {
      let worst = armRows[0];
      for (const r of armRows) if (r.mean < worst.mean) worst = r;
      worst.worst = true;
    }
    rows.push(...armRows);
  }
  return rows;
}

export interface CommunicationRow {
  arm: string;
  round: number;
  /** Mean over seeds of the round's bytes up + down (all participants). */
  bytes: number;
  /** Running sum of `bytes` up to this round. */
  cumulativeBytes: number;
  /** Mean over seeds of the round's secure-aggregation bytes (part of `bytes`); null without secure aggregation. */
  secureAggregationBytes: number | null;
  seeds: number;
}

export function communicationRows(result: ReportResult): CommunicationRow[] {
  const rows: CommunicationRow[] = [];
  for (const arm of federatedArmsWithRounds(result)) {
    const byRound = new Map<number, { bytes: number[]; secagg: number[] }>();
    for (const r of result.perSeed) {
      if (r.arm !== arm || !r.convergence) continue;
      for (const rec of r.convergence) {
        const acc = byRound.get(rec.round) ?? { bytes: [], secagg: [] };
        acc.bytes.push(rec.bytesUp + rec.bytesDown);
        if (rec.secureAggregation) acc.secagg.push(rec.secureAggregation.bytesUp + rec.secureAggregation.bytesDown);
        byRound.set(rec.round, acc);
      }
    }
    let cumulative = 0;
    for (const round of [...byRound.keys()].sort((a, b) => a - b)) {
      const { bytes, secagg } = byRound.get(round)!;
      const mean = bytes.reduce((a, v) => a + v, 0) / bytes.length;
      cumulative += mean;
      rows.push({
        arm,
        round,
        bytes: mean,
        cumulativeBytes: cumulative,
        secureAggregationBytes: secagg.length > 0 ? secagg.reduce((a, v) => a + v, 0) / secagg.length : null,
        seeds: bytes.length,
      });
    }
  }
  return rows;
}

export interface PrevalenceRow {
  site: string;
  split: 'train' | 'test';
  /** Mean over seeds of positives / labeled patients in the split, in percent. */
  prevalencePercent: number;
  /** Mean labeled patients in the split. */
  patients: number;
}

export function labelPrevalenceRows(result: ReportResult): { rows: PrevalenceRow[]; pooledTrainPercent: number | null } {
  const seeds = Object.values(result.splits);
  const rows: PrevalenceRow[] = [];
  for (const site of result.data.sites) {
    for (const split of ['train', 'test'] as const) {
      const rates: number[] = [];
      const sizes: number[] = [];
      for (const counts of seeds) {
        const c = counts.find((x) => x.site === site);
        if (!c) continue;
        const n = split === 'train' ? c.train : c.test;
        const pos = split === 'train' ? c.trainPositives : c.testPositives;
        sizes.push(n);
        if (n > 0) rates.push((100 * pos) / n);
      }
      if (rates.length > 0) {
        rows.push({ site, split, prevalencePercent: rates.reduce((a, v) => a + v, 0) / rates.length, patients: sizes.reduce((a, v) => a + v, 0) / sizes.length });
      }
    }
  }
  const pooled = seeds
    .map((counts) => {
      const n = counts.reduce((a, c) => a + c.train, 0);
      return n > 0 ? (100 * counts.reduce((a, c) => a + c.trainPositives, 0)) / n : null;
    })
    .filter((v): v is number => v !== null);
  return { rows, pooledTrainPercent: pooled.length > 0 ? pooled.reduce((a, v) => a + v, 0) / pooled.length : null };
}

export interface ShiftRow {
  /** A numeric or binary column, or `column=level` for a categorical level. */
  feature: string;
  site: string;
  /** (site mean − pooled mean) / pooled SD: how far the site sits from the consortium, in pooled SDs. */
  smd: number;
  siteValue: number;
  pooledValue: number;
  /** Unit of siteValue / pooledValue: the column's unit, or "proportion" for binary columns and levels. */
  unit: string;
}

/**
 * Standardized differences of each site from the pooled training data (a "Love plot", Austin
 * 2009, Stat Med 28:3083, with the pooled SD as the scale since there are more than two groups).
 * Binary columns and categorical levels use the proportion p and SD √(p(1−p)). Features are
 * ordered by their largest |difference| over sites; a feature with no spread is left out.
 */
export function featureShiftRows(result: ReportResult): ShiftRow[] {
  const summary = result.dataSummary;
  if (!summary) return [];
  const byFeature: ShiftRow[][] = [];
  for (const col of summary.numeric) {
    const pm = col.pooled.mean;
    const psd = col.featureType === 'binary' && pm !== null ? Math.sqrt(pm * (1 - pm)) : col.pooled.sd;
    if (pm === null || psd === null || !(psd > 0)) continue;
    const rows: ShiftRow[] = [];
    for (const site of result.data.sites) {
      const s = col.sites[site];
      if (!s || s.mean === null) continue;
      rows.push({ feature: col.column, site, smd: (s.mean - pm) / psd, siteValue: s.mean, pooledValue: pm, unit: col.featureType === 'binary' ? 'proportion' : (col.unit ?? 'as recorded') });
    }
    if (rows.length > 0) byFeature.push(rows);
  }
  for (const col of summary.categorical) {
    const pooledObserved = col.pooled.counts.reduce((a, v) => a + v, 0);
    if (pooledObserved === 0) continue;
    col.levels.forEach((level, k) => {
      const p = col.pooled.counts[k] / pooledObserved;
      const psd = Math.sqrt(p * (1 - p));
      if (!(psd > 0)) return;
      const rows: ShiftRow[] = [];
      for (const site of result.data.sites) {
        const s = col.sites[site];
        const observed = s ? s.counts.reduce((a, v) => a + v, 0) : 0;
        if (!s || observed === 0) continue;
        const q = s.counts[k] / observed;
        rows.push({ feature: `${col.column}=${level}`, site, smd: (q - p) / psd, siteValue: q, pooledValue: p, unit: 'proportion' });
      }
      if (rows.length > 0) byFeature.push(rows);
    });
  }
  const maxAbs = (rows: ShiftRow[]) => Math.max(...rows.map((r) => Math.abs(r.smd)));
  byFeature.sort((a, b) => maxAbs(b) - maxAbs(a) || (a[0].feature < b[0].feature ? -1 : 1));
  return byFeature.flat();
}

export interface FeatureDistributionRow {
  feature: string;
  unit: string;
  site: string;
  mean: number;
  sd: number | null;
  count: number;
}

/** Per-site mean and SD, in the column's unit, of the `limit` numeric features that differ most between sites. */
export function topShiftDistributions(result: ReportResult, limit = 6): FeatureDistributionRow[] {
  const summary = result.dataSummary;
  if (!summary) return [];
  const numeric = new Map(summary.numeric.filter((c) => c.featureType === 'numeric').map((c) => [c.column, c]));
  const order: string[] = [];
  for (const r of featureShiftRows(result)) if (numeric.has(r.feature) && !order.includes(r.feature)) order.push(r.feature);
  const rows: FeatureDistributionRow[] = [];
  for (const feature of order.slice(0, limit)) {
    const col = numeric.get(feature)!;
    for (const site of result.data.sites) {
      const s = col.sites[site];
      if (!s || s.mean === null) continue;
      rows.push({ feature, unit: col.unit ?? 'as recorded', site, mean: s.mean, sd: s.sd, count: s.count });
    }
  }
  return rows;
}

/** One wrapped arm (compression, secure aggregation) against its plaintext twin, over seeds. */
export interface WrapperRow {
  arm: string;
  baseArm: string;
  compression: string | null;
  protocol: string | null;
  /** Mean over seeds, rounds and sites of the bytes one site sent / received in a round (wrapped arm; down includes the model broadcast). */
  bytesUpPerSiteRound: number;
  bytesDownPerSiteRound: number;
  /** The same for the plaintext twin (float32 payload). */
  baseBytesUpPerSiteRound: number | null;
  /** Measured times (timings.json); null when the report is rebuilt without it. */
  computeMsPerRound: number | null;
  cryptoMsPerRound: number | null;
  codecMsPerRound: number | null;
  /** Max over seeds and rounds of the measured |secure − plaintext| mean update (null: not measurable, distributed masking), and of the stated bound. */
  maxAbsDiff: number | null;
  errorBound: number;
  dropoutsSurvived: number;
  roundsAborted: number;
  clippedValues: number;
  auc: number | null;
  baseAuc: number | null;
  /** Mean over seeds of the paired AUC difference base − wrapped (positive: the wrapper cost AUC). */
  aucCost: number | null;
  seeds: number;
}

const meanOf = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function perSiteRound(c: { rounds: number; bytesUpPerSite: Record<string, number>; bytesDownPerSite: Record<string, number> } | undefined, key: 'bytesUpPerSite' | 'bytesDownPerSite'): number | null {
  if (!c || c.rounds === 0) return null;
  const v = Object.values(c[key]);
  return v.length === 0 ? null : meanOf(v) / c.rounds;
}

export function wrapperRows(result: ReportResult): WrapperRow[] {
  const arms = [...new Set(result.perSeed.filter((r) => r.wrappers).map((r) => r.arm))];
  return arms.map((arm) => {
    const recs = result.perSeed.filter((r) => r.arm === arm && r.wrappers);
    const w0 = recs[0].wrappers!;
    const base = (seed: number) => result.perSeed.find((r) => r.arm === w0.baseArm && r.seed === seed);
    const costs: number[] = [];
    for (const r of recs) {
      const b = base(r.seed);
      if (b && b.pooled.auc !== null && r.pooled.auc !== null) costs.push(b.pooled.auc - r.pooled.auc);
    }
    const aucs = recs.map((r) => r.pooled.auc).filter((x): x is number => x !== null);
    const baseAucs = recs.map((r) => base(r.seed)?.pooled.auc).filter((x): x is number => typeof x === 'number');
    const baseUp = recs.map((r) => perSiteRound(base(r.seed)?.communication, 'bytesUpPerSite')).filter((x): x is number => x !== null);
    const timed = recs.every((r) => r.wrappers!.meanComputeMsPerRound !== undefined);
    return {
      arm,
      baseArm: w0.baseArm,
      compression: w0.compression,
      protocol: w0.secureAggregation?.protocol ?? null,
      bytesUpPerSiteRound: meanOf(recs.map((r) => perSiteRound(r.communication, 'bytesUpPerSite') ?? 0)),
      bytesDownPerSiteRound: meanOf(recs.map((r) => perSiteRound(r.communication, 'bytesDownPerSite') ?? 0)),
      baseBytesUpPerSiteRound: baseUp.length > 0 ? meanOf(baseUp) : null,
      computeMsPerRound: timed ? meanOf(recs.map((r) => r.wrappers!.meanComputeMsPerRound as number)) : null,
      cryptoMsPerRound: timed ? meanOf(recs.map((r) => r.wrappers!.meanCryptoMsPerRound as number)) : null,
      codecMsPerRound: timed ? meanOf(recs.map((r) => r.wrappers!.meanCodecMsPerRound as number)) : null,
      maxAbsDiff: recs.some((r) => r.wrappers!.maxAbsDiffVsPlaintext === null) ? null : Math.max(...recs.map((r) => r.wrappers!.maxAbsDiffVsPlaintext as number)),
      errorBound: Math.max(...recs.map((r) => r.wrappers!.quantizationErrorBound)),
      dropoutsSurvived: recs.reduce((a, r) => a + r.wrappers!.dropoutsSurvived, 0),
      roundsAborted: recs.reduce((a, r) => a + r.wrappers!.roundsAborted, 0),
      clippedValues: recs.reduce((a, r) => a + r.wrappers!.clippedValues, 0),
      auc: aucs.length > 0 ? meanOf(aucs) : null,
      baseAuc: baseAucs.length > 0 ? meanOf(baseAucs) : null,
      aucCost: costs.length > 0 ? meanOf(costs) : null,
      seeds: recs.length,
    };
  });
}

/** Every federated arm's total bytes (up + down, mean over seeds) against its pooled AUC (mean over seeds). */
export interface BytesAucRow {
  arm: string;
  bytes: number;
  auc: number;
  wrapped: boolean;
}

export function bytesVsAucRows(result: ReportResult): BytesAucRow[] {
  const rows: BytesAucRow[] = [];
  for (const arm of [...new Set(result.perSeed.filter((r) => r.communication).map((r) => r.arm))]) {
    const recs = result.perSeed.filter((r) => r.arm === arm && r.communication && r.pooled.auc !== null);
    if (recs.length === 0) continue;
    rows.push({
      arm,
      bytes: meanOf(recs.map((r) => r.communication!.totalBytesUp + r.communication!.totalBytesDown)),
      auc: meanOf(recs.map((r) => r.pooled.auc as number)),
      wrapped: recs.some((r) => r.wrappers),
    });
  }
  return rows;
}
