/**
 * The plans of the differentially private arms: each configured arm (central, local, a
 * federated strategy) once per target ε, named like `fedavg+dp(eps=1)`. σ is calibrated here so
 * that every site's ε stays at or under the target (Opacus's bisection, never overshooting);
 * with a fixed σ the ε spent is reported and an optional budget caps it. Nothing trains here:
 * run-arm.ts executes the plans, budget-guard.ts stops training before a step that would push a
 * site past its budget.
 *
 * Sample level (DP-SGD, Abadi et al. 2016): every site is its own data holder with its own
 * accountant; a federated arm's site spends ε over the local steps of the rounds it joined. The
 * central arm is one DP-SGD run over the pooled data; each site's records are in it, so each
 * site spends that run's ε. Client level (DP-FedAvg, McMahan et al. 2018): the unit protected is
 * a site's whole contribution; one accountant over rounds with client sampling rate q = m/N.
 */
import { participantsPerRound } from '../federated/run-federated.js';
import type { StrategyName } from '../federated/registry.js';
import { dpSgdSteps } from '../privacy/dp-sgd.js';
import { sampleRateForBatchSize } from '../privacy/poisson-sampling.js';
import { RdpAccountant, epsilonOfHistory } from '../privacy/accountant/accountant.js';
import { BENCH_ORDERS } from './bench-orders.js';
import { noiseMultiplierFor } from '../privacy/accountant/calibrate.js';
import { armBudget, type BenchConfig, type PrivacyConfig } from './config.js';
import { strategyTrainer, type ArmPlan, type PooledTrainerPlan, type PrivacyPlan, type SitePlanInput, type SiteTrainerPlan } from './arm-plan.js';

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

/**
 * δ, resolved in this one place: the configured value, or the default from the data (the
 * largest power of ten ≤ 1/(10·n) for the smallest site, so δ < 1/n); `deltaRule` says which.
 */
export function resolveDelta(privacy: PrivacyConfig, siteRowCounts: readonly number[]): PrivacyConfig {
  if (privacy.delta === null) {
    return {
      ...privacy,
      delta: defaultDelta(siteRowCounts),
      deltaRule: `default: the largest power of ten ≤ 1/(10·n) for the smallest site (n = ${Math.min(...siteRowCounts)} patients), so δ < 1/n`,
    };
  }
  return { ...privacy, deltaRule: 'set in the configuration' };
}

/** `fedavg+dp(eps=1)`, `local:site-a+dp(eps=0.1)`, `central+dp(sigma=1.1)`. */
export function dpArmName(base: string, privacy: PrivacyConfig, targetEpsilon: number | null): string {
  return targetEpsilon !== null ? `${base}+dp(eps=${targetEpsilon})` : `${base}+dp(sigma=${privacy.noiseMultiplier})`;
}

export const CONVERSION = 'Balle et al. 2020, Thm 21 (as Opacus)';

/** Opacus's orders extended to α = 512 (bench-orders.ts). */
export { BENCH_ORDERS };
export const ORDERS_NOTE = 'RDP orders: Opacus defaults extended to α = 512';
type Entry = { noiseMultiplier: number; sampleRate: number; steps: number };

/**
 * The accountant entry of the DP preprocessing release (privacy/dp-statistics.ts): the Gaussian
 * mechanism is the sampled Gaussian at q = 1 for one step; none without --dp-preprocessing.
 */
export function preprocessingHistory(preprocessing: { noiseMultiplier: number } | null | undefined): Entry[] {
  return preprocessing ? [{ noiseMultiplier: preprocessing.noiseMultiplier, sampleRate: 1, steps: 1 }] : [];
}

/** A fresh accountant over the bench's orders, holding `prefix` (the preprocessing release) first. */
export const newAccountant = (prefix: readonly Entry[] = []): RdpAccountant => new RdpAccountant({ orders: BENCH_ORDERS, history: prefix });

export function epsilonOf(history: Entry[], delta: number, prefix: readonly Entry[] = []) {
  const spent = epsilonOfHistory([...prefix, ...history], delta, { orders: BENCH_ORDERS });
  return { epsilon: spent.epsilon, alpha: Number.isFinite(spent.alpha) ? spent.alpha : null, warnings: spent.warnings };
}

/**
 * σ of the preprocessing release: fixed, or calibrated so that the release alone costs at most
 * its target ε at δ (the same bisection and orders as training).
 */
export function preprocessingNoiseMultiplier(p: { targetEpsilon: number | null; noiseMultiplier: number | null }, delta: number): number {
  if (p.noiseMultiplier !== null) return p.noiseMultiplier;
  return noiseMultiplierFor({ targetEpsilon: p.targetEpsilon as number, delta, sampleRate: 1, steps: 1, accountant: () => newAccountant() }).noiseMultiplier;
}

