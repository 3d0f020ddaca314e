/**
 * `runAudit(input)`: the privacy audit of planned arms (issue 15). Per canary site: canaries
 * drawn from the site's population, each included with probability ½ (canaries.ts); the plan
 * of the bench (bench/plan.ts) made for the data with the canaries; each arm trained once by the
 * bench's own `runArm` with an observer recording the site's uploads (what an aggregator sees);
 * then scores (scores.ts, lira.ts), attack metrics (attack-metrics.ts), the one-run ε lower bound
 * (one-run-epsilon.ts), optionally the multi-run bound (multi-run-epsilon.ts), and the
 * reconstruction grid (reconstruction-experiment.ts). No I/O beyond loading the input, no printing.
 */
import { stat } from 'node:fs/promises';
import { FEDAGE_VERSION } from '../version.js';
import { UsageError } from '../errors.js';
import { createOptimizer } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { LabeledData, Model } from '../model/types.js';
import { normalQuantile } from '../random/normal.js';
import { Xoshiro128, streamState } from '../random/rng.js';
import type { NoiseSource } from '../privacy/secure-noise.js';
import { createNoiseSource } from '../privacy/secure-noise.js';
import { loadScenario } from '../scenario/parse.js';
import { assertHorizontal, datasetFromScenario } from '../data/load.js';
import { prepareSeed } from '../data/prepare/prepare.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import type { BenchConfig, BenchOverrides } from '../bench/config.js';
import { loadInput, planSites, prepareOptions } from '../bench/runner.js';
import { planArms, type ArmPlan } from '../bench/plan.js';
import { seedContext } from '../bench/run-seed.js';
import { runArm, type Progress } from '../bench/run-arm.js';
import type { BenchSettingsInput } from '../scenario/bench-schema.js';
import type { PrivacySettingsInput } from '../scenario/privacy-schema.js';
import { attackMetrics } from './attack-metrics.js';
import { craftCanaries } from './crafted-canaries.js';
import { concatRows, drawCanaries, insertCanaries, selectRows, type CanaryKind, type CanarySet } from './canaries.js';
import { resolveAuditConfig, type AuditConfig, type AuditOverrides } from './config.js';
import { logitConfidence, offlineLiraScores } from './lira.js';
import { calibrateThreshold, multiRunEpsilonLowerBound } from './multi-run-epsilon.js';
import { guessTopBottom, oneRunEpsilonLowerBound } from './one-run-epsilon.js';
import { reconstructionExperiment } from './reconstruction-experiment.js';
import { gradientAlignmentScores, gradientProjectionScores, negativeLosses, type ObservedRound } from './scores.js';
import type { AuditArmRecord, AuditResult, AuditViolation, OneRunTest, ReconstructionRecord, ScoreKind } from './types.js';
import { auditReading } from './reading.js';

export interface AuditRunOptions {
  settings?: { bench: BenchSettingsInput; privacy: PrivacySettingsInput | null };
  overrides?: BenchOverrides;
  audit?: AuditOverrides;
  onProgress?: Progress;
  /**
   * TEST ONLY: multiplies every DP noise draw by this factor while the plan and the accountant
   * keep the original σ — a deliberately broken DP arm the audit must catch. Never set by the CLI.
   */
  testOnlyNoiseScale?: number;
}

/**
 * The guess rules tried per canary kind and score, fixed in advance so the Bonferroni correction
 * over them is honest: guess on a fraction of the m canaries of the kind, half "in" (top scores)
 * and half "out" (bottom scores), or "out" only (a canary the model has not fit is surely out,
 * while a fitted one may be out too: the black-box signal of crafted canaries is one-sided).
 */
export const GUESS_RULES: readonly { fraction: number; shape: 'both' | 'out-only' }[] = [
  { fraction: 0.2, shape: 'both' },
  { fraction: 0.5, shape: 'both' },
  { fraction: 1, shape: 'both' },
  { fraction: 0.25, shape: 'out-only' },
  { fraction: 0.5, shape: 'out-only' },
];
const KINDS: CanaryKind[] = ['crafted', 'mislabelled', 'natural'];

