/**
 * Subgroup fairness of one arm: per subgroup AUC, TPR and FPR at the arm's threshold, and
 * calibration in the large (observed event rate vs mean predicted risk, and their ratio O/E);
 * disparity summaries over the levels of an attribute: the equalized-odds gap
 * max(TPR range, FPR range) (Hardt et al. 2016, the difference form), the worst-group AUC and
 * the AUC range (max - min). Over seeds: mean with a 95 % t interval (metrics/summarize.ts).
 *
 * "Does federation narrow or widen the gaps local models have?": the local reference is the
 * deployment a consortium without federation has, every site scoring its own patients with its
 * own local model at that model's threshold. Per seed, gap(federated) - gap(local) is paired
 * (same split, same test rows); the answer is "narrows" / "widens" when the 95 % interval of
 * the mean difference excludes 0, else "no clear change".
 */
import { auc } from '../metrics/auc.js';
import { summarize, pairedDifference, type Summary } from '../metrics/summarize.js';
import { SUBGROUP_ATTRIBUTES, type AttributeCodes, type SubgroupAttribute } from './subgroups.js';

/** Groups smaller than this (or without both classes for AUC) get null metrics. */
export const MIN_GROUP_SIZE = 10;

export interface GroupMetrics {
  level: string;
  n: number;
  positives: number;
  auc: number | null;
  tpr: number | null;
  fpr: number | null;
  /** Observed event rate. */
  observed: number | null;
  /** Mean predicted risk. */
  predicted: number | null;
  /** observed / predicted (1 = calibrated in the large). */
  observedToExpected: number | null;
}

export interface Disparity {
  /** max(max TPR - min TPR, max FPR - min FPR) over levels with both defined. */
  equalizedOddsGap: number | null;
  worstGroupAuc: number | null;
  worstGroup: string | null;
  /** max AUC - min AUC over levels with an AUC. */
  aucRange: number | null;
}

/**
 * Metrics of every level of one attribute on one set of scored rows. `threshold`: one for all
 * rows, or one per row (the local reference: each site's own model at its own threshold).
 */
export function groupMetrics(y: Float64Array, score: Float64Array, threshold: number | null | Float64Array, attr: AttributeCodes): GroupMetrics[] {
  const thresholdOf = (i: number): number | null => (threshold === null || typeof threshold === 'number' ? threshold : threshold[i]);
  return attr.levels.map((level, k) => {
    const idx: number[] = [];
    for (let i = 0; i < attr.codes.length; i++) if (attr.codes[i] === k) idx.push(i);
    const n = idx.length;
    const yy = Float64Array.from(idx, (i) => y[i]);
    const ss = Float64Array.from(idx, (i) => score[i]);
    let positives = 0;
    let predicted = 0;
    let tp = 0;
    let fp = 0;
    for (let j = 0; j < n; j++) {
      positives += yy[j];
      predicted += ss[j];
      const t = thresholdOf(idx[j]);
      if (t !== null && ss[j] >= t) {
        if (yy[j] === 1) tp++;
        else fp++;
      }
    }
    const enough = n >= MIN_GROUP_SIZE;
    const negatives = n - positives;
    const obs = enough ? positives / n : null;
    const pred = enough ? predicted / n : null;
    return {
      level,
      n,
      positives,
      auc: enough ? auc(yy, ss) : null,
      tpr: enough && threshold !== null && positives > 0 ? tp / positives : null,
      fpr: enough && threshold !== null && negatives > 0 ? fp / negatives : null,
      observed: obs,
      predicted: pred,
      observedToExpected: obs !== null && pred !== null && pred > 0 ? obs / pred : null,
    };
  });
}

const range = (xs: number[]): number | null => (xs.length >= 2 ? Math.max(...xs) - Math.min(...xs) : null);
const defined = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);

export function disparityOf(groups: readonly GroupMetrics[]): Disparity {
  const both = groups.filter((g) => g.tpr !== null && g.fpr !== null);
  const tprRange = range(both.map((g) => g.tpr as number));
  const fprRange = range(both.map((g) => g.fpr as number));
  const withAuc = groups.filter((g) => g.auc !== null);
  let worst: GroupMetrics | null = null;
  for (const g of withAuc) if (worst === null || (g.auc as number) < (worst.auc as number)) worst = g;
  return {
    equalizedOddsGap: tprRange === null || fprRange === null ? null : Math.max(tprRange, fprRange),
    worstGroupAuc: worst ? worst.auc : null,
    worstGroup: worst ? worst.level : null,
    aucRange: range(defined(withAuc.map((g) => g.auc))),
  };
}

/** One arm, one seed: every attribute's groups and disparity. */
export interface SeedFairness {
  seed: number;
  attributes: Partial<Record<SubgroupAttribute, { groups: GroupMetrics[]; disparity: Disparity }>>;
}

