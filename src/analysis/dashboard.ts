/**
 * The consortium dashboard of a bench run: subgroup fairness per arm, site contribution per
 * federated arm, and drift (over enrollment time per site, and client drift over rounds). Reads
 * a finished run (runner.ts BenchRun: results, the data set, the prepared seeds, the outcomes
 * with their recorded round updates); trains nothing, except the exact-retraining check of the
 * contribution on consortia of at most RETRAIN_MAX_SITES sites.
 */
import { SPLIT_TEST } from '../data/prepare/types.js';
import { targetColumn } from '../data/prepare/prepare.js';
import type { BenchRun } from '../bench/runner.js';
import type { StrategyTrainerPlan } from '../bench/arm-plan.js';
import { seedContext } from '../bench/run-seed.js';
import { concatFloat } from '../bench/evaluate.js';
import type { RecordedRound } from '../bench/round-recorder.js';
import { summarize, type Summary } from '../metrics/summarize.js';
import { RACE_ETHNICITY } from '../scenario/race-ethnicity.js';
import { reconstructedValues, retrainedValues, spearman, validationUtility, type SiteValues, type Utility } from './contribution.js';
import { MIN_PARALLEL_VALUATION_WORK, valuationWork, valueInWorkers, type ValuationTask } from './valuation-pool.js';
import type { FederatedRunOptions } from '../federated/types.js';
import { updateDrift } from './drift-stats.js';
import { siteEnrollmentDrift, periodIndexOfYear, type SiteEnrollmentDrift } from './enrollment-drift.js';
import { sitePopulationShift, type SitePopulationShift } from './site-shift.js';
import { compareGaps, gapSentence, seedFairness, summarizeArmFairness, type ArmFairness, type GapComparison, type SeedFairness } from './fairness.js';
import { MAX_SHAPLEY_SITES } from './shapley.js';
import { concatAttributes, siteAttributes, type AttributeCodes, type SubgroupAttribute } from './subgroups.js';
import type { BenchDataset } from '../data/prepare/types.js';

/** Exact retraining (2^n - 1 federated runs) checks the reconstruction up to this many sites. */
export const RETRAIN_MAX_SITES = 5;
export const LOCAL_REFERENCE = 'local (each site its own model)';

export interface FairnessSection {
  attributes: SubgroupAttribute[];
  arms: ArmFairness[];
  /** Per non-local arm: its gaps vs the local reference, seed-paired. */
  federationVsLocal: { arm: string; answer: string; comparisons: GapComparison[] }[];
  note: string;
}

export interface ArmContribution {
  arm: string;
  method: 'reconstructed';
  sites: string[];
  shapley: (Summary | null)[];
  leaveOneOut: (Summary | null)[];
  /** Sites by mean Shapley value, highest first. */
  ranking: string[];
  /** Exact retraining on the first seed (small consortia only). */
  retrained: { seed: number; shapley: number[]; leaveOneOut: number[]; spearman: number; maxAbsDifference: number } | null;
}

export interface ContributionSection {
  /** Arms not valued, and why. */
  skipped?: string[];
  utility: string;
  arms: ArmContribution[];
  note: string;
}

export interface ClientDriftArm {
  arm: string;
  strategy: string;
  /** Per round: mean over seeds and participants of the update norm and cosine to the aggregate update. */
  rounds: { round: number; meanNorm: number; meanCosine: number | null; meanDistance: number }[];
  /** Per site over rounds and seeds. */
  sites: Record<string, { meanNorm: number; meanCosine: number | null }>;
  meanCosine: number | null;
  meanRelativeDistance: number | null;
}

export interface DriftSection {
  enrollment: (SiteEnrollmentDrift & { plantedSwitch: { date: string; periodIndex: number } | null; switchFound: boolean | null })[];
  /** Feature-shift alarms over tests, over every site. */
  falseAlarmRate: { alarms: number; tests: number };
  /** Between-site population shift: each site vs the pooled other sites (site-shift.ts). */
  siteShift: SitePopulationShift[];
  clientDrift: ClientDriftArm[];
  note: string;
}

