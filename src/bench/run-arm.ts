/**
 * `runArm(plan, seedContext)`: the only place the bench trains. It reads everything from the
 * plan (plan.ts) — the trainer (pooled data, one site, or a strategy over the round loop), the
 * step budget, and the wrappers (privacy; compression and secure aggregation as the round loop's
 * aggregation hook, wrapped-aggregation.ts) — trains from the seed's shared initial parameters,
 * and evaluates. Async because secret sharing (secure aggregation) is.
 * DP arms keep a budget guard (budget-guard.ts) that stops before any step past the budget.
 */
import { InputError } from '../errors.js';
import { runFederatedAsync, type AggregationHook, type AggregationRequest } from '../federated/run-federated.js';
import type { RoundLog } from '../federated/types.js';
import type { Strategy } from '../federated/strategy.js';
import { auc } from '../metrics/index.js';
import { createOptimizer } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { LabeledData, LocalTrainingOptions, Model } from '../model/types.js';
import { ClientLevelDp } from '../privacy/client-dp.js';
import { DpSgdLocalTrainer } from '../privacy/dp-local-trainer.js';
import { trainDpSgd } from '../privacy/dp-sgd.js';
import type { NoiseSource } from '../privacy/secure-noise.js';
import { sampleRateForBatchSize } from '../privacy/poisson-sampling.js';
import type { PreparedSite } from '../data/prepare/types.js';
import type { ArmPlan, PooledTrainerPlan, PrivacyPlan, SiteTrainerPlan, StrategyTrainerPlan } from './arm-plan.js';
import { BudgetGuard } from './budget-guard.js';
import type { BenchConfig } from './config.js';
import { evaluateModel, siteMeanMetrics } from './evaluate.js';
import { wrapperSuffix } from './plan.js';
import { CONVERSION, ORDERS_NOTE, epsilonOf, preprocessingHistory } from './privacy-arms.js';
import type { ArmPrivacy, ArmSeedResult, RoundRecord } from './results.js';
import { createWrapperRun } from './wrapped-aggregation.js';
import { RoundRecorder, type RecordedRound } from './round-recorder.js';
import type { SeedSiteClients, SiteWork } from './site-clients.js';

/**
 * Progress of a bench run: an arm started (no round) or finished a federated round. The runner
 * adds `run` (arm runs started so far, over every seed) and `runs` (seeds × arms).
 */
export type Progress = (event: { seed: number; arm: string; round?: number; rounds?: number; run?: number; runs?: number }) => void;

/** Test-set scores of one arm for one seed, per site (rows in PreparedSite.test order). */
export interface ArmPredictions {
  arm: string;
  seed: number;
  scores: Record<string, Float64Array>;
  /** Plain federated arms: every round's uploads (round-recorder.ts), for contribution and drift. */
  rounds?: RecordedRound[];
}

/** What every arm of one seed shares: the data, the model, the start point, the streams. */
export interface SeedContext {
  seed: number;
  config: BenchConfig;
  model: Model;
  sites: readonly PreparedSite[];
  /** Every arm of a seed starts here, so per-seed differences between arms are paired. */
  initialParams: Float64Array;
  /** The pooled training rows (built on first use and kept: central and its DP variants share them). */
  centralTrain: () => LabeledData;
  /**
   * The training rows the non-private SGD arms read (site id, or null for the pooled rows): with
   * config.sampling 'block-shuffle', a copy permuted once per seed (built on first use, shared
   * by the arms of the seed); with 'reshuffle', the rows themselves.
   */
  sgdTrain: (siteId: string | null) => LabeledData;
  /** The minibatch order those arms pass to trainLocal. */
  sgdSampling: LocalTrainingOptions['sampling'];
  pooledValidation: LabeledData;
  pooledTest: LabeledData;
  /** The non-private central arm's pooled AUC this seed: the reference of rounds-to-target. */
  centralAuc: number | null;
  /** A uniform stream of (seed, 'bench', ...labels). */
  streamOf: (...labels: string[]) => () => number;
  /** The DP noise of (arm, ...labels): one secure source, or a seeded stream per label path. */
  noiseFor: (...labels: string[]) => NoiseSource;
  secureNoise: boolean;
  onProgress?: Progress;
  /**
   * Sees every round's uploads before aggregation (read only): what an aggregator without
   * secure aggregation sees. The privacy audit (src/audit) records a site's updates with it.
   */
  observeAggregation?: (arm: string, request: AggregationRequest) => void;
  /** Distributed runs: where federated arms' local training runs (absent: in this process). */
  siteClients?: SeedSiteClients;
}