export function seedFairness(seed: number, y: Float64Array, score: Float64Array, threshold: number | null | Float64Array, attributes: Partial<Record<SubgroupAttribute, AttributeCodes>>): SeedFairness {
  const out: SeedFairness['attributes'] = {};
  for (const attr of SUBGROUP_ATTRIBUTES) {
    const codes = attributes[attr];
    if (!codes) continue;
    const groups = groupMetrics(y, score, threshold, codes);
    out[attr] = { groups, disparity: disparityOf(groups) };
  }
  return { seed, attributes: out };
}

const GROUP_FIELDS = ['auc', 'tpr', 'fpr', 'observed', 'predicted', 'observedToExpected'] as const;
const DISPARITY_FIELDS = ['equalizedOddsGap', 'worstGroupAuc', 'aucRange'] as const;
export type DisparityField = (typeof DISPARITY_FIELDS)[number];

/** Over seeds: per level, each metric's summary; per attribute, each disparity's summary. */
export interface ArmFairness {
  arm: string;
  attributes: Partial<
    Record<
      SubgroupAttribute,
      {
        groups: { level: string; n: number; metrics: Record<(typeof GROUP_FIELDS)[number], Summary | null> }[];
        disparity: Record<DisparityField, Summary | null>;
        /** The worst group by mean AUC over seeds. */
        worstGroup: string | null;
      }
    >
  >;
}

export function summarizeArmFairness(arm: string, seeds: readonly SeedFairness[]): ArmFairness {
  const attributes: ArmFairness['attributes'] = {};
  for (const attr of SUBGROUP_ATTRIBUTES) {
    const per = seeds.map((s) => s.attributes[attr]);
    if (per.some((p) => p === undefined) || per.length === 0) continue;
    const first = per[0]!;
    const groups = first.groups.map((g, k) => ({
      level: g.level,
      n: Math.round(per.reduce((a, p) => a + p!.groups[k].n, 0) / per.length),
      metrics: Object.fromEntries(GROUP_FIELDS.map((f) => [f, summarize(per.map((p) => p!.groups[k][f]))])) as Record<(typeof GROUP_FIELDS)[number], Summary | null>,
    }));
    let worst: string | null = null;
    let worstAuc = Infinity;
    for (const g of groups) {
      const m = g.metrics.auc?.mean;
      if (m !== undefined && m < worstAuc) {
        worstAuc = m;
        worst = g.level;
      }
    }
    attributes[attr] = {
      groups,
      disparity: Object.fromEntries(DISPARITY_FIELDS.map((f) => [f, summarize(per.map((p) => p!.disparity[f]))])) as Record<DisparityField, Summary | null>,
      worstGroup: worst,
    };
  }
  return { arm, attributes };
}

export type GapVerdict = 'narrows' | 'widens' | 'no clear change' | 'undefined';

export interface GapComparison {
  arm: string;
  attribute: SubgroupAttribute;
  measure: 'equalizedOddsGap' | 'aucRange';
  /** Mean over seeds of gap(arm) - gap(local reference), with its 95 % interval. */
  difference: Summary | null;
  verdict: GapVerdict;
}

/** Verdict of a paired difference (arm - local) of a gap: lower is narrower. */
export function gapVerdict(d: Summary | null): GapVerdict {
  if (d === null) return 'undefined';
  if (d.ci95 === null) return d.mean < 0 ? 'narrows' : d.mean > 0 ? 'widens' : 'no clear change';
  if (d.ci95[1] < 0) return 'narrows';
  if (d.ci95[0] > 0) return 'widens';
  return 'no clear change';
}

/** Compares an arm's per-seed gaps with the local reference's, seed by seed. */
export function compareGaps(arm: string, armSeeds: readonly SeedFairness[], localSeeds: readonly SeedFairness[]): GapComparison[] {
  const out: GapComparison[] = [];
  for (const attribute of SUBGROUP_ATTRIBUTES) {
    for (const measure of ['equalizedOddsGap', 'aucRange'] as const) {
      const a = armSeeds.map((s) => s.attributes[attribute]?.disparity[measure] ?? null);
      const b = localSeeds.map((s) => s.attributes[attribute]?.disparity[measure] ?? null);
      if (a.every((x) => x === null) && b.every((x) => x === null)) continue;
      const difference = pairedDifference(a, b);
      out.push({ arm, attribute, measure, difference, verdict: gapVerdict(difference) });
    }
  }
  return out;
}

/** A one-line answer per arm: the verdicts for the equalized-odds gap by attribute. */
export function gapSentence(comparisons: readonly GapComparison[]): string {
  const eo = comparisons.filter((c) => c.measure === 'equalizedOddsGap' && c.verdict !== 'undefined');
  if (eo.length === 0) return 'no subgroup gaps could be computed';
  const by = (v: GapVerdict) => eo.filter((c) => c.verdict === v).map((c) => c.attribute);
  const parts: string[] = [];
  if (by('narrows').length) parts.push(`narrows the equalized-odds gap by ${by('narrows').join(', ')}`);
  if (by('widens').length) parts.push(`widens it by ${by('widens').join(', ')}`);
  if (by('no clear change').length) parts.push(`no clear change by ${by('no clear change').join(', ')}`);
  return `vs local models: ${parts.join('; ')}`;
}