export interface Dashboard {
  fairness: FairnessSection;
  contribution: ContributionSection;
  drift: DriftSection;
}

function testRows(split: Int8Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < split.length; i++) if (split[i] === SPLIT_TEST) out.push(i);
  return Int32Array.from(out);
}

export function analyzeRun(run: BenchRun): Dashboard {
  const { items, skipped } = valuations(run);
  return dashboardOf(run, items, valuedInThread(items), skipped);
}

const valuedInThread = (items: readonly ArmSeedValuation[]): SiteValues[] => items.map((it) => reconstructedValues(it.task.siteIds, it.task.rounds, it.utility()));

function dashboardOf(run: BenchRun, items: readonly ArmSeedValuation[], values: readonly SiteValues[], skipped: string[]): Dashboard {
  return { fairness: fairnessOf(run), contribution: contributionSection(items, values, skipped), drift: driftOf(run) };
}

/**
 * analyzeRun with the site valuations on up to `workers` threads when they are worth a thread
 * (valuation-pool.ts: same values bit for bit). What `fedage bench` runs.
 */
export async function analyzeRunParallel(run: BenchRun, opts: { workers: number; minParallelWork?: number }): Promise<Dashboard> {
  const { items, skipped } = valuations(run);
  const work = items.reduce((a, it) => a + valuationWork(it.task), 0);
  const threads = run.result.config.model.backend === 'tfjs' || work < (opts.minParallelWork ?? MIN_PARALLEL_VALUATION_WORK) ? 1 : Math.min(opts.workers, items.length);
  const values = threads > 1 ? await valueInWorkers(items.map((it) => it.task), threads) : valuedInThread(items);
  return dashboardOf(run, items, values, skipped);
}

function fairnessOf(run: BenchRun): FairnessSection {
  const { result, dataset, prepared, outcomes } = run;
  const siteIds = dataset.sites.map((s) => s.id);
  const tableOf = new Map(dataset.sites.map((s) => [s.id, s.table]));
  const perArm = new Map<string, SeedFairness[]>();
  const local: SeedFairness[] = [];
  let attributesSeen: SubgroupAttribute[] = [];
  for (const outcome of outcomes) {
    const p = prepared.find((x) => x.seed === outcome.seed);
    if (!p) continue;
    const attrs = concatAttributes(p.sites.map((s, k) => siteAttributes(tableOf.get(s.id)!, testRows(s.splitOfRow), k, siteIds, RACE_ETHNICITY)));
    attributesSeen = Object.keys(attrs) as SubgroupAttribute[];
    const y = concatFloat(p.sites.map((s) => s.test.data.y));
    for (const pred of outcome.predictions) {
      const armResult = outcome.arms.find((a) => a.arm === pred.arm);
      const score = concatFloat(p.sites.map((s) => pred.scores[s.id]));
      const f = seedFairness(outcome.seed, y, score, armResult?.threshold ?? null, attrs as Partial<Record<SubgroupAttribute, AttributeCodes>>);
      (perArm.get(pred.arm) ?? perArm.set(pred.arm, []).get(pred.arm)!).push(f);
    }
    // The local reference: each site's patients scored by that site's own local model.
    const ownArm = p.sites.map((s) => outcome.arms.find((a) => a.family === 'local' && a.trainedOn === s.id && !a.privacy));
    if (ownArm.every((a) => a !== undefined)) {
      const scores = concatFloat(p.sites.map((s, k) => outcome.predictions.find((x) => x.arm === ownArm[k]!.arm)!.scores[s.id]));
      const thresholds = concatFloat(p.sites.map((s, k) => new Float64Array(s.test.data.n).fill(ownArm[k]!.threshold ?? Number.NaN)));
      local.push(seedFairness(outcome.seed, y, scores, thresholds, attrs as Partial<Record<SubgroupAttribute, AttributeCodes>>));
    }
  }
  const arms = result.summary.filter((s) => perArm.has(s.arm)).map((s) => summarizeArmFairness(s.arm, perArm.get(s.arm)!));
  if (local.length > 0) arms.push(summarizeArmFairness(LOCAL_REFERENCE, local));
  const federationVsLocal =
    local.length === outcomes.length
      ? result.summary
          .filter((s) => s.family === 'central' || s.family === 'federated')
          .filter((s) => perArm.has(s.arm))
          .map((s) => {
            const comparisons = compareGaps(s.arm, perArm.get(s.arm)!, local);
            return { arm: s.arm, answer: gapSentence(comparisons), comparisons };
          })
      : [];
  return {
    attributes: attributesSeen,
    arms,
    federationVsLocal,
    note: `pooled test rows of every site; TPR/FPR at each arm's threshold; calibration in the large (observed / mean predicted); groups under 10 rows get null; 95 % t intervals over seeds; "${LOCAL_REFERENCE}" scores each site's patients with its own local model; verdicts compare the seed-paired gap difference's interval with 0`,
  };
}

