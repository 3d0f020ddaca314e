/**
 * Differentially private arms: each configured arm (central, local, a federated strategy) once per
 * target ε, named like `fedavg+dp(eps=1)`. σ is calibrated so that every site's ε stays at or
 * under the target (Opacus's bisection, never overshooting); with a fixed σ the ε spent is
 * reported and an optional budget caps it. Training never takes a step that would push a site
 * past its budget: it stops before, and the arm records where and why (exit 3 in the CLI).
 *
 * Sample level (DP-SGD, Abadi et al. 2016): every site is its own data holder with its own
 * accountant; a federated arm's site spends ε over the local steps of the rounds it joined. The
 * central arm is one DP-SGD run over the pooled data; each site's records are in it, so each
 * site spends that run's ε. Client level (DP-FedAvg, McMahan et al. 2018): the unit protected is
 * a site's whole contribution; one accountant over rounds with client sampling rate q = m/N.
 */
import { UsageError } from '../errors.js';
import { createOptimizer } from '../model/optimizer.js';
import type { LabeledData, Model } from '../model/types.js';
import { participantsPerRound } from '../federated/run-federated.js';
import { clientSampleRate } from '../federated/client-training.js';
import type { LocalConfig } from '../federated/types.js';
import { hasPerExampleGradients } from '../model/types.js';
import { trainDpSgd, dpSgdSteps } from '../privacy/dp-sgd.js';
import { sampleRateForBatchSize } from '../privacy/poisson-sampling.js';
import { ClientLevelDp } from '../privacy/client-dp.js';
import { RdpAccountant } from '../privacy/accountant/accountant.js';
import { epsilonOfHistory } from '../privacy/accountant/accountant.js';
import { DEFAULT_ORDERS } from '../privacy/accountant/rdp.js';
import { noiseMultiplierFor } from '../privacy/accountant/calibrate.js';
import { createNoiseSource, type NoiseSource } from '../privacy/secure-noise.js';
import { armBudget, type BenchConfig, type PrivacyConfig } from './config.js';
import type { PreparedSite } from '../data/prepare/types.js';
import type { ArmPrivacy, ArmSeedResult } from './results.js';
import type { FederatedArmExtras, Progress } from './run-seed.js';
import type { StrategyName } from '../federated/types.js';

export interface PrivacyArmsContext {
  config: BenchConfig;
  privacy: PrivacyConfig;
  seed: number;
  model: Model;
  sites: readonly PreparedSite[];
  initialParams: Float64Array;
  centralTrain: LabeledData;
  pooledValidation: LabeledData;
  record: (
    arm: string,
    family: ArmSeedResult['family'],
    params: Float64Array,
    validation: LabeledData,
    training: { steps: number; examplesSeen: number },
    extra?: Partial<ArmSeedResult>,
  ) => ArmSeedResult;
  federatedArm: (armName: string, name: StrategyName, extra: FederatedArmExtras) => ArmSeedResult;
  streamOf: (...labels: string[]) => () => number;
  onProgress?: Progress;
}

/** δ below 1/n of the smallest site: the largest power of ten at most 1/(10·n_min). */
export function defaultDelta(siteRowCounts: readonly number[]): number {
  const nMin = Math.max(1, Math.min(...siteRowCounts));
  const limit = 1 / (10 * nMin);
  // Through the decimal string, so 1e-4 is the double nearest 0.0001 (10 ** -4 is not); the
  // exponent is corrected where log10 rounds across an integer.
  let exponent = Math.floor(Math.log10(limit));
  if (Number(`1e${exponent + 1}`) <= limit) exponent++;
  if (Number(`1e${exponent}`) > limit) exponent--;
  return Number(`1e${exponent}`);
}

/** `fedavg+dp(eps=1)`, `local:site-a+dp(eps=0.1)`, `central+dp(sigma=1.1)`. */
export function dpArmName(base: string, privacy: PrivacyConfig, targetEpsilon: number | null): string {
  return targetEpsilon !== null ? `${base}+dp(eps=${targetEpsilon})` : `${base}+dp(sigma=${privacy.noiseMultiplier})`;
}

