/**
 * Evaluation of a trained model on a seed's prepared sites: test-set scores per site, the F1
 * threshold picked on validation rows, every metric pooled, per site and at the worst site;
 * and the oracle AUC of the synthetic ground truth. Pure functions of their inputs.
 */
import type { BinaryEvaluation } from '../metrics/evaluate.js';
import { auc, evaluateBinary, selectF1Threshold } from '../metrics/index.js';
import type { LabeledData, Model } from '../model/types.js';
import type { PreparedSite } from '../data/prepare/types.js';
import { SUMMARY_METRICS, type MetricName, type OracleSeedResult } from './results.js';

export interface Evaluated {
  threshold: number | null;
  pooled: BinaryEvaluation;
  sites: Record<string, BinaryEvaluation>;
  worstSite: { site: string; auc: number } | null;
  scores: Record<string, Float64Array>;
}

/**
 * Scores every site's test set, picks the F1 threshold on `validation` (unless a fixed
 * threshold is configured), computes all metrics.
 */
export function evaluateModel(model: Model, params: Float64Array, sites: readonly PreparedSite[], validation: LabeledData, fixedThreshold: number | null): Evaluated {
  let threshold = fixedThreshold;
  if (threshold === null) {
    const validationScores = model.predict(params, validation);
    threshold = selectF1Threshold(validation.y, validationScores)?.threshold ?? null;
  }
  const scores: Record<string, Float64Array> = {};
  const siteMetrics: Record<string, BinaryEvaluation> = {};
  let worstSite: { site: string; auc: number } | null = null;
  for (const site of sites) {
    const s = model.predict(params, site.test.data);
    scores[site.id] = s;
    const m = evaluateBinary(site.test.data.y, s, threshold);
    siteMetrics[site.id] = m;
    if (m.auc !== null && (worstSite === null || m.auc < worstSite.auc)) worstSite = { site: site.id, auc: m.auc };
  }
  const pooledY = concatFloat(sites.map((s) => s.test.data.y));
  const pooledScores = concatFloat(sites.map((s) => scores[s.id]));
  return { threshold, pooled: evaluateBinary(pooledY, pooledScores, threshold), sites: siteMetrics, worstSite, scores };
}

export function concatFloat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function oracleOf(seed: number, sites: readonly PreparedSite[]): OracleSeedResult | null {
  const risks = sites.map((s) => s.test.trueRisk);
  if (risks.some((r) => r === null)) return null;
  const perSite: Record<string, number | null> = {};
  for (const s of sites) perSite[s.id] = auc(s.test.data.y, s.test.trueRisk as Float64Array);
  // The label oracle: P(recorded label = 1 | latent state), the ceiling of any model of the label.
  const labelRisks = sites.map((s) => s.test.labelRisk ?? null);
  const hasLabelRisk = labelRisks.every((r) => r !== null);
  const labelSites: Record<string, number | null> = {};
  if (hasLabelRisk) for (const s of sites) labelSites[s.id] = auc(s.test.data.y, s.test.labelRisk as Float64Array);
  return {
    seed,
    pooledAuc: auc(concatFloat(sites.map((s) => s.test.data.y)), concatFloat(risks as Float64Array[])),
    sites: perSite,
    labelPooledAuc: hasLabelRisk ? auc(concatFloat(sites.map((s) => s.test.data.y)), concatFloat(labelRisks as Float64Array[])) : null,
    labelSites: hasLabelRisk ? labelSites : null,
  };
}

/**
 * The unweighted mean over sites of each metric (FLamby's headline: every site's test set
 * counts once, whatever its size); null when the metric is undefined at any site.
 */
export function siteMeanMetrics(sites: Record<string, BinaryEvaluation>): Record<MetricName, number | null> {
  const out = {} as Record<MetricName, number | null>;
  const evaluations = Object.values(sites);
  for (const m of SUMMARY_METRICS) {
    const values = evaluations.map((e) => e[m]);
    out[m] = values.length > 0 && values.every((v) => v !== null) ? (values as number[]).reduce((a, b) => a + b, 0) / values.length : null;
  }
  return out;
}

