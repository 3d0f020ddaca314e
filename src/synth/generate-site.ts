/**
 * generateSite: a site's patients as a stream of batches. A site's stream depends only on
 * (seed, site id, its settings): adding a site never changes another site's data, and the
 * batch size does not change the content.
 */
import type { Scenario, ResolvedSite } from '../scenario/schema.js';
import { SiteStreams } from '../random/rng.js';
import { buildSiteModel, type SiteCalibration, type SiteModel } from './site-model.js';
import { generateBatch, type SiteBatch } from './generate-batch.js';

export interface GenerateOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Multiplies every site's patient count (rounded, at least 1). */
  scale?: number;
  batchSize?: number;
  /** Also produce the longitudinal visits table (default true). */
  visits?: boolean;
}

export const DEFAULT_BATCH_SIZE = 65_536;

/** The site's model; `calibration`: calibrateSite's result for this site and seed (e.g. from a cache), computed when absent. */
export function siteModelFor(scenario: Scenario, site: ResolvedSite, opts: GenerateOptions = {}, calibration?: SiteCalibration): SiteModel {
  return buildSiteModel(site, {
    seed: opts.seed ?? scenario.seed,
    target: scenario.target,
    followUpYears: scenario.followUpYears,
    visitIntervalMonths: scenario.visitIntervalMonths,
    scale: opts.scale ?? 1,
  }, calibration);
}

export function* generateSiteBatches(model: SiteModel, opts: GenerateOptions = {}): Generator<SiteBatch> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const streams = new SiteStreams(model.seed, model.site.id);
  for (let start = 0; start < model.patients; start += batchSize) {
    yield generateBatch(model, streams, start, Math.min(batchSize, model.patients - start), opts.visits ?? true);
  }
}