/** The primary test's two rules: guess on half of the canaries (a quarter in, a quarter out), or on all. */
export const PRIMARY_RULES: readonly (typeof GUESS_RULES)[number][] = [
  { fraction: 0.5, shape: 'both' },
  { fraction: 1, shape: 'both' },
];

/** k₊, k₋ of a rule for m canaries (null when it makes no guess). */
export function guessCounts(rule: (typeof GUESS_RULES)[number], m: number): { guessIn: number; guessOut: number } | null {
  const total = Math.floor(rule.fraction * m);
  if (rule.shape === 'out-only') return total >= 1 ? { guessIn: 0, guessOut: total } : null;
  const k = Math.floor(total / 2);
  return k >= 1 ? { guessIn: k, guessOut: k } : null;
}

function stream(seed: number, ...labels: string[]): () => number {
  const rng = new Xoshiro128(streamState(seed, 'audit', ...labels));
  return () => rng.uniform();
}

const SCENARIO_FILE = /\.ya?ml$/i;

export async function runAudit(input: string, opts: AuditRunOptions = {}): Promise<AuditResult> {
  const isScenario = SCENARIO_FILE.test(input) && (await stat(input).then((s) => s.isFile(), () => false));
  const scenario = isScenario ? await loadScenario(input) : null;
  if (scenario) assertHorizontal(scenario, input);
  const { dataset, config } = await loadInput(input, opts);
  const auditSettings = opts.settings?.bench.audit ?? scenario?.bench.audit;
  const audit = resolveAuditConfig(auditSettings, opts.audit);
  if (config.model.backend !== 'js') throw new UsageError('the audit needs per-example gradients and the typed-array models: use model.backend js');
  const seed = config.seeds[0];
  const prepared = prepareSeed(dataset, prepareOptions(config, seed));
  const siteIds = prepared.sites.map((s) => s.id);
  for (const s of audit.sites ?? []) if (!siteIds.includes(s)) throw new UsageError(`audit site "${s}": the data has sites ${siteIds.join(', ')}`);
  const canarySites = audit.sites ?? [[...prepared.sites].sort((a, b) => a.train.data.n - b.train.data.n || (a.id < b.id ? -1 : 1))[0].id];
  const warnings: string[] = [];
  const arms: AuditArmRecord[] = [];
  const reconstruction: ReconstructionRecord[] = [];
  const canarySources: Record<string, string> = {};
  for (const site of canarySites) {
    const pool = canaryPool(prepared, site, audit.canaries, config, scenario, input);
    const drawn = drawCanaries(site, pool.data, audit.canaries, audit.mislabelledFraction, stream(seed, 'canaries', site), pool.source);
    // Crafted along the directions in which the whole federation's training data (and every drawn
    // canary, in or out: the design may not depend on the coins) vary least, as ClipBKD does.
    const d = prepared.featureNames.length;
    const craftedCount = Math.min(audit.craftedCanaries ?? d, d);
    if (audit.craftedCanaries !== null && audit.craftedCanaries > d) warnings.push(`${audit.craftedCanaries} crafted canaries requested at ${site}; ${d} used (one per feature direction)`);
    const crafted = craftCanaries(concatRows([...prepared.sites.map((s) => s.train.data), drawn.data], d), craftedCount, stream(seed, 'crafted', site));
    const canaries = drawCanaries(site, pool.data, audit.canaries, audit.mislabelledFraction, stream(seed, 'canaries', site), pool.source, crafted);
    canarySources[site] = pool.source;
    const withCanaries = insertCanaries(prepared, canaries);
    const plans = selectPlans(planArms(config, planSites(withCanaries)), audit.arms);
    const shadows = shadowConfidences(config, prepared, canaries, audit.shadowModels, seed);
    for (const plan of plans) {
      const arm = await auditArm(plan, config, withCanaries, canaries, shadows, audit, opts, seed);
      if (audit.multiRun > 0) {
        // The invariant is checked by two tests (one-run, multi-run), each at half the level.
        const m = await multiRun(plan, config, prepared, canaries, audit, opts, seed, 1 - audit.pValue / 2);
        arm.multiRun = m;
        if (arm.accountantEpsilon !== null && m.epsilonLowerBound > arm.accountantEpsilon) arm.violation = true;
      }
      arms.push(arm);
    }
    if (config.model.kind === 'logistic') reconstruction.push(reconstructionFor(config, audit.reconstruction, prepared, site, plans, seed));
    else warnings.push(`reconstruction at ${site}: not run (the attacks here are for logistic models; the model is ${config.model.kind})`);
  }
  const violations: AuditViolation[] = arms.filter((a) => a.violation).map((a) => violationOf(a));
  const result: AuditResult = {
    format: 'fedage-audit',
    formatVersion: 1,
    fedageVersion: FEDAGE_VERSION,
    scenarioName: dataset.manifest.scenario.name,
    seed,
    config: audit,
    canarySources,
    arms,
    reconstruction,
    violations,
    reading: [],
    warnings,
    gates: [],
  };
  result.reading = auditReading(result);
  return result;
}

