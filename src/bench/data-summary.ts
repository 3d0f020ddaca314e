/**
 * The data summary of a bench run (results.json `dataSummary`): per site, the count, mean, SD
 * and missing count of every numeric and binary feature, and the level counts of every
 * categorical feature, over the training rows of one seed, in canonical units (after unit
 * harmonization, before standardization).
 *
 * It is built from the sufficient statistics the sites already shared to fit the federated
 * preprocessing (`trainingStats`), so it reveals nothing a federation would not already see.
 * The report uses it to show the shift between sites (standardized mean differences, per-site
 * means ± SD of the features that differ most).
 */
import type { PreparedSeed } from '../data/prepare/types.js';
import { aggregateStats, statsMean, statsSd, type NumericSufficientStats } from '../data/prepare/preprocess.js';
import type { DataSummary, NumericColumnSummary } from './results.js';

function columnSummary(s: NumericSufficientStats | undefined): NumericColumnSummary {
  if (!s) return { count: 0, missing: 0, mean: null, sd: null };
  const mean = statsMean(s);
  const sd = statsSd(s);
  // JSON has no NaN: "not defined" (nothing observed, fewer than two values) is null.
  return { count: s.count, missing: s.missing, mean: Number.isFinite(mean) ? mean : null, sd: Number.isFinite(sd) ? sd : null };
}

/**
 * Summarizes the training rows of `prepared` (one seed). Column order is the manifest's feature
 * order as the preprocessing saw it; units come from the feature descriptors. Returns null when
 * the prepared seed carries no training statistics.
 */
export function summarizeSiteData(prepared: PreparedSeed): DataSummary | null {
  const stats = prepared.trainingStats;
  if (!stats || stats.length === 0) return null;
  const pooled = aggregateStats(stats);
  const unitOf = new Map<string, string>();
  const kindOf = new Map<string, 'numeric' | 'binary'>();
  for (const f of prepared.preprocessing.features) {
    if (f.kind === 'numeric' || f.kind === 'binary') kindOf.set(f.source, f.kind);
    if (f.unit !== undefined) unitOf.set(f.source, f.unit);
  }
  const numeric: DataSummary['numeric'] = [];
  for (const column of Object.keys(pooled.numeric)) {
    // A column the preprocessing dropped (never observed) has no kind: still summarized, as numeric.
    const featureType = kindOf.get(column) ?? 'numeric';
    numeric.push({
      column,
      featureType,
      ...(unitOf.has(column) ? { unit: unitOf.get(column) } : {}),
      sites: Object.fromEntries(stats.map((s) => [s.siteId, columnSummary(s.numeric[column])])),
      pooled: columnSummary(pooled.numeric[column]),
    });
  }
  const categorical: DataSummary['categorical'] = [];
  for (const [column, counts] of Object.entries(pooled.categorical)) {
    const levels = counts.levels;
    categorical.push({
      column,
      levels: [...levels],
      sites: Object.fromEntries(
        stats.map((s) => {
          const own = s.categorical[column];
          const byLevel = levels.map((level) => {
            const k = own ? own.levels.indexOf(level) : -1;
            return k >= 0 ? own!.counts[k] : 0;
          });
          return [s.siteId, { counts: byLevel, missing: own?.missing ?? 0 }];
        }),
      ),
      pooled: { counts: [...counts.counts], missing: counts.missing },
    });
  }
  return {
    seed: prepared.seed,
    rows: Object.fromEntries(stats.map((s) => [s.siteId, s.rows])),
    numeric,
    categorical,
  };
}
