/**
 * One seed of the bench: every arm trained and evaluated on one prepared split. All arms of a
 * seed start from the same initial parameters, so per-seed differences between arms are paired.
 * Pure computation (no I/O): the runner calls it in-process or in a worker thread.
 */
import type { BinaryEvaluation } from '../metrics/evaluate.js';
import { auc, evaluateBinary, selectF1Threshold } from '../metrics/index.js';
import { createModel } from '../model/create-model.js';
import { createOptimizer } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { LabeledData, Model } from '../model/types.js';
import { runFederated } from '../federated/run-federated.js';
import { InputError } from '../errors.js';
import type { LocalDpSgdConfig, RoundLog, StrategyName } from '../federated/types.js';
import type { Strategy } from '../federated/strategy.js';
import { runPrivacyArms } from './privacy-arms.js';
import { Xoshiro128, streamState } from '../random/rng.js';
import { armBudget, type BenchConfig } from './config.js';
import type { PreparedSeed, PreparedSite, PreparedSplit } from './data/types.js';
import { SUMMARY_METRICS, type ArmPrivacy, type ArmSeedResult, type MetricName, type OracleSeedResult, type RoundRecord } from './results.js';
import { concatData } from './data/concat.js';

/** Test-set scores of one arm for one seed, per site (rows in PreparedSite.test order). */
export interface ArmPredictions {
  arm: string;
  seed: number;
  scores: Record<string, Float64Array>;
}

export interface SeedOutcome {
  seed: number;
  arms: ArmSeedResult[];
  oracle: OracleSeedResult | null;
  predictions: ArmPredictions[];
  warnings: string[];
}

/** What a DP variant adds to a federated arm (see privacy-arms.ts). */
export interface FederatedArmExtras {
  dpSgd?: LocalDpSgdConfig;
  wrapStrategy?: (inner: Strategy) => Strategy;
  beforeRound?: (round: number, participants: readonly string[]) => boolean;
  afterRound?: (log: RoundLog) => void;
  clientSampling?: 'fixed' | 'poisson';
  /** Called after the run: the arm's privacy record. */
  privacy?: () => ArmPrivacy;
}

export type Progress = (event: { seed: number; arm: string; round?: number; rounds?: number }) => void;

export { concatData };

function streamOf(seed: number, ...labels: string[]): () => number {
  const rng = new Xoshiro128(streamState(seed, 'bench', ...labels));
  return () => rng.uniform();
}