/** Plans named in `wanted` (exact names, or a prefix before `+`: `fedavg` takes fedavg and fedavg+dp(eps=1)). */
export function selectPlans(plans: readonly ArmPlan[], wanted: readonly string[] | null): ArmPlan[] {
  if (wanted === null) return [...plans];
  const out = plans.filter((p) => wanted.some((w) => p.name === w || p.name.startsWith(`${w}+`)));
  const unknown = wanted.filter((w) => !plans.some((p) => p.name === w || p.name.startsWith(`${w}+`)));
  if (unknown.length > 0) throw new UsageError(`audit arms ${unknown.map((u) => `"${u}"`).join(', ')}: not in the plan (${plans.map((p) => p.name).join(', ')})`);
  return out;
}

/**
 * Records of the site's population that never enter training otherwise: for a scenario, the
 * site's labelled rows of fresh cohorts generated with other seeds (the same population,
 * standardized with that cohort's federated statistics); for a data directory, the site's
 * validation and test rows.
 */
function canaryPool(prepared: PreparedSeed, site: string, m: number, config: BenchConfig, scenario: Awaited<ReturnType<typeof loadScenario>> | null, input: string): { data: LabeledData; source: string } {
  const d = prepared.featureNames.length;
  if (!scenario) {
    const s = prepared.sites.find((x) => x.id === site)!;
    const data = concatRows([s.validation.data, s.test.data], d);
    if (data.n < m) throw new UsageError(`${m} canaries at site ${site}: the data directory has ${data.n} validation and test rows there to draw them from; lower --canaries`);
    return { data, source: `validation and test rows of ${site} (not trained on)` };
  }
  const parts: LabeledData[] = [];
  let n = 0;
  const seeds: number[] = [];
  for (let j = 1; n < m; j++) {
    if (j > 50) throw new UsageError(`${m} canaries at site ${site}: 50 extra cohorts gave ${n} labelled rows there; lower --canaries`);
    const cohortSeed = (scenario.seed + 0x9e3779b1 * j) >>> 0;
    const extra = datasetFromScenario({ ...scenario, target: config.target ?? scenario.target }, input, { seed: cohortSeed });
    const p = prepareSeed(extra, prepareOptions(config, prepared.seed));
    if (p.featureNames.join('\u0000') !== prepared.featureNames.join('\u0000')) continue;
    const s = p.sites.find((x) => x.id === site)!;
    const rows = concatRows([s.train.data, s.validation.data, s.test.data], d);
    parts.push(rows);
    n += rows.n;
    seeds.push(cohortSeed);
  }
  return { data: concatRows(parts, d), source: `labelled patients of ${site} in fresh cohorts of the scenario (generator seeds ${seeds.join(', ')})` };
}

/** φ of every canary under K shadow models trained (centrally, plain SGD) on random halves of the non-canary training rows. */
function shadowConfidences(config: BenchConfig, prepared: PreparedSeed, canaries: CanarySet, K: number, seed: number): Float64Array[] {
  const d = prepared.featureNames.length;
  const pooled = concatRows(prepared.sites.map((s) => s.train.data), d);
  const t = config.training;
  const model = seedContext(config, prepared).model;
  const out: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const random = stream(seed, 'shadow', canaries.site, String(k));
    const half = Array.from({ length: pooled.n }, (_, i) => i).filter(() => random() < 0.5);
    const params = model.init(random);
    trainLocal(model, params, selectRows(pooled, half), { batchSize: t.batchSize, epochs: t.epochs ?? config.federated.rounds * (config.federated.localEpochs ?? 1), optimizer: createOptimizer(t.optimizer), random });
    out.push(confidences(model, params, canaries.data));
  }
  return out;
}