const CONVERSION = 'Balle et al. 2020, Thm 21 (as Opacus)';

/**
 * Opacus's orders extended to α = 512. Every order gives a valid bound, so more orders only
 * tighten ε; the extension matters for small ε over many steps, where Opacus's largest order
 * (63) puts a floor under the converted ε (≈ 0.103 at δ = 1e-5) that no σ can go below.
 */
export const BENCH_ORDERS: readonly number[] = [...DEFAULT_ORDERS, 72, 80, 96, 112, 128, 160, 192, 256, 320, 384, 512];
const ORDERS_NOTE = 'RDP orders: Opacus defaults extended to α = 512';
const newAccountant = () => new RdpAccountant({ orders: BENCH_ORDERS });

function epsilonOf(history: { noiseMultiplier: number; sampleRate: number; steps: number }[], delta: number) {
  const spent = epsilonOfHistory(history, delta, { orders: BENCH_ORDERS });
  return { epsilon: spent.epsilon, alpha: Number.isFinite(spent.alpha) ? spent.alpha : null, warnings: spent.warnings };
}

/** The largest step count T ≤ planned with ε(σ, q, T) ≤ budget (ε is increasing in T). */
export function stepsWithinBudget(noiseMultiplier: number, sampleRate: number, planned: number, delta: number, budget: number): number {
  const eps = (t: number) => (t === 0 ? 0 : epsilonOfHistory([{ noiseMultiplier, sampleRate, steps: t }], delta, { orders: BENCH_ORDERS }).epsilon);
  if (eps(planned) <= budget) return planned;
  let lo = 0;
  let hi = planned;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (eps(mid) <= budget) lo = mid;
    else hi = mid;
  }
  return lo;
}

function calibrate(targetEpsilon: number, delta: number, sampleRate: number, steps: number): number {
  return noiseMultiplierFor({ targetEpsilon, delta, sampleRate, steps, accountant: newAccountant }).noiseMultiplier;
}

export function runPrivacyArms(ctx: PrivacyArmsContext): void {
  const { privacy, model } = ctx;
  if (!hasPerExampleGradients(model)) {
    throw new UsageError('differential privacy needs per-example gradients: use model.backend js (the tfjs backend has none)');
  }
  const delta = privacy.delta as number;
  const targets: (number | null)[] = privacy.epsilons ?? [null];
  const seededNoise = privacy.noiseSeed;
  const secure = seededNoise === null;
  // One secure source serves every arm; a seeded one gets its own stream per arm, site and round.
  const secureSource = secure ? createNoiseSource() : null;
  const noiseFor = (...labels: string[]): NoiseSource => secureSource ?? createNoiseSource({ seed: seededNoise as number, labels: [String(ctx.seed), ...labels] });
  const base = (targetEpsilon: number | null, budget: number | null, notes: string[] = []) => ({
    level: privacy.level,
    targetEpsilon,
    delta,
    clipNorm: privacy.clipNorm,
    accountant: 'rdp' as const,
    conversion: `${CONVERSION}; ${ORDERS_NOTE}`,
    secureNoise: secure,
    budget,
    notes: secure ? notes : [...notes, 'noise from a seeded generator: NOT secure (reproducibility run)'],
  });

  for (const targetEpsilon of targets) {
    const budget = privacy.budget ?? targetEpsilon;
    if (privacy.level === 'sample') {
      if (privacy.arms.includes('central')) centralArm(ctx, targetEpsilon, budget, delta, noiseFor, base);
      if (privacy.arms.includes('local')) for (const site of ctx.sites) localArm(ctx, site, targetEpsilon, budget, delta, noiseFor, base);
    }
    for (const name of privacy.arms.filter((a): a is StrategyName => a !== 'central' && a !== 'local')) {
      if (privacy.level === 'sample') sampleLevelFederated(ctx, name, targetEpsilon, budget, delta, noiseFor, base);
      else clientLevelFederated(ctx, name, targetEpsilon, budget, delta, noiseFor, base);
    }
  }
}