function summaries(values: readonly (readonly number[])[], n: number): (Summary | null)[] {
  return Array.from({ length: n }, (_, i) => summarize(values.map((v) => v[i])));
}

/** One (arm, seed) to value: what valuation needs, and what assembling the section needs. */
interface ArmSeedValuation {
  plan: ReturnType<typeof federatedPlans>[number];
  seed: number;
  task: ValuationTask;
  utility: () => Utility;
  retrainOptions: () => FederatedRunOptions;
}

function federatedPlans(run: BenchRun) {
  return (run.result.plan ?? []).filter((p) => p.trainer.kind === 'strategy' && !p.privacy && !p.compression && !p.secureAggregation);
}

/** Every (arm, seed) whose sites get valued, in arm then seed order; arms without validation rows are skipped. */
function valuations(run: BenchRun): { items: ArmSeedValuation[]; skipped: string[] } {
  const { result, prepared, outcomes } = run;
  const config = result.config;
  const items: ArmSeedValuation[] = [];
  const skipped: string[] = [];
  const contexts = new Map<number, ReturnType<typeof seedContext>>();
  const contextOf = (seed: number, p: (typeof prepared)[number]) => {
    let ctx = contexts.get(seed);
    if (!ctx) contexts.set(seed, (ctx = seedContext(config, p)));
    return ctx;
  };
  for (const plan of federatedPlans(run)) {
    const t = plan.trainer as StrategyTrainerPlan;
    const siteIds = t.clients.map((c) => c.id).sort();
    if (siteIds.length > MAX_SHAPLEY_SITES) continue;
    const armItems: ArmSeedValuation[] = [];
    for (const outcome of outcomes) {
      const rounds = outcome.predictions.find((x) => x.arm === plan.name)?.rounds as RecordedRound[] | undefined;
      const p = prepared.find((x) => x.seed === outcome.seed);
      if (!rounds || !p) continue;
      const ctx = contextOf(outcome.seed, p);
      if (ctx.pooledValidation.n === 0) {
        skipped.push(`${plan.name}: no validation rows to value coalitions on (e.g. a fixed split without validation); not valued`);
        break;
      }
      armItems.push({
        plan,
        seed: outcome.seed,
        task: { siteIds, rounds, validation: ctx.pooledValidation, model: config.model },
        utility: () => validationUtility(ctx.model, ctx.pooledValidation),
        retrainOptions: () => ({
          model: ctx.model,
          clients: p.sites.filter((s) => siteIds.includes(s.id)).map((s) => ({ id: s.id, train: s.train.data })),
          strategy: t.strategy,
          rounds: t.rounds,
          clientFraction: t.clientFraction,
          local: { batchSize: t.batchSize, ...(t.localSteps !== undefined ? { steps: t.localSteps } : { epochs: t.localEpochs }), optimizer: t.clientOptimizer },
          initialParams: ctx.initialParams,
          seed: outcome.seed,
          streamLabel: `bench/${plan.name}`,
        }),
      });
    }
    // As before the split into tasks: the seeds valued before one without validation rows stay.
    items.push(...armItems);
  }
  return { items, skipped };
}

