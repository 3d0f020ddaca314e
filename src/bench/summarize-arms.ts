/**
 * Multi-seed summaries: per arm, the mean, SD and 95% t-interval of each pooled metric over
 * seeds, and paired per-seed differences against central and against the best local model.
 * "best_local" is, per seed, the local model with the highest pooled test AUC — chosen on test
 * data, so it flatters local training; the "gain over best local" is therefore conservative.
 * "worst_local" is the one with the lowest.
 */
import { pairedDifference, summarize, type Summary } from '../metrics/summarize.js';
import type { ArmSeedResult, ArmSummary, MetricName } from './results.js';
import { SUMMARY_METRICS } from './results.js';

type PerSeedValue = Map<number, number | null>;

/**
 * Every metric here lies in [0, 1] (differences in [-1, 1]), so the mean does too; intersecting
 * the t-interval with that range keeps its coverage and avoids printing an AUC bound of 1.3
 * when only two or three seeds ran.
 */
function withinRange(s: Summary | null, lo: number, hi: number): Summary | null {
  if (!s || !s.ci95) return s;
  return { ...s, ci95: [Math.max(lo, s.ci95[0]), Math.min(hi, s.ci95[1])] };
}
export const summarizeMetric = (values: readonly (number | null)[]) => withinRange(summarize(values), 0, 1);

function metricOf(r: ArmSeedResult, metric: MetricName | 'worst_site_auc'): number | null {
  if (metric === 'worst_site_auc') return r.worstSite?.auc ?? null;
  return r.pooled[metric];
}

/** Per seed, the local arm result with the best (or worst) pooled AUC. */
export function derivedLocal(results: readonly ArmSeedResult[], seeds: readonly number[], which: 'best' | 'worst'): ArmSeedResult[] {
  const out: ArmSeedResult[] = [];
  for (const seed of seeds) {
    // DP variants of local models are arms of their own, not candidates for the best local model.
    const locals = results.filter((r) => r.family === 'local' && !r.privacy && r.seed === seed && r.pooled.auc !== null);
    if (locals.length === 0) continue;
    const pick = locals.reduce((a, b) => ((which === 'best' ? b.pooled.auc! > a.pooled.auc! : b.pooled.auc! < a.pooled.auc!) ? b : a));
    out.push(pick);
  }
  return out;
}

function bySeed(results: readonly ArmSeedResult[], metric: MetricName | 'worst_site_auc'): PerSeedValue {
  return new Map(results.map((r) => [r.seed, metricOf(r, metric)]));
}

function paired(a: PerSeedValue, b: PerSeedValue, seeds: readonly number[]) {
  return withinRange(pairedDifference(
    seeds.map((s) => a.get(s) ?? null),
    seeds.map((s) => b.get(s) ?? null),
  ), -1, 1);
}

export function summarizeArms(results: readonly ArmSeedResult[], seeds: readonly number[], siteIds: readonly string[]): ArmSummary[] {
  const armNames = [...new Set(results.map((r) => r.arm))];
  const central = results.filter((r) => r.arm === 'central');
  const best = derivedLocal(results, seeds, 'best');
  const worst = derivedLocal(results, seeds, 'worst');
  const groups: { arm: string; family: ArmSummary['family']; rows: ArmSeedResult[] }[] = armNames.map((arm) => {
    const rows = results.filter((r) => r.arm === arm);
    return { arm, family: rows[0].family, rows };
  });
  if (best.length > 0) {
    groups.push({ arm: 'best_local', family: 'derived', rows: best });
    groups.push({ arm: 'worst_local', family: 'derived', rows: worst });
  }
  return groups.map(({ arm, family, rows }) => {
    const metrics = {} as ArmSummary['metrics'];
    for (const m of [...SUMMARY_METRICS, 'worst_site_auc'] as const) metrics[m] = summarizeMetric(seeds.map((s) => bySeed(rows, m).get(s) ?? null));
    const siteAuc: Record<string, ReturnType<typeof summarize>> = {};
    for (const id of siteIds) siteAuc[id] = summarizeMetric(rows.filter((r) => r.sites[id]).map((r) => r.sites[id].auc));
    const gapToCentral =
      central.length > 0 && arm !== 'central'
        ? { auc: paired(bySeed(rows, 'auc'), bySeed(central, 'auc'), seeds), f1: paired(bySeed(rows, 'f1'), bySeed(central, 'f1'), seeds) }
        : null;
    const gainOverBestLocal =
      best.length > 0 && family !== 'local' && family !== 'derived'
        ? { auc: paired(bySeed(rows, 'auc'), bySeed(best, 'auc'), seeds), f1: paired(bySeed(rows, 'f1'), bySeed(best, 'f1'), seeds) }
        : null;
    const summary: ArmSummary = { arm, family, metrics, siteAuc, gapToCentral, gainOverBestLocal };
    if (rows.some((r) => r.siteMean)) {
      const siteMean = {} as NonNullable<ArmSummary['siteMean']>;
      for (const m of SUMMARY_METRICS) siteMean[m] = summarizeMetric(seeds.map((s) => rows.find((r) => r.seed === s)?.siteMean?.[m] ?? null));
      summary.siteMean = siteMean;
      summary.siteAccuracy = Object.fromEntries(siteIds.map((id) => [id, summarizeMetric(rows.filter((r) => r.sites[id]).map((r) => r.sites[id].accuracy))]));
    }
    const dp = rows.filter((r) => r.privacy).map((r) => r.privacy!);
    if (dp.length > 0) {
      const sigmas = dp.flatMap((p) => Object.values(p.sites).map((x) => x.noiseMultiplier));
      summary.privacy = {
        level: dp[0].level,
        targetEpsilon: dp[0].targetEpsilon,
        maxEpsilonSpent: Math.max(...dp.map((p) => p.maxEpsilon)),
        delta: dp[0].delta,
        noiseMultiplier: { min: Math.min(...sigmas), max: Math.max(...sigmas) },
        secureNoise: dp.every((p) => p.secureNoise),
        stoppedAtBudget: dp.filter((p) => p.stoppedAtBudget).length,
      };
    }
    if (family === 'federated') {
      summary.roundsToTarget = summarize(rows.map((r) => r.roundsToTarget ?? null));
      const totals = rows.map((r) => (r.communication ? r.communication.totalBytesUp + r.communication.totalBytesDown : 0));
      const first = rows[0].communication;
      summary.communication = first
        ? {
            meanTotalBytes: totals.reduce((a, b) => a + b, 0) / totals.length,
            bytesPerRoundPerSite: first.rounds > 0 ? (first.totalBytesUp + first.totalBytesDown) / first.rounds / Math.max(1, Object.keys(first.bytesUpPerSite).length) : 0,
          }
        : null;
    }
    return summary;
  });
}