type BaseFn = (targetEpsilon: number | null, budget: number | null, notes?: string[]) => Omit<ArmPrivacy, 'sites' | 'maxEpsilon' | 'stoppedAtBudget'>;
type NoiseFor = (...labels: string[]) => NoiseSource;

/** One DP-SGD run on one data set (central: pooled; local: one site). */
function dpSgdRun(
  ctx: PrivacyArmsContext,
  arm: string,
  data: LabeledData,
  budgetSteps: { epochs?: number; steps?: number },
  targetEpsilon: number | null,
  budget: number | null,
  delta: number,
  noise: NoiseSource,
  shuffleLabel: string[],
) {
  const { privacy, config } = ctx;
  const sampleRate = sampleRateForBatchSize(config.training.batchSize, Math.max(1, data.n));
  const planned = dpSgdSteps(budgetSteps, sampleRate);
  const noiseMultiplier = targetEpsilon !== null ? calibrate(targetEpsilon, delta, sampleRate, planned) : (privacy.noiseMultiplier as number);
  const steps = budget !== null ? stepsWithinBudget(noiseMultiplier, sampleRate, planned, delta, budget) : planned;
  const params = Float64Array.from(ctx.initialParams);
  ctx.onProgress?.({ seed: ctx.seed, arm });
  const result =
    steps > 0 && data.n > 0
      ? trainDpSgd(ctx.model, params, data, {
          sampleRate,
          noiseMultiplier,
          clipNorm: privacy.clipNorm,
          steps,
          optimizer: createOptimizer(config.training.optimizer),
          random: ctx.streamOf(...shuffleLabel),
          noise,
        })
      : { steps: 0, examplesSeen: 0 };
  const spent = epsilonOf([{ noiseMultiplier, sampleRate, steps }], delta);
  const stoppedAtBudget =
    steps < planned
      ? {
          completed: steps,
          planned,
          unit: 'steps' as const,
          message: `${arm}: stopped after ${steps} of ${planned} DP-SGD steps: one more would exceed the budget ε = ${budget} (σ = ${noiseMultiplier}, q = ${sampleRate}, δ = ${delta})`,
        }
      : null;
  return { params, training: { steps: result.steps, examplesSeen: result.examplesSeen }, noiseMultiplier, sampleRate, steps, spent, stoppedAtBudget };
}

function centralArm(ctx: PrivacyArmsContext, targetEpsilon: number | null, budget: number | null, delta: number, noiseFor: NoiseFor, base: BaseFn): void {
  const arm = dpArmName('central', ctx.privacy, targetEpsilon);
  const run = dpSgdRun(ctx, arm, ctx.centralTrain, armBudget(ctx.config, 'central', ctx.sites.length), targetEpsilon, budget, delta, noiseFor(arm), [arm, 'sampling']);
  const sites: ArmPrivacy['sites'] = {};
  for (const s of ctx.sites) sites[s.id] = { noiseMultiplier: run.noiseMultiplier, sampleRate: run.sampleRate, steps: run.steps, epsilon: run.spent.epsilon, alpha: run.spent.alpha };
  ctx.record(arm, 'central', run.params, ctx.pooledValidation, run.training, {
    privacy: {
      ...base(targetEpsilon, budget, ['one DP-SGD run over the pooled data: every site spends its ε', ...run.spent.warnings]),
      sites,
      maxEpsilon: run.spent.epsilon,
      stoppedAtBudget: run.stoppedAtBudget,
    },
  });
}

function localArm(
  ctx: PrivacyArmsContext,
  site: PreparedSite,
  targetEpsilon: number | null,
  budget: number | null,
  delta: number,
  noiseFor: NoiseFor,
  base: BaseFn,
): void {
  const arm = dpArmName(`local:${site.id}`, ctx.privacy, targetEpsilon);
  const run = dpSgdRun(ctx, arm, site.train.data, armBudget(ctx.config, 'local', ctx.sites.length), targetEpsilon, budget, delta, noiseFor(arm), [arm, 'sampling']);
  const sites: ArmPrivacy['sites'] = {
    [site.id]: { noiseMultiplier: run.noiseMultiplier, sampleRate: run.sampleRate, steps: run.steps, epsilon: run.spent.epsilon, alpha: run.spent.alpha },
  };
  ctx.record(arm, 'local', run.params, site.validation.data, run.training, {
    trainedOn: site.id,
    privacy: { ...base(targetEpsilon, budget, run.spent.warnings), sites, maxEpsilon: run.spent.epsilon, stoppedAtBudget: run.stoppedAtBudget },
  });
}