/** The contribution section from the valued (arm, seed) pairs (values[i] belongs to items[i]). */
function contributionSection(items: readonly ArmSeedValuation[], values: readonly SiteValues[], skipped: string[]): ContributionSection {
  const arms: ArmContribution[] = [];
  const names = [...new Set(items.map((it) => it.plan.name))];
  for (const name of names) {
    const idx = items.map((it, i) => (it.plan.name === name ? i : -1)).filter((i) => i >= 0);
    const first = items[idx[0]];
    const t = first.plan.trainer as StrategyTrainerPlan;
    const siteIds = first.task.siteIds;
    const perSeed = idx.map((i) => values[i]);
    let retrained: ArmContribution['retrained'] = null;
    if (siteIds.length <= RETRAIN_MAX_SITES && t.strategy.name === 'fedavg' && t.clientSampling === 'fixed') {
      const exact = retrainedValues(first.retrainOptions(), first.utility());
      const v = perSeed[0];
      retrained = {
        seed: first.seed,
        shapley: exact.shapley,
        leaveOneOut: exact.leaveOneOut,
        spearman: spearman(exact.shapley, v.shapley),
        maxAbsDifference: Math.max(...exact.shapley.map((x, i) => Math.abs(x - v.shapley[i]))),
      };
    }
    const shapley = summaries(perSeed.map((v) => v.shapley), siteIds.length);
    const ranking = siteIds.map((s, i) => ({ s, m: shapley[i]?.mean ?? 0 })).sort((a, b) => b.m - a.m).map((x) => x.s);
    arms.push({ arm: name, method: 'reconstructed', sites: siteIds, shapley, leaveOneOut: summaries(perSeed.map((v) => v.leaveOneOut), siteIds.length), ranking, retrained });
  }
  return {
    ...(skipped.length ? { skipped } : {}),
    utility: 'minus the mean log-loss on the pooled validation rows (a value is the validation loss a site removes)',
    arms,
    note: `exact Shapley over all coalitions of sites each round, coalition models reconstructed from the round's recorded uploads (GTG-Shapley, Liu et al. 2022), summed over rounds; 95 % t intervals over seeds; exact retraining of every coalition (FedAvg, first seed) checks the reconstruction when there are at most ${RETRAIN_MAX_SITES} sites`,
  };
}

function clientDrift(run: BenchRun): ClientDriftArm[] {
  const out: ClientDriftArm[] = [];
  for (const plan of run.result.plan ?? []) {
    if (plan.trainer.kind !== 'strategy' || plan.privacy || plan.compression || plan.secureAggregation) continue;
    const byRound = new Map<number, { norm: number[]; cos: number[]; dist: number[] }>();
    const bySite = new Map<string, { norm: number[]; cos: number[] }>();
    const relative: number[] = [];
    for (const outcome of run.outcomes) {
      const rounds = outcome.predictions.find((x) => x.arm === plan.name)?.rounds;
      if (!rounds) continue;
      for (const r of rounds) {
        const wsum = r.updates.reduce((a, u) => a + u.exampleCount, 0);
        if (wsum === 0) continue;
        const agg = new Float64Array(r.globalBefore.length);
        for (const u of r.updates) for (let j = 0; j < agg.length; j++) agg[j] += (u.exampleCount / wsum) * u.params[j];
        const slot = byRound.get(r.round) ?? byRound.set(r.round, { norm: [], cos: [], dist: [] }).get(r.round)!;
        for (const u of r.updates) {
          const d = updateDrift(r.globalBefore, u.params, agg);
          slot.norm.push(d.norm);
          slot.dist.push(d.distance);
          if (d.cosine !== null) slot.cos.push(d.cosine);
          if (d.norm > 0) relative.push(d.distance / d.norm);
          const site = bySite.get(u.clientId) ?? bySite.set(u.clientId, { norm: [], cos: [] }).get(u.clientId)!;
          site.norm.push(d.norm);
          if (d.cosine !== null) site.cos.push(d.cosine);
        }
      }
    }
    if (byRound.size === 0) continue;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const allCos = [...byRound.values()].flatMap((v) => v.cos);
    out.push({
      arm: plan.name,
      strategy: (plan.trainer as StrategyTrainerPlan).strategy.name,
      rounds: [...byRound.entries()].sort((a, b) => a[0] - b[0]).map(([round, v]) => ({ round, meanNorm: mean(v.norm) ?? 0, meanCosine: mean(v.cos), meanDistance: mean(v.dist) ?? 0 })),
      sites: Object.fromEntries([...bySite.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([id, v]) => [id, { meanNorm: mean(v.norm) ?? 0, meanCosine: mean(v.cos) }])),
      meanCosine: mean(allCos),
      meanRelativeDistance: mean(relative),
    });
  }
  return out;
}