function confidences(model: Model, params: Float64Array, data: LabeledData): Float64Array {
  const p = model.predict(params, data);
  return Float64Array.from(p, (v, i) => logitConfidence(v, data.y[i]));
}

/** A context whose DP noise is scaled by `scale` (the test-only broken arm), otherwise the bench's. */
function auditContext(config: BenchConfig, prepared: PreparedSeed, opts: AuditRunOptions) {
  const ctx = seedContext(config, prepared, opts.onProgress);
  const scale = opts.testOnlyNoiseScale;
  if (scale !== undefined) {
    const inner = ctx.noiseFor;
    ctx.noiseFor = (...labels: string[]): NoiseSource => {
      const source = inner(...labels);
      return {
        secure: source.secure,
        name: `${source.name} (TEST ONLY: scaled by ${scale})`,
        fillGaussian: (out, sd) => source.fillGaussian(out, sd * scale),
        addGaussian: (target, sd) => source.addGaussian(target, sd * scale),
      };
    };
  }
  return ctx;
}

/** Records what the aggregator sees of `site` each round (its update, or with secure aggregation the mean of all updates). */
function observeSite(ctx: ReturnType<typeof seedContext>, site: string, secure: boolean): ObservedRound[] {
  const rounds: ObservedRound[] = [];
  ctx.observeAggregation = (_arm, req) => {
    const global = req.state.params.slice();
    if (secure) {
      // Secure aggregation: the server learns only the weighted mean of the updates.
      const total = req.updates.reduce((a, u) => a + u.exampleCount, 0);
      if (total === 0 || !req.participants.includes(site)) return;
      const mean = new Float64Array(global.length);
      for (const u of req.updates) for (let j = 0; j < mean.length; j++) mean[j] += (u.exampleCount / total) * (u.params[j] - global[j]);
      rounds.push({ round: req.round, globalParams: global, update: mean });
      return;
    }
    const u = req.updates.find((x) => x.clientId === site);
    if (u) rounds.push({ round: req.round, globalParams: global, update: u.params.map((v, j) => v - global[j]) });
  };
  return rounds;
}