function sampleLevelFederated(
  ctx: PrivacyArmsContext,
  name: StrategyName,
  targetEpsilon: number | null,
  budget: number | null,
  delta: number,
  noiseFor: NoiseFor,
  base: BaseFn,
): void {
  const { config, privacy } = ctx;
  const arm = dpArmName(name, privacy, targetEpsilon);
  const f = config.federated;
  const local: LocalConfig = {
    batchSize: f.batchSize,
    ...(f.localSteps !== undefined ? { steps: f.localSteps } : { epochs: f.localEpochs }),
    optimizer: config.federated.strategies[name].clientOptimizer,
  };
  const clients = ctx.sites.filter((s) => s.train.data.n > 0);
  // Per site: q_k and steps per round; σ is calibrated for the site that needs the most noise
  // if it joined every round, so every site ends at or under the target.
  const plan = new Map(
    clients.map((s) => {
      const q = clientSampleRate(local, s.train.data.n);
      return [s.id, { sampleRate: q, stepsPerRound: dpSgdSteps({ steps: local.steps, epochs: local.epochs }, q) }];
    }),
  );
  const noiseMultiplier =
    targetEpsilon !== null
      ? Math.max(...[...plan.values()].map((p) => calibrate(targetEpsilon, delta, p.sampleRate, p.stepsPerRound * f.rounds)))
      : (privacy.noiseMultiplier as number);
  const accountants = new Map(clients.map((s) => [s.id, newAccountant()]));
  let stoppedAtBudget: ArmPrivacy['stoppedAtBudget'] = null;
  let roundsDone = 0;
  ctx.federatedArm(arm, name, {
    dpSgd: {
      noiseMultiplier,
      clipNorm: privacy.clipNorm,
      noise: (clientId, round) => noiseFor(arm, clientId, String(round)),
    },
    beforeRound: (round, participants) => {
      if (budget === null) return true;
      for (const id of participants) {
        const p = plan.get(id)!;
        const projected = accountants.get(id)!.projectEpsilon({ noiseMultiplier, sampleRate: p.sampleRate, steps: p.stepsPerRound }, delta).epsilon;
        if (projected > budget) {
          stoppedAtBudget = {
            completed: round - 1,
            planned: f.rounds,
            unit: 'rounds',
            message: `${arm}: stopped after ${round - 1} of ${f.rounds} rounds: round ${round} would take site ${id} to ε = ${projected.toFixed(3)} > budget ${budget} (σ = ${noiseMultiplier}, q = ${p.sampleRate}, δ = ${delta})`,
          };
          return false;
        }
      }
      return true;
    },
    afterRound: (log) => {
      roundsDone = log.round;
      for (const id of log.participants) {
        const p = plan.get(id)!;
        accountants.get(id)!.step({ noiseMultiplier, sampleRate: p.sampleRate, steps: log.localSteps[id] ?? p.stepsPerRound });
      }
    },
    privacy: () => {
      const sites: ArmPrivacy['sites'] = {};
      const notes: string[] = [];
      for (const s of clients) {
        const acc = accountants.get(s.id)!;
        const spent = acc.getEpsilon(delta);
        const steps = acc.history.reduce((a, h) => a + h.steps, 0);
        sites[s.id] = { noiseMultiplier, sampleRate: plan.get(s.id)!.sampleRate, steps, epsilon: steps === 0 ? 0 : spent.epsilon, alpha: steps === 0 || !Number.isFinite(spent.alpha) ? null : spent.alpha };
        for (const w of spent.warnings) notes.push(`site ${s.id}: ${w}`);
      }
      if (f.clientFraction < 1) notes.push('sites join a random subset of rounds; each is accounted over the rounds it joined');
      notes.push(`${roundsDone} rounds; each site is its own data holder with its own accountant (DP-SGD on its records)`);
      return { ...base(targetEpsilon, budget, notes), sites, maxEpsilon: Math.max(0, ...Object.values(sites).map((x) => x.epsilon)), stoppedAtBudget };
    },
  });
}