/** One arm's outcome: its result, its test scores, and its warnings (site-level ones deduplicated per seed). */
export interface ArmRun {
  result: ArmSeedResult;
  /** The trained model's parameters (the released model). */
  params: Float64Array;
  predictions: ArmPredictions;
  warnings: string[];
  siteWarnings: string[];
}

type Training = { steps: number; examplesSeen: number };

export async function runArm(plan: ArmPlan, ctx: SeedContext): Promise<ArmRun> {
  const warnings: string[] = [];
  const t = plan.trainer;
  if ((plan.compression || plan.secureAggregation) && t.kind !== 'strategy') throw new Error(`internal: ${plan.name} wraps a ${t.kind} trainer; compression and secure aggregation wrap federated arms`);
  let trained: { params: Float64Array; validation: LabeledData; training: Training; extra: Partial<ArmSeedResult>; rounds?: RecordedRound[] };
  if (t.kind === 'strategy') trained = await federated(plan, t, ctx, warnings);
  else if (plan.privacy) trained = dpSgd(plan, t, plan.privacy, ctx);
  else trained = t.kind === 'pooled' ? central(plan, t, ctx) : local(plan, t, ctx, warnings);
  const run = record(plan, ctx, trained.params, trained.validation, trained.training, trained.extra, warnings);
  if (trained.rounds) run.predictions.rounds = trained.rounds;
  return run;
}