async function auditArm(plan: ArmPlan, config: BenchConfig, prepared: PreparedSeed, canaries: CanarySet, shadows: Float64Array[], audit: AuditConfig, opts: AuditRunOptions, seed: number): Promise<AuditArmRecord> {
  const site = canaries.site;
  const ctx = auditContext(config, prepared, opts);
  const secure = plan.secureAggregation !== undefined;
  const rounds = observeSite(ctx, site, secure);
  const run = await runArm(plan, ctx);
  const model = ctx.model;
  const scores: Partial<Record<ScoreKind, Float64Array>> = {
    loss: negativeLosses(model, run.params, canaries.data),
    lira: offlineLiraScores(confidences(model, run.params, canaries.data), shadows),
  };
  if (plan.trainer.kind === 'strategy') scores['white-box'] = gradientAlignmentScores(model, canaries.data, rounds);
  const privacy = run.result.privacy;
  const dpLevel = plan.privacy?.level ?? null;
  const accountantEpsilon = privacy ? (privacy.sites[site]?.epsilon ?? privacy.maxEpsilon) : null;
  const delta = plan.privacy?.delta ?? config.privacy?.delta ?? 1e-5;
  // Which views the guarantee covers: the released model always; a site's per-round uploads only
  // when the site itself privatizes them (sample-level DP-SGD at the site). Client-level DP adds
  // noise at the server, so a server that reads raw uploads is outside that guarantee.
  const covered = (score: 'loss' | 'white-box') => score === 'loss' || dpLevel !== 'client' || secure;
  // The primary test, fixed before any data are seen: the strongest canaries (crafted, else
  // mislabelled) under the strongest view the guarantee covers (white box for sample-level DP
  // and no DP, else the released model's loss), guessing on half or all of them. The invariant
  // is checked on it alone, at the full level split between its two rules, so the check keeps
  // its power; every other rule is reported as exploratory, with its own Bonferroni family.
  const primaryKind: CanaryKind = canaries.kinds.includes('crafted') ? 'crafted' : 'mislabelled';
  const primaryScore: 'loss' | 'white-box' = scores['white-box'] && covered('white-box') ? 'white-box' : 'loss';
  const indicesOf = (kind: CanaryKind) => canaries.kinds.flatMap((k, i) => (k === kind ? [i] : []));
  const test = (family: OneRunTest['family'], kind: CanaryKind, score: 'loss' | 'white-box', g: { guessIn: number; guessOut: number }, level: number): OneRunTest => {
    const idx = indicesOf(kind);
    const s = scores[score] as Float64Array;
    const out = guessTopBottom(idx.map((i) => s[i]), idx.map((i) => canaries.included[i]), g.guessIn, g.guessOut);
    return { family, kind, score, canaries: out.canaries, guessIn: g.guessIn, guessOut: g.guessOut, guesses: out.guesses, correct: out.correct, level, epsilonLowerBound: oneRunEpsilonLowerBound(out, delta, level), coveredByGuarantee: covered(score) };
  };
  const primaryRules = PRIMARY_RULES.map((r) => guessCounts(r, indicesOf(primaryKind).length)).filter((g) => g !== null);
  // With the multi-run audit on, the one-run primary test gets half the level (the other half is the multi-run bound's).
  const primaryLevel = audit.pValue / (audit.multiRun > 0 ? 2 : 1);
  const primary = primaryRules.map((g) => test('primary', primaryKind, primaryScore, g, primaryLevel / primaryRules.length));
  const exploratoryRules: { kind: CanaryKind; score: 'loss' | 'white-box'; g: { guessIn: number; guessOut: number } }[] = [];
  for (const kind of KINDS) {
    for (const score of ['loss', 'white-box'] as const) {
      if (!scores[score]) continue;
      for (const rule of GUESS_RULES) {
        const g = guessCounts(rule, indicesOf(kind).length);
        if (g) exploratoryRules.push({ kind, score, g });
      }
    }
  }
  const exploratory = exploratoryRules.map((r) => test('exploratory', r.kind, r.score, r.g, audit.pValue / exploratoryRules.length));
  const oneRun = [...primary, ...exploratory];
  const best = primary.reduce<OneRunTest | null>((b, t) => (b === null || t.epsilonLowerBound > b.epsilonLowerBound ? t : b), null);
  const epsilonLowerBound = best?.epsilonLowerBound ?? 0;
  const attacks: AuditArmRecord['attacks'] = [];
  for (const score of ['loss', 'lira', 'white-box'] as const) {
    const s = scores[score];
    if (!s) continue;
    attacks.push({ score, kind: 'all', metrics: attackMetrics(s, canaries.included) });
    for (const kind of KINDS) {
      const idx = canaries.kinds.flatMap((k, i) => (k === kind ? [i] : []));
      if (idx.length > 0) attacks.push({ score, kind, metrics: attackMetrics(idx.map((i) => s[i]), idx.map((i) => canaries.included[i])) });
    }
  }
  const byKind = Object.fromEntries(KINDS.map((kind) => {
    const idx = canaries.kinds.flatMap((k, i) => (k === kind ? [i] : []));
    return [kind, { total: idx.length, included: idx.filter((i) => canaries.included[i]).length }];
  })) as AuditArmRecord['canaries']['byKind'];
  const notes: string[] = [];
  if (dpLevel === 'client') notes.push('client-level DP: the guarantee covers the released model, not the raw uploads a server sees before it adds noise; white-box scores are reported but not checked');
  if (secure) notes.push('secure aggregation: the white-box view is the mean of all sites\' updates');
  if (plan.trainer.kind !== 'strategy') notes.push('no rounds: black-box scores only');
  if (opts.testOnlyNoiseScale !== undefined) notes.push(`TEST ONLY: DP noise scaled by ${opts.testOnlyNoiseScale} while the accountant keeps the planned σ`);
  return {
    arm: plan.name,
    site,
    family: plan.family,
    dpLevel,
    accountantEpsilon,
    delta,
    canaries: { total: canaries.kinds.length, included: canaries.included.filter(Boolean).length, byKind },
    oneRun,
    epsilonLowerBound,
    best,
    exploratoryEpsilonLowerBound: Math.max(0, ...exploratory.filter((t) => t.coveredByGuarantee).map((t) => t.epsilonLowerBound)),
    confidence: 1 - audit.pValue,
    violation: accountantEpsilon !== null && epsilonLowerBound > accountantEpsilon,
    attacks,
    multiRun: null,
    notes,
  };
}