interface Evaluated {
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
function evaluateModel(model: Model, params: Float64Array, sites: readonly PreparedSite[], validation: LabeledData, fixedThreshold: number | null): Evaluated {
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

function concatFloat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function oracleOf(seed: number, sites: readonly PreparedSite[]): OracleSeedResult | null {
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

export function runSeed(config: BenchConfig, prepared: PreparedSeed, onProgress?: Progress): SeedOutcome {
  const { seed, sites } = prepared;
  const d = prepared.featureNames.length;
  const model = createModel(
    config.model.kind === 'mlp'
      ? { kind: 'mlp', featureCount: d, hiddenUnits: config.model.hiddenUnits, activation: config.model.activation, l2: config.model.l2, backend: config.model.backend }
      : { kind: 'logistic', featureCount: d, l2: config.model.l2, backend: config.model.backend },
  );
  const initialParams =
    config.model.init === 'uniform-fan-in' ? uniformFanInInit(model.paramCount, d, streamOf(seed, 'init', 'uniform-fan-in')) : model.init(streamOf(seed, 'init'));
  const pooledValidation = concatData(sites.map((s) => s.validation.data));
  // Built on first use and kept: the central arm and its DP variants train on the same rows.
  let pooledTrainRows: LabeledData | null = null;
  const centralTrain = (): LabeledData => (pooledTrainRows ??= prepared.centralTrain ?? concatData(sites.map((s) => s.train.data)));
  const pooledTest: PreparedSplit['data'] = concatData(sites.map((s) => s.test.data));
  const arms: ArmSeedResult[] = [];
  const predictions: ArmPredictions[] = [];
  const warnings: string[] = [];
  const siteWarnings = new Set<string>();
  const record = (
    arm: string,
    family: ArmSeedResult['family'],
    params: Float64Array,
    validation: LabeledData,
    training: { steps: number; examplesSeen: number },
    extra: Partial<ArmSeedResult> = {},
  ): ArmSeedResult => {
    const ev = evaluateModel(model, params, sites, validation, config.evaluation.threshold);
    if (ev.threshold === null) warnings.push(`seed ${seed}, ${arm}: no F1 threshold (validation set without both classes); F1 and accuracy are null`);
    // A degenerate test set (one class, no rows) affects every arm alike: one warning per seed
    // and site. Threshold-metric conventions (no predicted positives) depend on the arm.
    const note = (where: string, w: string) => {
      if (/no decision threshold/.test(w)) return; // already reported above
      siteWarnings.add(/^(auc|recall set to 0)/.test(w) ? `seed ${seed}, ${where}: ${w}` : `seed ${seed}, ${arm}, ${where}: ${w}`);
    };
    for (const [siteId, m] of Object.entries(ev.sites)) for (const w of m.warnings) note(`site ${siteId} test set`, w);
    for (const w of ev.pooled.warnings) note('pooled test set', w);
    const result: ArmSeedResult = {
      arm,
      family,
      ...(extra.trainedOn ? { trainedOn: extra.trainedOn } : {}),
      seed,
      threshold: ev.threshold,
      pooled: ev.pooled,
      sites: ev.sites,
      worstSite: ev.worstSite,
      ...(config.evaluation.summary === 'site-mean' ? { siteMean: siteMeanMetrics(ev.sites) } : {}),
      training,
      ...extra,
    };
    arms.push(result);
    predictions.push({ arm, seed, scores: ev.scores });
    return result;
  };

  let centralAuc: number | null = null;
  if (config.arms.includes('central')) {
    onProgress?.({ seed, arm: 'central' });
    const pooledTrain = centralTrain();
    const params = Float64Array.from(initialParams);
    const budget = armBudget(config, 'central', sites.length);
    if (pooledTrain.n === 0) throw new InputError([{ file: 'input', path: '', expected: 'training rows at some site', found: 'none' }]);
    const trained = trainLocal(model, params, pooledTrain, {
      batchSize: config.training.batchSize,
      ...budget,
      optimizer: createOptimizer(config.training.optimizer),
      random: streamOf(seed, 'central', 'shuffle'),
    });
    centralAuc = record('central', 'central', params, pooledValidation, trained).pooled.auc;
  }

  if (config.arms.includes('local')) {
    for (const site of sites) {
      const arm = `local:${site.id}`;
      onProgress?.({ seed, arm });
      const params = Float64Array.from(initialParams);
      const budget = armBudget(config, 'local', sites.length);
      const trained =
        site.train.data.n > 0
          ? trainLocal(model, params, site.train.data, {
              batchSize: config.training.batchSize,
              ...budget,
              optimizer: createOptimizer(config.training.optimizer),
              random: streamOf(seed, 'local', site.id, 'shuffle'),
            })
          : { steps: 0, examplesSeen: 0 };
      if (site.train.data.n === 0) warnings.push(`seed ${seed}, ${arm}: no training rows; the local model is the initial model`);
      record(arm, 'local', params, site.validation.data, { steps: trained.steps, examplesSeen: trained.examplesSeen }, { trainedOn: site.id });
    }
  }

  /** One federated arm: the round loop, convergence per round, communication, then evaluation. */
  const federatedArm = (armName: string, name: StrategyName, extra: FederatedArmExtras = {}): ArmSeedResult => {
    const { strategy, clientOptimizer } = config.federated.strategies[name];
    const convergence: RoundRecord[] = [];
    let roundsToTarget: number | null = null;
    const target = centralAuc === null ? null : config.convergenceFraction * centralAuc;
    let steps = 0;
    let examplesSeen = 0;
    const f = config.federated;
    const clients = sites.filter((s) => s.train.data.n > 0).map((s) => ({ id: s.id, train: s.train.data }));
    for (const s of sites) if (s.train.data.n === 0) warnings.push(`seed ${seed}, ${armName}: site ${s.id} has no training rows and takes no part`);
    if (clients.length === 0) throw new InputError([{ file: 'input', path: '', expected: 'at least one site with training rows', found: 'none' }]);
    const run = runFederated({
      model,
      clients,
      strategy,
      rounds: f.rounds,
      clientFraction: f.clientFraction,
      local: {
        batchSize: f.batchSize,
        ...(f.localSteps !== undefined ? { steps: f.localSteps } : { epochs: f.localEpochs }),
        optimizer: clientOptimizer,
        ...(extra.dpSgd ? { dpSgd: extra.dpSgd } : {}),
      },
      initialParams,
      seed,
      streamLabel: `bench/${armName}`,
      ...(extra.wrapStrategy ? { wrapStrategy: extra.wrapStrategy } : {}),
      ...(extra.beforeRound ? { beforeRound: extra.beforeRound } : {}),
      ...(extra.clientSampling ? { clientSampling: extra.clientSampling } : {}),
      onRound: (log, globalParams) => {
        onProgress?.({ seed, arm: armName, round: log.round, rounds: f.rounds });
        extra.afterRound?.(log);
        const roundAuc = auc(pooledTest.y, model.predict(globalParams, pooledTest));
        if (roundsToTarget === null && target !== null && roundAuc !== null && roundAuc >= target) roundsToTarget = log.round;
        const up = Object.values(log.bytesUp).reduce((a, b) => a + b, 0);
        const down = Object.values(log.bytesDown).reduce((a, b) => a + b, 0);
        convergence.push({ round: log.round, pooledAuc: roundAuc, participants: log.participants, bytesUp: up, bytesDown: down });
      },
    });
    const bytesUpPerSite: Record<string, number> = {};
    const bytesDownPerSite: Record<string, number> = {};
    for (const s of sites) {
      bytesUpPerSite[s.id] = 0;
      bytesDownPerSite[s.id] = 0;
    }
    for (const log of run.rounds) {
      for (const [id, b] of Object.entries(log.bytesUp)) bytesUpPerSite[id] += b;
      for (const [id, b] of Object.entries(log.bytesDown)) bytesDownPerSite[id] += b;
      for (const id of log.participants) {
        steps += log.localSteps[id] ?? 0;
        examplesSeen += log.examplesSeen[id] ?? 0;
      }
    }
    return record(armName, 'federated', run.params, pooledValidation, { steps, examplesSeen }, {
      convergence,
      communication: {
        rounds: run.rounds.length,
        bytesUpPerSite,
        bytesDownPerSite,
        totalBytesUp: Object.values(bytesUpPerSite).reduce((a, b) => a + b, 0),
        totalBytesDown: Object.values(bytesDownPerSite).reduce((a, b) => a + b, 0),
      },
      roundsToTarget,
      ...(extra.privacy ? { privacy: extra.privacy() } : {}),
    });
  };

  const strategies = config.arms.filter((a): a is StrategyName => a !== 'central' && a !== 'local');
  for (const name of strategies) federatedArm(name, name);

  if (config.privacy) {
    runPrivacyArms({
      config,
      privacy: config.privacy,
      seed,
      model,
      sites,
      initialParams,
      centralTrain: centralTrain(),
      pooledValidation,
      record,
      federatedArm,
      streamOf: (...labels) => streamOf(seed, ...labels),
      onProgress,
    });
  }

  return { seed, arms, oracle: oracleOf(seed, sites), predictions, warnings: [...warnings, ...siteWarnings] };
}
