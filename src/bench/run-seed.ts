/**
 * One seed of the bench: the seed's context (model, shared initial parameters, pooled rows,
 * streams, DP noise), then `runArm` for every plan in order. Pure computation (no I/O): the
 * runner calls it in-process or in a worker thread.
 */
import { UsageError } from '../errors.js';
import { hasPerExampleGradients, type LabeledData } from '../model/types.js';
import { permuteRows } from '../model/train.js';
import { createNoiseSource, type NoiseSource } from '../privacy/secure-noise.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import { concatData } from '../data/prepare/concat.js';
import type { ArmPlan } from './arm-plan.js';
import type { SiteClientsFactory } from './site-clients.js';
import type { BenchConfig } from './config.js';
import { oracleOf } from './evaluate.js';
import type { ArmSeedResult, OracleSeedResult } from './results.js';
import { runArm, type ArmPredictions, type ArmRun, type Progress, type SeedContext } from './run-arm.js';

export { siteMeanMetrics } from './evaluate.js';
export type { ArmPredictions, Progress } from './run-arm.js';
export { concatData };
export { benchModel, streamOf, trainOrderStream } from './seed-streams.js';
import { benchModel, streamOf, trainOrderStream } from './seed-streams.js';

export interface SeedOutcome {
  seed: number;
  arms: ArmSeedResult[];
  oracle: OracleSeedResult | null;
  predictions: ArmPredictions[];
  warnings: string[];
}

/**
 * PyTorch's nn.Linear default start point for a logistic model: weights and bias each drawn from
 * U(−1/√d, 1/√d) (kaiming_uniform with a = √5 gives exactly this bound for the weights).
 */
export function uniformFanInInit(paramCount: number, featureCount: number, random: () => number): Float64Array {
  const bound = 1 / Math.sqrt(featureCount);
  const out = new Float64Array(paramCount);
  for (let j = 0; j < paramCount; j++) out[j] = (2 * random() - 1) * bound;
  return out;
}


/** Everything the arms of one seed share. */
export function seedContext(config: BenchConfig, prepared: PreparedSeed, onProgress?: Progress, siteClients?: SiteClientsFactory): SeedContext {
  const { seed, sites } = prepared;
  const d = prepared.featureNames.length;
  const model = benchModel(config, d);
  const initialParams =
    config.model.init === 'uniform-fan-in' ? uniformFanInInit(model.paramCount, d, streamOf(seed, 'init', 'uniform-fan-in')) : model.init(streamOf(seed, 'init'));
  let pooledTrainRows: LabeledData | null = null;
  const centralTrain = () => (pooledTrainRows ??= prepared.centralTrain ?? concatData(sites.map((s) => s.train.data)));
  const permuted = new Map<string, LabeledData>();
  const siteById = (id: string) => {
    const site = sites.find((s) => s.id === id);
    if (!site) throw new Error(`internal: no site ${id} in seed ${seed}`);
    return site;
  };
  const noiseSeed = config.privacy?.noiseSeed ?? null;
  // One secure source serves every arm; a seeded one gets its own stream per arm, site and round.
  const secureSource = config.privacy && noiseSeed === null ? createNoiseSource() : null;
  return {
    seed,
    config,
    model,
    sites,
    initialParams,
    centralTrain,
    sgdTrain: (siteId) => {
      if (config.sampling !== 'block-shuffle') return siteId === null ? centralTrain() : siteById(siteId).train.data;
      const key = siteId ?? '';
      let rows = permuted.get(key);
      if (!rows) {
        // Permuted once per seed and data set from its own stream: the precondition under which
        // block shuffling is equivalent to reshuffling (model/train.ts blockShuffleInto).
        rows = permuteRows(siteId === null ? centralTrain() : siteById(siteId).train.data, trainOrderStream(seed, siteId ?? 'central')).data;
        permuted.set(key, rows);
      }
      return rows;
    },
    sgdSampling: config.sampling === 'block-shuffle' ? { kind: 'block-shuffle' } : { kind: 'reshuffle' },
    pooledValidation: concatData(sites.map((s) => s.validation.data)),
    pooledTest: concatData(sites.map((s) => s.test.data)),
    centralAuc: null,
    streamOf: (...labels) => streamOf(seed, ...labels),
    noiseFor: (...labels: string[]): NoiseSource => secureSource ?? createNoiseSource({ seed: noiseSeed as number, labels: [String(seed), ...labels] }),
    secureNoise: noiseSeed === null,
    ...(onProgress ? { onProgress } : {}),
    ...(siteClients ? { siteClients: siteClients.forSeed(config, prepared) } : {}),
  };
}

/** The non-private central arm: the reference of every LATER arm's rounds-to-target. */
export const isReferenceArm = (plan: ArmPlan): boolean => plan.name === 'central' && !plan.privacy;

export function assertPlansRunnable(ctx: SeedContext, plans: readonly ArmPlan[]): void {
  if (plans.some((p) => p.privacy) && !hasPerExampleGradients(ctx.model)) {
    throw new UsageError('differential privacy needs per-example gradients: use model.backend js (the tfjs backend has none)');
  }
}

/** A seed's outcome from its arms' runs, in plan order (the one place it is assembled, in-process or from worker tasks). */
export function assembleSeedOutcome(prepared: PreparedSeed, runs: readonly ArmRun[]): SeedOutcome {
  const arms: ArmSeedResult[] = [];
  const predictions: ArmPredictions[] = [];
  const warnings: string[] = [];
  const siteWarnings = new Set<string>();
  for (const run of runs) {
    arms.push(run.result);
    predictions.push(run.predictions);
    warnings.push(...run.warnings);
    for (const w of run.siteWarnings) siteWarnings.add(w);
  }
  return { seed: prepared.seed, arms, oracle: oracleOf(prepared.seed, prepared.sites), predictions, warnings: [...warnings, ...siteWarnings] };
}

/** Every plan of the run, in order, on one seed's prepared data. */
export async function runSeed(config: BenchConfig, prepared: PreparedSeed, plans: readonly ArmPlan[], onProgress?: Progress, siteClients?: SiteClientsFactory): Promise<SeedOutcome> {
  const ctx = seedContext(config, prepared, onProgress, siteClients);
  assertPlansRunnable(ctx, plans);
  const runs: ArmRun[] = [];
  for (const plan of plans) {
    const run = await runArm(plan, ctx);
    if (isReferenceArm(plan)) ctx.centralAuc = run.result.pooled.auc;
    runs.push(run);
  }
  return assembleSeedOutcome(prepared, runs);
}