function violationOf(a: AuditArmRecord): AuditViolation {
  const m = a.multiRun;
  if (m && m.epsilonLowerBound > (a.accountantEpsilon as number) && !(a.epsilonLowerBound > (a.accountantEpsilon as number))) {
    return {
      arm: a.arm,
      site: a.site,
      accountantEpsilon: a.accountantEpsilon as number,
      epsilonLowerBound: m.epsilonLowerBound,
      canaries: 1,
      guesses: m.outRuns + m.inRuns,
      correct: m.outRuns + m.inRuns - m.falsePositives - m.falseNegatives,
      message: `${a.arm} at ${a.site}: multi-run audited ε̂ = ${m.epsilonLowerBound.toFixed(3)} (${Math.round(a.confidence * 100)} % confidence overall; ${m.runs} runs with one ${m.canaryKind} canary, ${m.score} score; ${m.falsePositives}/${m.outRuns} false positives, ${m.falseNegatives}/${m.inRuns} false negatives on the held-out runs, i.e. ${m.outRuns + m.inRuns - m.falsePositives - m.falseNegatives} of ${m.outRuns + m.inRuns} guesses right) exceeds the accountant's ε = ${(a.accountantEpsilon as number).toFixed(3)} (δ = ${a.delta}): the guarantee is contradicted, a bug in clipping, noise, sampling or accounting`,
    };
  }
  const b = a.best as OneRunTest;
  return {
    arm: a.arm,
    site: a.site,
    accountantEpsilon: a.accountantEpsilon as number,
    epsilonLowerBound: a.epsilonLowerBound,
    canaries: b.canaries,
    guesses: b.guesses,
    correct: b.correct,
    message: `${a.arm} at ${a.site}: audited ε̂ = ${a.epsilonLowerBound.toFixed(3)} (${Math.round(a.confidence * 100)} % confidence, primary test: ${b.kind} canaries, ${b.score} score, ${b.correct} of ${b.guesses} guesses right among ${b.canaries}) exceeds the accountant's ε = ${(a.accountantEpsilon as number).toFixed(3)} (δ = ${a.delta}): the guarantee is contradicted, a bug in clipping, noise, sampling or accounting`,
  };
}

/**
 * Jagielski et al. 2020: `runs` trainings of the arm on the data without canaries plus ONE
 * canary included by a fresh ½ coin per run, each run with its own shuffling and noise streams.
 * The canary is the first crafted one when there is one (ClipBKD-style, along a direction the
 * data barely use: the worst case the audit can build), else the first mislabelled one. Its score
 * is the white-box view (Σ_t cos(−∇ℓ, Δ_t) over the site's uploads) when the guarantee covers
 * the uploads, else the released model's loss. The threshold is picked on the first half of the
 * runs, FPR/FNR counted on the second half (the bound needs a threshold fixed independently).
 */