function clientLevelFederated(
  ctx: PrivacyArmsContext,
  name: StrategyName,
  targetEpsilon: number | null,
  budget: number | null,
  delta: number,
  noiseFor: NoiseFor,
  base: BaseFn,
): void {
  const { config, privacy } = ctx;
  const arm = dpArmName(name, privacy, targetEpsilon);
  const f = config.federated;
  const clientCount = ctx.sites.filter((s) => s.train.data.n > 0).length;
  // Fewer than all sites per round: Poisson sampling with q = clientFraction, the sampling the
  // RDP analysis of the subsampled Gaussian assumes (a fixed-size draw would only approximate it).
  const poisson = f.clientFraction < 1;
  const sampleRate = poisson ? f.clientFraction : 1;
  const perRound = poisson ? sampleRate * clientCount : participantsPerRound(1, clientCount);
  const noiseMultiplier = targetEpsilon !== null ? calibrate(targetEpsilon, delta, sampleRate, f.rounds) : (privacy.noiseMultiplier as number);
  const accountant = newAccountant();
  let stoppedAtBudget: ArmPrivacy['stoppedAtBudget'] = null;
  let wrapper: ClientLevelDp | null = null;
  const noise = noiseFor(arm, 'server');
  ctx.federatedArm(arm, name, {
    wrapStrategy: (inner) =>
      (wrapper = new ClientLevelDp(inner, {
        noiseMultiplier,
        clipNorm: privacy.clipNorm,
        expectedClientsPerRound: perRound,
        ...(privacy.adaptiveClipping ? { adaptiveClipping: privacy.adaptiveClipping } : {}),
        noise,
      })),
    beforeRound: (round) => {
      if (budget === null) return true;
      const projected = accountant.projectEpsilon({ noiseMultiplier, sampleRate }, delta).epsilon;
      if (projected > budget) {
        stoppedAtBudget = {
          completed: round - 1,
          planned: f.rounds,
          unit: 'rounds',
          message: `${arm}: stopped after ${round - 1} of ${f.rounds} rounds: one more would reach ε = ${projected.toFixed(3)} > budget ${budget} (σ = ${noiseMultiplier}, q = ${sampleRate}, δ = ${delta})`,
        };
        return false;
      }
      return true;
    },
    afterRound: () => accountant.step({ noiseMultiplier, sampleRate }),
    clientSampling: poisson ? 'poisson' : 'fixed',
    privacy: () => {
      const spent = accountant.getEpsilon(delta);
      const rounds = accountant.history.reduce((a, h) => a + h.steps, 0);
      const notes = [...spent.warnings, 'client level: the guarantee covers a whole site\'s participation, not single records'];
      if (poisson) {
        notes.push(
          `Poisson client sampling: each site joins each round with probability q = ${sampleRate} (expected ${perRound.toFixed(2)} of ${clientCount}); the update average divides by that expected count (McMahan et al. 2018)`,
        );
      }
      if (wrapper && privacy.adaptiveClipping) notes.push('adaptive clipping (Andrew et al. 2021): ε accounts for the noised count release');
      const epsilon = rounds === 0 ? 0 : spent.epsilon;
      const sites: ArmPrivacy['sites'] = {};
      for (const s of ctx.sites) sites[s.id] = { noiseMultiplier, sampleRate, steps: rounds, epsilon, alpha: rounds === 0 || !Number.isFinite(spent.alpha) ? null : spent.alpha };
      return { ...base(targetEpsilon, budget, notes), sites, maxEpsilon: epsilon, stoppedAtBudget };
    },
  });
}