/** Enrollment drift of every site of a data set (also `fedage inspect`), checked against a planted switch when the manifest has one, and the between-site population shift. */
export function enrollmentDriftOf(dataset: Pick<BenchDataset, 'manifest' | 'sites'>): Pick<DriftSection, 'enrollment' | 'falseAlarmRate' | 'siteShift'> {
  const m = dataset.manifest;
  const numeric = new Set(m.schema.patients.filter((c) => c.featureType === 'numeric').map((c) => c.name));
  const features = m.features.filter((f) => numeric.has(f));
  const enrollment: DriftSection['enrollment'] = [];
  let alarms = 0;
  let tests = 0;
  for (const site of dataset.sites) {
    const d = siteEnrollmentDrift({ site: site.id, table: site.table, numericFeatures: features, targetColumn: targetColumn(m) });
    if (!d) continue;
    alarms += d.alarms;
    tests += d.tests;
    const truth = m.sites.find((s) => s.id === site.id)?.groundTruth as { settings?: { coding?: { switchDate?: string | null; icdSystem?: string } } } | undefined;
    const date = truth?.settings?.coding?.switchDate ?? null;
    const periodIndex = date ? periodIndexOfYear(d.periods, Number(date.slice(0, 4))) : -1;
    // A switch inside the window must be found within one period; none planted: no alarm.
    const plantedSwitch = date && periodIndex >= 0 && truth?.settings?.coding?.icdSystem !== 'ICD-9-CM' ? { date, periodIndex } : null;
    const switchFound = truth
      ? plantedSwitch
        ? d.codeChangePoint !== null && d.codeChangePoint.alarm && Math.abs(d.codeChangePoint.periodIndex - plantedSwitch.periodIndex) <= 1
        : !(d.codeChangePoint?.alarm ?? false)
      : null;
    enrollment.push({ ...d, plantedSwitch, switchFound });
  }
  const siteShift = sitePopulationShift(
    dataset.sites.map((s) => ({ site: s.id, table: s.table })),
    features,
  );
  return { enrollment, falseAlarmRate: { alarms, tests }, siteShift };
}

function driftOf(run: BenchRun): DriftSection {
  return {
    ...enrollmentDriftOf(run.dataset),
    clientDrift: clientDrift(run),
    note: 'enrollment periods are calendar years (merged up to 30 rows); feature alarm: PSI >= 0.25 and KS p < 0.01 / tests (Bonferroni per site); code change point: multinomial likelihood-ratio split above the chi-square quantile at z = 3.5; switchFound: a planted switch found within one period (or, with none planted, no alarm); site shift: each site vs the pooled other sites per numeric feature, alarm when PSI >= 0.25 (major shift, Siddiqi 2006 / Yurdakul 2018; 0.1-0.25 moderate) and KS p < 0.01 / features (Bonferroni per site); client drift: each participant\'s update vs the round\'s example-weighted aggregate update',
  };
}