async function multiRun(plan: ArmPlan, config: BenchConfig, prepared: PreparedSeed, canaries: CanarySet, audit: AuditConfig, opts: AuditRunOptions, seed: number, confidence: number): Promise<NonNullable<AuditArmRecord['multiRun']>> {
  const crafted = canaries.kinds.indexOf('crafted');
  const target = crafted >= 0 ? crafted : Math.max(0, canaries.kinds.indexOf('mislabelled'));
  const one = selectRows(canaries.data, [target]);
  const site = canaries.site;
  const secure = plan.secureAggregation !== undefined;
  const whiteBox = plan.trainer.kind === 'strategy' && (plan.privacy?.level !== 'client' || secure);
  const coin = stream(seed, 'multi-run', plan.name);
  const scores: number[] = [];
  const included: boolean[] = [];
  for (let r = 0; r < audit.multiRun; r++) {
    const inc = coin() < 0.5;
    const single: CanarySet = { site, data: one, kinds: [canaries.kinds[target]], included: [inc], source: canaries.source };
    const data = insertCanaries({ ...prepared, seed: (seed + 1 + r) >>> 0 }, single);
    const p = planArms(config, planSites(data)).find((x) => x.name === plan.name) as ArmPlan;
    const ctx = auditContext(config, data, opts);
    const rounds = whiteBox ? observeSite(ctx, site, secure) : [];
    const run = await runArm(p, ctx);
    scores.push(whiteBox ? gradientProjectionScores(ctx.model, one, rounds)[0] : negativeLosses(ctx.model, run.params, one)[0]);
    included.push(inc);
  }
  const half = Math.floor(audit.multiRun / 2);
  const threshold = calibrateThreshold(scores.slice(0, half), included.slice(0, half));
  let outRuns = 0;
  let fp = 0;
  let inRuns = 0;
  let fn = 0;
  for (let r = half; r < scores.length; r++) {
    if (included[r]) {
      inRuns++;
      if (scores[r] < threshold) fn++;
    } else {
      outRuns++;
      if (scores[r] >= threshold) fp++;
    }
  }
  const counts = { outRuns, falsePositives: fp, inRuns, falseNegatives: fn };
  const delta = plan.privacy?.delta ?? config.privacy?.delta ?? 1e-5;
  return { ...counts, ...multiRunEpsilonLowerBound(counts, delta, confidence), runs: audit.multiRun, threshold, canaryKind: canaries.kinds[target], score: whiteBox ? 'white-box' : 'loss' };
}

function reconstructionFor(config: BenchConfig, settings: AuditConfig['reconstruction'], prepared: PreparedSeed, site: string, plans: readonly ArmPlan[], seed: number): ReconstructionRecord {
  const ctx = seedContext(config, prepared);
  const target = prepared.sites.find((s) => s.id === site)!;
  const dpPlans = plans.filter((p) => p.privacy?.level === 'sample');
  // The DP view uses the weakest planned sample-level noise (the most favourable to the attacker), else σ = 1.
  const weakest = dpPlans.sort((a, b) => (a.privacy!.noiseMultiplier - b.privacy!.noiseMultiplier))[0]?.privacy;
  const strategy = plans.find((p) => p.trainer.kind === 'strategy');
  const learningRate = strategy && strategy.trainer.kind === 'strategy' ? strategy.trainer.clientOptimizer.learningRate : config.training.optimizer.learningRate;
  const rng = new Xoshiro128(streamState(seed, 'audit', 'reconstruction', site));
  const random = () => rng.uniform();
  const normal = () => normalQuantile(Math.min(1 - 1e-16, Math.max(1e-16, rng.uniform())));
  const noiseSeed = config.privacy?.noiseSeed ?? null;
  const record = reconstructionExperiment({
    model: ctx.model,
    target: { id: site, data: target.train.data },
    others: prepared.sites.filter((s) => s.id !== site && s.train.data.n > 0).map((s) => s.train.data),
    globalParams: ctx.initialParams,
    learningRate,
    dp: { noiseMultiplier: weakest?.noiseMultiplier ?? 1, clipNorm: weakest?.clipNorm ?? 1 },
    batchSizes: settings.batchSizes,
    localSteps: settings.localSteps,
    tolerance: settings.tolerance,
    trials: settings.trials,
    random,
    normal,
    noise: noiseSeed === null ? createNoiseSource() : createNoiseSource({ seed: noiseSeed, labels: [String(seed), 'audit', 'reconstruction', site] }),
  });
  if (!weakest) record.notes.push('no sample-level DP arm in the plan: the DP view uses σ = 1, clip norm 1');
  return record;
}