/** Evaluation and the arm's result record (metrics, threshold, warnings). */
function record(plan: ArmPlan, ctx: SeedContext, params: Float64Array, validation: LabeledData, training: Training, extra: Partial<ArmSeedResult>, warnings: string[]): ArmRun {
  const { seed, config } = ctx;
  const arm = plan.name;
  const ev = evaluateModel(ctx.model, params, ctx.sites, validation, config.evaluation.threshold);
  if (ev.threshold === null) warnings.push(`seed ${seed}, ${arm}: no F1 threshold (validation set without both classes); F1 and accuracy are null`);
  // A degenerate test set (one class, no rows) affects every arm alike: one warning per seed
  // and site. Threshold-metric conventions (no predicted positives) depend on the arm.
  const siteWarnings: string[] = [];
  const note = (where: string, w: string) => {
    if (/no decision threshold/.test(w)) return; // already reported above
    siteWarnings.push(/^(auc|recall set to 0)/.test(w) ? `seed ${seed}, ${where}: ${w}` : `seed ${seed}, ${arm}, ${where}: ${w}`);
  };
  for (const [siteId, m] of Object.entries(ev.sites)) for (const w of m.warnings) note(`site ${siteId} test set`, w);
  for (const w of ev.pooled.warnings) note('pooled test set', w);
  const result: ArmSeedResult = {
    arm,
    family: plan.family,
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
  return { result, params, predictions: { arm, seed, scores: ev.scores }, warnings, siteWarnings };
}

function central(plan: ArmPlan, t: PooledTrainerPlan, ctx: SeedContext) {
  ctx.onProgress?.({ seed: ctx.seed, arm: plan.name });
  const pooledTrain = ctx.sgdTrain(null);
  const params = ctx.initialParams.slice();
  if (pooledTrain.n === 0) throw new InputError([{ file: 'input', path: '', expected: 'training rows at some site', found: 'none' }]);
  const trained = trainLocal(ctx.model, params, pooledTrain, {
    batchSize: t.batchSize,
    ...budgetOf(t),
    optimizer: createOptimizer(t.optimizer),
    random: ctx.streamOf('central', 'shuffle'),
    sampling: ctx.sgdSampling,
  });
  return { params, validation: ctx.pooledValidation, training: trained, extra: {} };
}

function local(plan: ArmPlan, t: SiteTrainerPlan, ctx: SeedContext, warnings: string[]) {
  ctx.onProgress?.({ seed: ctx.seed, arm: plan.name });
  const site = siteOf(ctx, t.site);
  const params = ctx.initialParams.slice();
  const trained =
    site.train.data.n > 0
      ? trainLocal(ctx.model, params, ctx.sgdTrain(site.id), {
          batchSize: t.batchSize,
          ...budgetOf(t),
          optimizer: createOptimizer(t.optimizer),
          random: ctx.streamOf('local', site.id, 'shuffle'),
          sampling: ctx.sgdSampling,
        })
      : { steps: 0, examplesSeen: 0 };
  if (site.train.data.n === 0) warnings.push(`seed ${ctx.seed}, ${plan.name}: no training rows; the local model is the initial model`);
  return { params, validation: site.validation.data, training: { steps: trained.steps, examplesSeen: trained.examplesSeen }, extra: { trainedOn: site.id } };
}

const budgetOf = (t: PooledTrainerPlan | SiteTrainerPlan): { epochs?: number; steps?: number } => (t.steps !== undefined ? { steps: t.steps } : { epochs: t.epochs });

function siteOf(ctx: SeedContext, id: string): PreparedSite {
  const site = ctx.sites.find((s) => s.id === id);
  if (!site) throw new Error(`internal: the plan names site ${id}, which this seed does not have`);
  return site;
}

/** A site's preprocessing release (σ of the Gaussian mechanism, composed into its ε), when on. */
function preprocessingField(p: PrivacyPlan): { preprocessingNoiseMultiplier?: number } {
  return p.preprocessing ? { preprocessingNoiseMultiplier: p.preprocessing.noiseMultiplier } : {};
}

/** The privacy record's common fields (results.json keeps this key order). */
function privacyBase(p: PrivacyPlan, ctx: SeedContext, notes: string[]) {
  return {
    level: p.level,
    targetEpsilon: p.targetEpsilon,
    delta: p.delta,
    clipNorm: p.clipNorm,
    accountant: p.accountant,
    conversion: `${CONVERSION}; ${ORDERS_NOTE}`,
    secureNoise: ctx.secureNoise,
    budget: p.budget,
    notes: [
      ...notes,
      ...(p.preprocessing ? [`each site's ε includes its DP preprocessing statistics (Gaussian mechanism, σ = ${p.preprocessing.noiseMultiplier}, composed by RDP ahead of training)`] : []),
      ...(ctx.secureNoise ? [] : ['noise from a seeded generator: NOT secure (reproducibility run)']),
    ],
  };
}

/** One DP-SGD run on one data set (central: pooled; local: one site), cut to the steps within the budget. */
function dpSgd(plan: ArmPlan, t: PooledTrainerPlan | SiteTrainerPlan, p: PrivacyPlan, ctx: SeedContext) {
  const arm = plan.name;
  const site = t.kind === 'site' ? siteOf(ctx, t.site) : null;
  const data = site ? site.train.data : ctx.centralTrain();
  if (data.n !== t.rows) throw new Error(`internal: ${arm} was planned for ${t.rows} training rows, the seed has ${data.n}`);
  const sampleRate = sampleRateForBatchSize(t.batchSize, Math.max(1, data.n));
  const { noiseMultiplier } = p;
  const planned = t.plannedSteps;
  const steps = p.stepsWithinBudget ?? planned;
  const params = ctx.initialParams.slice();
  ctx.onProgress?.({ seed: ctx.seed, arm });
  const result =
    steps > 0 && data.n > 0
      ? trainDpSgd(ctx.model, params, data, {
          sampleRate,
          noiseMultiplier,
          clipNorm: p.clipNorm,
          steps,
          optimizer: createOptimizer(t.optimizer),
          random: ctx.streamOf(arm, 'sampling'),
          noise: ctx.noiseFor(arm),
        })
      : { steps: 0, examplesSeen: 0 };
  const spent = epsilonOf([{ noiseMultiplier, sampleRate, steps }], p.delta, preprocessingHistory(p.preprocessing));
  const stoppedAtBudget =
    steps < planned
      ? {
          completed: steps,
          planned,
          unit: 'steps' as const,
          message: `${arm}: stopped after ${steps} of ${planned} DP-SGD steps: one more would exceed the budget ε = ${p.budget} (σ = ${noiseMultiplier}, q = ${sampleRate}, δ = ${p.delta})`,
        }
      : null;
  const mechanism = { noiseMultiplier, sampleRate, steps, epsilon: spent.epsilon, alpha: spent.alpha, ...preprocessingField(p) };
  const sites: ArmPrivacy['sites'] = {};
  if (site) sites[site.id] = mechanism;
  else for (const s of ctx.sites) sites[s.id] = { ...mechanism };
  const notes = site ? spent.warnings : ['one DP-SGD run over the pooled data: every site spends its ε', ...spent.warnings];
  const privacy: ArmPrivacy = { ...privacyBase(p, ctx, notes), sites, maxEpsilon: spent.epsilon, stoppedAtBudget };
  return {
    params,
    validation: site ? site.validation.data : ctx.pooledValidation,
    training: { steps: result.steps, examplesSeen: result.examplesSeen },
    extra: site ? { trainedOn: site.id, privacy } : { privacy },
  };
}

/** How a privacy wrapper plugs into the round loop. */
interface RoundHooks {
  trainer?: DpSgdLocalTrainer;
  wrapStrategy?: (inner: Strategy) => Strategy;
  beforeRound?: (round: number, participants: readonly string[]) => boolean;
  afterRound?: (log: RoundLog) => void;
  privacy?: () => ArmPrivacy;
}

/** One federated arm: the round loop, convergence per round, communication, then evaluation. */
async function federated(plan: ArmPlan, t: StrategyTrainerPlan, ctx: SeedContext, warnings: string[]) {
  const { seed, sites, model } = ctx;
  const armName = plan.name;
  const hooks: RoundHooks = plan.privacy ? (plan.privacy.level === 'sample' ? sampleLevelHooks(plan, t, plan.privacy, ctx) : clientLevelHooks(plan, t, plan.privacy, ctx)) : {};
  const convergence: RoundRecord[] = [];
  let roundsToTarget: number | null = null;
  const target = ctx.centralAuc === null ? null : ctx.config.convergenceFraction * ctx.centralAuc;
  let steps = 0;
  let examplesSeen = 0;
  // Sample-level DP clients keep their rows as stored (DP-SGD samples them by Poisson sampling).
  const clients = sites.filter((s) => s.train.data.n > 0).map((s) => ({ id: s.id, train: hooks.trainer ? s.train.data : ctx.sgdTrain(s.id) }));
  for (const s of sites) if (s.train.data.n === 0) warnings.push(`seed ${seed}, ${armName}: site ${s.id} has no training rows and takes no part`);
  if (clients.length === 0) throw new InputError([{ file: 'input', path: '', expected: 'at least one site with training rows', found: 'none' }]);
  const pooledTest = ctx.pooledTest;
  const evaluateEvery = ctx.config.evaluateEvery ?? 1;
  // One score buffer for every round's evaluation (auc keeps no reference to it).
  const roundScores = new Float64Array(pooledTest.n);

  // A wrapped twin (fedavg+secagg, fedavg+q8) shuffles with its unwrapped arm's stream, so the
  // paired difference in results is the wrapper's effect alone, not another minibatch order.
  const suffix = wrapperSuffix(plan.compression, plan.secureAggregation);
  const streamLabel = `bench/${suffix !== '' && armName.endsWith(suffix) ? armName.slice(0, -suffix.length) : armName}`;
  const work: SiteWork = {
    arm: armName,
    seed,
    streamLabel,
    strategy: t.strategy,
    local: { batchSize: t.batchSize, ...(t.localSteps !== undefined ? { steps: t.localSteps } : { epochs: t.localEpochs }), optimizer: t.clientOptimizer },
    dpSgd: plan.privacy?.level === 'sample' ? { noiseMultiplier: plan.privacy.noiseMultiplier, clipNorm: plan.privacy.clipNorm, noiseSeed: ctx.config.privacy?.noiseSeed ?? null } : null,
    ...(hooks.trainer ? {} : { sampling: ctx.sgdSampling }),
    releaseTrainingLoss: plan.privacy?.level !== 'client',
    ...(plan.secureAggregation?.kind === 'masking' ? { secureAggregation: 'masking' as const } : {}),
  };
  const remote = ctx.siteClients?.forArm(work);
  // Distributed masking: the sites mask their own updates; the hook only ever sees the sum.
  const remoteMasking = work.secureAggregation ? ctx.siteClients?.maskingSum?.(work) : undefined;
  const wrapped = plan.compression || plan.secureAggregation ? createWrapperRun(plan, seed, clients.map((c) => c.id).sort(), remoteMasking) : null;
  // Plain arms only: a DP arm's raw uploads must not leave the round loop, and a wrapped arm is
  // the twin of a plain one.
  const recorder = plan.privacy || wrapped ? null : new RoundRecorder();
  try {
    const run = await runFederatedAsync({
      model,
      clients,
      strategy: t.strategy,
      rounds: t.rounds,
      clientFraction: t.clientFraction,
      local: {
        batchSize: t.batchSize,
        ...(t.localSteps !== undefined ? { steps: t.localSteps } : { epochs: t.localEpochs }),
        optimizer: t.clientOptimizer,
        ...(hooks.trainer ? { trainer: hooks.trainer } : { sampling: ctx.sgdSampling }),
      },
      initialParams: ctx.initialParams,
      seed,
      streamLabel,
      ...(hooks.wrapStrategy ? { wrapStrategy: hooks.wrapStrategy } : {}),
      ...(hooks.beforeRound ? { beforeRound: hooks.beforeRound } : {}),
      ...(t.clientSampling === 'poisson' ? { clientSampling: 'poisson' as const } : plan.privacy?.level === 'client' ? { clientSampling: 'fixed' as const } : {}),
      onRound: (log, globalParams) => {
        wrapped?.markRoundEnd();
        ctx.onProgress?.({ seed, arm: armName, round: log.round, rounds: t.rounds });
        hooks.afterRound?.(log);
        // Every k rounds (bench.evaluateEvery) and the last: the round evaluation is the only
        // per-round cost that grows with the test set; a round left out records null.
        const evaluated = log.round % evaluateEvery === 0 || log.round === t.rounds;
        const roundAuc = evaluated ? auc(pooledTest.y, model.predict(globalParams, pooledTest, roundScores)) : null;
        if (roundsToTarget === null && target !== null && roundAuc !== null && roundAuc >= target) roundsToTarget = log.round;
        const up = Object.values(log.bytesUp).reduce((a, b) => a + b, 0);
        const down = Object.values(log.bytesDown).reduce((a, b) => a + b, 0);
        const wr = plan.secureAggregation ? wrapped?.lastRound() : undefined;
        const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
        convergence.push({
          round: log.round,
          pooledAuc: roundAuc,
          participants: log.participants,
          bytesUp: up,
          bytesDown: down,
          ...(wr && wr.round === log.round ? { secureAggregation: { bytesUp: sum(wr.bytesUpPerSite), bytesDown: sum(wr.bytesDownPerSite) } } : {}),
        });
        wrapped?.markRoundEnd();
      },
    }, recorder ? recorder.hook(observed(armName, ctx, wrapped?.hook)) : observed(armName, ctx, wrapped?.hook), remote);
    // A loop that stopped early (a privacy budget spent) still ends its curve on an evaluated round.
    const lastRecord = convergence[convergence.length - 1];
    if (lastRecord && lastRecord.round % evaluateEvery !== 0 && lastRecord.round !== t.rounds) {
      lastRecord.pooledAuc = auc(pooledTest.y, model.predict(run.params, pooledTest, roundScores));
      if (roundsToTarget === null && target !== null && lastRecord.pooledAuc !== null && lastRecord.pooledAuc >= target) roundsToTarget = lastRecord.round;
    }
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
    const extra: Partial<ArmSeedResult> = {
      convergence,
      communication: {
        rounds: run.rounds.length,
        bytesUpPerSite,
        bytesDownPerSite,
        totalBytesUp: Object.values(bytesUpPerSite).reduce((a, b) => a + b, 0),
        totalBytesDown: Object.values(bytesDownPerSite).reduce((a, b) => a + b, 0),
      },
      roundsToTarget,
      ...(hooks.privacy ? { privacy: hooks.privacy() } : {}),
    };
    if (wrapped) {
      const w = wrapped.record();
      extra.wrappers = w;
      warnings.push(...w.warnings.map((m) => `seed ${seed}, ${m}`));
    }
    if (recorder?.truncated) warnings.push(`seed ${seed}, ${armName}: round updates too large to record in full; contribution and client drift use the first ${recorder.rounds.length} rounds`);
    return { params: run.params, validation: ctx.pooledValidation, training: { steps, examplesSeen }, extra, ...(recorder ? { rounds: recorder.rounds } : {}) };
  } finally {
    wrapped?.dispose();
  }
}

/** The aggregation hook with the context's observer in front of it (the hook itself when there is none). */
function observed(arm: string, ctx: SeedContext, hook: AggregationHook | undefined): AggregationHook | undefined {
  const observe = ctx.observeAggregation;
  if (!observe) return hook;
  return async (request) => {
    observe(arm, request);
    return hook ? hook(request) : { aggregated: request.strategy.aggregate(request.updates, request.state) };
  };
}

/**
 * Sample level: DP-SGD at every client (the injected local trainer), one accountant per site
 * over the local steps of the rounds it joined; a round is refused when it would take any
 * participant past the budget.
 */
function sampleLevelHooks(plan: ArmPlan, t: StrategyTrainerPlan, p: PrivacyPlan, ctx: SeedContext): RoundHooks {
  const arm = plan.name;
  const { noiseMultiplier, delta } = p;
  const stepsPerRound = new Map(t.clients.map((c) => [c.id, c.stepsPerRound]));
  const guard = new BudgetGuard(p.budget, delta, t.clients.map((c) => c.id), preprocessingHistory(p.preprocessing));
  const holderStep = (id: string, steps: number) => ({ holder: id, noiseMultiplier, sampleRate: p.sites[id].sampleRate, steps });
  let stoppedAtBudget: ArmPrivacy['stoppedAtBudget'] = null;
  let roundsDone = 0;
  return {
    trainer: new DpSgdLocalTrainer({ noiseMultiplier, clipNorm: p.clipNorm, noise: (clientId, round) => ctx.noiseFor(arm, clientId, String(round)) }),
    beforeRound: (round, participants) => {
      const over = guard.check(participants.map((id) => holderStep(id, stepsPerRound.get(id) as number)));
      if (!over) return true;
      stoppedAtBudget = {
        completed: round - 1,
        planned: t.rounds,
        unit: 'rounds',
        message: `${arm}: stopped after ${round - 1} of ${t.rounds} rounds: round ${round} would take site ${over.holder} to ε = ${over.projected.toFixed(3)} > budget ${p.budget} (σ = ${noiseMultiplier}, q = ${p.sites[over.holder].sampleRate}, δ = ${delta})`,
      };
      return false;
    },
    afterRound: (log) => {
      roundsDone = log.round;
      guard.record(log.participants.map((id) => holderStep(id, log.localSteps[id] ?? (stepsPerRound.get(id) as number))));
    },
    privacy: () => {
      const sites: ArmPrivacy['sites'] = {};
      const notes: string[] = [];
      for (const c of t.clients) {
        const spent = guard.spent(c.id);
        sites[c.id] = { noiseMultiplier, sampleRate: p.sites[c.id].sampleRate, steps: spent.steps, epsilon: spent.epsilon, alpha: spent.alpha, ...preprocessingField(p) };
        for (const w of spent.warnings) notes.push(`site ${c.id}: ${w}`);
      }
      if (t.clientFraction < 1) notes.push('sites join a random subset of rounds; each is accounted over the rounds it joined');
      notes.push(`${roundsDone} rounds; each site is its own data holder with its own accountant (DP-SGD on its records)`);
      return { ...privacyBase(p, ctx, notes), sites, maxEpsilon: Math.max(0, ...Object.values(sites).map((x) => x.epsilon)), stoppedAtBudget };
    },
  };
}

/**
 * Client level (DP-FedAvg): the strategy wrapped in ClientLevelDp (clip each site's update,
 * noise the sum); one accountant for the federation over rounds.
 */
function clientLevelHooks(plan: ArmPlan, t: StrategyTrainerPlan, p: PrivacyPlan, ctx: SeedContext): RoundHooks {
  const arm = plan.name;
  const { noiseMultiplier, delta } = p;
  const sampleRate = t.clientSampling === 'poisson' ? t.clientFraction : 1;
  const guard = new BudgetGuard(p.budget, delta, ['*']);
  const step = { holder: '*', noiseMultiplier, sampleRate };
  let stoppedAtBudget: ArmPrivacy['stoppedAtBudget'] = null;
  const noise = ctx.noiseFor(arm, 'server');
  const perRound = p.expectedClientsPerRound as number;
  return {
    wrapStrategy: (inner) =>
      new ClientLevelDp(inner, {
        noiseMultiplier,
        clipNorm: p.clipNorm,
        expectedClientsPerRound: perRound,
        ...(p.adaptiveClipping ? { adaptiveClipping: p.adaptiveClipping } : {}),
        noise,
      }),
    beforeRound: (round) => {
      const over = guard.check([step]);
      if (!over) return true;
      stoppedAtBudget = {
        completed: round - 1,
        planned: t.rounds,
        unit: 'rounds',
        message: `${arm}: stopped after ${round - 1} of ${t.rounds} rounds: one more would reach ε = ${over.projected.toFixed(3)} > budget ${p.budget} (σ = ${noiseMultiplier}, q = ${sampleRate}, δ = ${delta})`,
      };
      return false;
    },
    afterRound: () => guard.record([step]),
    privacy: () => {
      const spent = guard.spent('*');
      const notes = [...spent.warnings, "client level: the guarantee covers a whole site's participation, not single records"];
      if (t.clientSampling === 'poisson') {
        notes.push(
          `Poisson client sampling: each site joins each round with probability q = ${sampleRate} (expected ${perRound.toFixed(2)} of ${t.clients.length}); the update average divides by that expected count (McMahan et al. 2018)`,
        );
      }
      if (p.adaptiveClipping) notes.push('adaptive clipping (Andrew et al. 2021): ε accounts for the noised count release');
      const sites: ArmPrivacy['sites'] = {};
      for (const s of ctx.sites) sites[s.id] = { noiseMultiplier, sampleRate, steps: spent.steps, epsilon: spent.epsilon, alpha: spent.alpha };
      return { ...privacyBase(p, ctx, notes), sites, maxEpsilon: spent.epsilon, stoppedAtBudget };
    },
  };
}