/** The largest step count T ≤ planned with ε(prefix + (σ, q, T)) ≤ budget (ε is increasing in T). */
export function stepsWithinBudget(noiseMultiplier: number, sampleRate: number, planned: number, delta: number, budget: number, prefix: readonly Entry[] = []): number {
  const eps = (t: number) => (t === 0 && prefix.length === 0 ? 0 : epsilonOfHistory([...prefix, { noiseMultiplier, sampleRate, steps: t }], delta, { orders: BENCH_ORDERS }).epsilon);
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

function calibrate(targetEpsilon: number, delta: number, sampleRate: number, steps: number, prefix: readonly Entry[] = []): number {
  return noiseMultiplierFor({ targetEpsilon, delta, sampleRate, steps, accountant: () => newAccountant(prefix) }).noiseMultiplier;
}

/**
 * The DP arms of a run: per target ε (or once for a fixed σ), at sample level the central and
 * local DP-SGD arms, then each listed strategy at the configured level.
 */
export function planPrivacyArms(config: BenchConfig, privacy: PrivacyConfig, sites: readonly SitePlanInput[]): ArmPlan[] {
  if (privacy.delta === null) throw new Error('internal: δ must be resolved (resolveDelta) before planning DP arms');
  const delta = privacy.delta;
  const targets: (number | null)[] = privacy.epsilons ?? [null];
  const plans: ArmPlan[] = [];
  for (const targetEpsilon of targets) {
    const pre = privacy.preprocessing?.noiseMultiplier;
    const base = {
      targetEpsilon,
      delta,
      clipNorm: privacy.clipNorm,
      budget: privacy.budget ?? targetEpsilon,
      accountant: 'rdp' as const,
      noiseSeed: privacy.noiseSeed,
      ...(pre !== undefined && pre !== null ? { preprocessing: { noiseMultiplier: pre } } : {}),
    };
    if (privacy.level === 'sample') {
      if (privacy.arms.includes('central')) {
        const trainer = pooledTrainerFor(config, sites);
        plans.push({ name: dpArmName('central', privacy, targetEpsilon), family: 'central', trainer, privacy: dpSgdPrivacy(privacy, base, trainer, sites.map((s) => s.id)) });
      }
      if (privacy.arms.includes('local')) {
        for (const site of sites) {
          const trainer = siteTrainerFor(config, site, sites.length);
          plans.push({ name: dpArmName(`local:${site.id}`, privacy, targetEpsilon), family: 'local', trainer, privacy: dpSgdPrivacy(privacy, base, trainer, [site.id]) });
        }
      }
    }
    for (const name of privacy.arms.filter((a): a is StrategyName => a !== 'central' && a !== 'local')) {
      plans.push(privacy.level === 'sample' ? sampleLevelFederated(config, privacy, base, name, sites) : clientLevelFederated(config, privacy, base, name, sites));
    }
  }
  return plans;
}

type PrivacyBase = Pick<PrivacyPlan, 'targetEpsilon' | 'delta' | 'clipNorm' | 'budget' | 'accountant' | 'noiseSeed' | 'preprocessing'>;

/** DP-SGD's sampling rate for a batch size: q = 1/⌈n/B⌉ (an empty data set counts as one row). */
const dpSgdRate = (batchSize: number, rows: number): number => sampleRateForBatchSize(batchSize, Math.max(1, rows));

function pooledTrainerFor(config: BenchConfig, sites: readonly SitePlanInput[]): PooledTrainerPlan {
  const budget = armBudget(config, 'central', sites.length);
  const rows = sites.reduce((a, s) => a + s.trainRows, 0);
  const t = config.training;
  return { kind: 'pooled', optimizer: t.optimizer, batchSize: t.batchSize, ...budget, rows, plannedSteps: dpSgdSteps(budget, dpSgdRate(t.batchSize, rows)) };
}

function siteTrainerFor(config: BenchConfig, site: SitePlanInput, siteCount: number): SiteTrainerPlan {
  const budget = armBudget(config, 'local', siteCount);
  const t = config.training;
  return { kind: 'site', site: site.id, optimizer: t.optimizer, batchSize: t.batchSize, ...budget, rows: site.trainRows, plannedSteps: dpSgdSteps(budget, dpSgdRate(t.batchSize, site.trainRows)) };
}

/** One DP-SGD run (central: pooled; local: one site): σ for the planned steps, and the steps within the budget. */
function dpSgdPrivacy(privacy: PrivacyConfig, base: PrivacyBase, trainer: PooledTrainerPlan | SiteTrainerPlan, siteIds: readonly string[]): PrivacyPlan {
  const sampleRate = dpSgdRate(trainer.batchSize, trainer.rows);
  const planned = trainer.plannedSteps;
  const prefix = preprocessingHistory(base.preprocessing);
  const noiseMultiplier = base.targetEpsilon !== null ? calibrate(base.targetEpsilon, base.delta, sampleRate, planned, prefix) : (privacy.noiseMultiplier as number);
  const steps = base.budget !== null ? stepsWithinBudget(noiseMultiplier, sampleRate, planned, base.delta, base.budget, prefix) : planned;
  const sites: PrivacyPlan['sites'] = {};
  for (const id of siteIds) sites[id] = { sampleRate, plannedSteps: planned };
  return { level: 'sample', ...orderedBase(base, noiseMultiplier), unit: 'steps', sites, stepsWithinBudget: steps };
}

function orderedBase(base: PrivacyBase, noiseMultiplier: number) {
  return {
    targetEpsilon: base.targetEpsilon,
    noiseMultiplier,
    delta: base.delta,
    clipNorm: base.clipNorm,
    budget: base.budget,
    accountant: base.accountant,
    noiseSeed: base.noiseSeed,
    ...(base.preprocessing ? { preprocessing: base.preprocessing } : {}),
  };
}

/**
 * Sample level, federated: per site q_k and DP-SGD steps per round; σ is calibrated for the site
 * that needs the most noise if it joined every round, so every site ends at or under the target.
 */
function sampleLevelFederated(config: BenchConfig, privacy: PrivacyConfig, base: PrivacyBase, name: StrategyName, sites: readonly SitePlanInput[]): ArmPlan {
  const f = config.federated;
  const budget = { steps: f.localSteps, epochs: f.localSteps !== undefined ? undefined : f.localEpochs };
  const rate = (s: SitePlanInput) => sampleRateForBatchSize(f.batchSize, s.trainRows);
  const trainer = strategyTrainer(config, name, sites, 'fixed', (s) => dpSgdSteps(budget, rate(s)));
  const perSite: PrivacyPlan['sites'] = {};
  for (const c of trainer.clients) {
    const site = sites.find((s) => s.id === c.id) as SitePlanInput;
    perSite[c.id] = { sampleRate: rate(site), plannedSteps: c.stepsPerRound * f.rounds };
  }
  const noiseMultiplier =
    base.targetEpsilon !== null
      ? Math.max(...Object.values(perSite).map((p) => calibrate(base.targetEpsilon as number, base.delta, p.sampleRate, p.plannedSteps, preprocessingHistory(base.preprocessing))))
      : (privacy.noiseMultiplier as number);
  return { name: dpArmName(name, privacy, base.targetEpsilon), family: 'federated', trainer, privacy: { level: 'sample', ...orderedBase(base, noiseMultiplier), unit: 'steps', sites: perSite } };
}

/**
 * Client level: one accountant over rounds. Fewer than all sites per round: Poisson sampling
 * with q = clientFraction, the sampling the RDP analysis of the subsampled Gaussian assumes (a
 * fixed-size draw would only approximate it).
 */
function clientLevelFederated(config: BenchConfig, privacy: PrivacyConfig, base: PrivacyBase, name: StrategyName, sites: readonly SitePlanInput[]): ArmPlan {
  const f = config.federated;
  const poisson = f.clientFraction < 1;
  const trainer = strategyTrainer(config, name, sites, poisson ? 'poisson' : 'fixed');
  const clientCount = trainer.clients.length;
  const sampleRate = poisson ? f.clientFraction : 1;
  const expectedClientsPerRound = poisson ? sampleRate * clientCount : participantsPerRound(1, clientCount);
  const noiseMultiplier = base.targetEpsilon !== null ? calibrate(base.targetEpsilon, base.delta, sampleRate, f.rounds) : (privacy.noiseMultiplier as number);
  const perSite: PrivacyPlan['sites'] = {};
  for (const s of sites) perSite[s.id] = { sampleRate, plannedSteps: f.rounds };
  return {
    name: dpArmName(name, privacy, base.targetEpsilon),
    family: 'federated',
    trainer,
    privacy: {
      level: 'client',
      ...orderedBase(base, noiseMultiplier),
      unit: 'rounds',
      sites: perSite,
      expectedClientsPerRound,
      ...(privacy.adaptiveClipping ? { adaptiveClipping: privacy.adaptiveClipping } : {}),
    },
  };
}
