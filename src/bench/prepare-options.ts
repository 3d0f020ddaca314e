/**
 * The preparation options of one seed from the bench configuration, in a module of its own so
 * that worker threads, which prepare their seeds themselves (arm-pool.ts), rebuild them — the DP
 * preprocessing release included, a function that cannot cross a thread boundary — without
 * loading the runner.
 */
import { UsageError } from '../errors.js';
import { MissingBoundsError, releaseSiteStatistics } from '../privacy/dp-statistics.js';
import { createNoiseSource } from '../privacy/secure-noise.js';
import type { PrepareOptions, SiteStats } from '../data/prepare/types.js';
import type { BenchConfig, PreprocessingPrivacy } from './config.js';

export function prepareOptions(config: BenchConfig, seed: number): PrepareOptions {
  const pre = config.privacy?.preprocessing;
  return {
    ...(pre && pre.noiseMultiplier !== null ? { releaseStatistics: statisticsRelease(pre, pre.noiseMultiplier, config.privacy?.noiseSeed ?? null, seed) } : {}),
    seed,
    split: config.split,
    normalization: config.preprocessing.normalization,
    harmonizeUnits: config.preprocessing.harmonizeUnits,
    missingIndicators: config.preprocessing.missingIndicators,
    scaleBinary: config.preprocessing.scaleBinary,
    centralStatistics: config.preprocessing.centralStatistics,
  };
}

/**
 * Each site's training statistics released by the Gaussian mechanism (privacy/dp-statistics.ts)
 * instead of exactly; noise from node:crypto, or seeded per seed and site with --noise-seed.
 */
function statisticsRelease(pre: PreprocessingPrivacy, noiseMultiplier: number, noiseSeed: number | null, seed: number) {
  const secure = noiseSeed === null ? createNoiseSource() : null;
  return (exact: SiteStats, values: Record<string, Float64Array>, binaryColumns: ReadonlySet<string>): SiteStats => {
    const noise = secure ?? createNoiseSource({ seed: noiseSeed as number, labels: [String(seed), 'preprocessing', exact.siteId] });
    try {
      return releaseSiteStatistics(exact, { numeric: values }, { noiseMultiplier, bounds: pre.bounds, binaryColumns, noise });
    } catch (error) {
      if (error instanceof MissingBoundsError) {
        throw new UsageError(
          `--dp-preprocessing: no clipping bounds for ${error.columns.join(', ')}; give data-independent bounds with --dp-preprocessing-bounds ${error.columns.map((c) => `${c}=LO:HI`).join(',')} (canonical units)`,
        );
      }
      throw error;
    }
  };
}

