/**
 * The bench runner: input → prepared splits per seed → every arm per seed (in worker threads
 * when there is more than one core: arm × seed tasks, arm-pool.ts) → multi-seed summaries and gates →
 * BenchResult. No printing: progress goes to a callback, output files to bench/outputs.ts.
 */
import { stat } from 'node:fs/promises';
import { FEDAGE_VERSION } from '../version.js';
import { UsageError } from '../errors.js';

import { describeBackend, loadTfjs } from '../model/tfjs-backend.js';
import { assertHorizontal, datasetFromScenario, loadBenchDataset } from '../data/load.js';
import { prepareSeed, prepareSeedFrom, readDataset } from '../data/prepare/prepare.js';
import type { LabeledData } from '../model/types.js';
import { SPLIT_EXCLUDED, SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION, type BenchDataset, type PreparedSeed } from '../data/prepare/types.js';
import { resolveBenchConfig, type BenchConfig, type BenchOverrides } from './config.js';
import { prepareOptions } from './prepare-options.js';

export { prepareOptions };
import { evaluateGates, maxGapGates, parseGate } from './gate.js';
import { runSeed, type Progress, type SeedOutcome } from './run-seed.js';
import { runSeedsInWorkers } from './arm-pool.js';
import { RESULTS_FORMAT, RESULTS_FORMAT_VERSION, type ArmSummary, type BenchResult, type SiteSplitCounts } from './results.js';
import { summarizeArms, summarizeMetric } from './summarize-arms.js';
import { epsilonOf, preprocessingHistory, preprocessingNoiseMultiplier, resolveDelta } from './privacy-arms.js';
import { planArms, type ArmPlan, type SitePlanInput } from './plan.js';
import { summarizeSiteData } from './data-summary.js';
import type { BenchSettingsInput } from '../scenario/bench-schema.js';
import type { PrivacySettingsInput } from '../scenario/privacy-schema.js';
import { loadScenario } from '../scenario/parse.js';
import { readManifest } from '../data/manifest.js';
import { featureColumns, patientColumns } from '../synth/columns.js';
import { defaultMemoryLimit, estimateBenchMemory, memoryRefusal } from './memory-estimate.js';
import type { SiteClientsFactory } from './site-clients.js';

export interface BenchRunOptions {
  /**
   * Settings from a --config file (its `bench:` and `privacy:` sections); when given they replace
   * the scenario's own sections.
   */
  settings?: { bench: BenchSettingsInput; privacy: PrivacySettingsInput | null };
  overrides?: BenchOverrides;
  /**
   * Worker threads for arm × seed tasks (arm-pool.ts); default 1 (in-process): on the 2-core
   * machine the pool was slower than one thread in every run measured, 5 seeds of the default
   * scenario to consortium-10site at --scale 10 (1.1–1.6× the time, 1.9–2× the memory; README
   * "Speed at consortium scale"), so it runs only when asked for.
   */
  workers?: number;
  onProgress?: Progress;
  /** Bytes the run may use (default: 75 % of the machine's memory); null skips the memory check. */
  memoryLimit?: number | null;
  /** Scenario input only: multiplies every site's patient count (as `fedage generate --scale`). */
  scale?: number;
  /**
   * Keep every seed's design matrices in the returned `prepared` (default true: the dashboard
   * retrains on them); false drops them once a seed's arms ran, so memory holds one seed (per
   * worker) instead of all of them — labels, ids, splits and statistics are kept either way.
   */
  keepMatrices?: boolean;
  /** Distributed runs (src/distributed): federated arms train at remote sites; seeds run in this process, in order. */
  siteClients?: SiteClientsFactory;
}

export interface BenchRun {
  result: BenchResult;
  dataset: BenchDataset;
  prepared: PreparedSeed[];
  outcomes: SeedOutcome[];
}

export async function runBench(input: string, opts: BenchRunOptions = {}): Promise<BenchRun> {
  const { dataset, config } = await loadInput(input, opts);
  // Gate expressions are checked before any training, so a typo costs nothing.
  const gates = [...config.gates.map(parseGate)];
  if (config.model.backend === 'tfjs') await loadTfjs();
  // The dataset's columns are read once; every seed is prepared from them (in a worker when
  // there are workers), one seed at a time per worker rather than all seeds first.
  const read = readDataset(dataset, prepareOptions(config, config.seeds[0]));
  let first: { seed: number; sites: SitePlanInput[]; plans: ArmPlan[] } | null = null;
  const planFor = (p: PreparedSeed): ArmPlan[] => {
    if (first === null) {
      first = { seed: p.seed, sites: planSites(p), plans: planArms(config, planSites(p)) };
    } else if (!sameSites(planSites(p), first.sites)) {
      throw new Error(`internal: seed ${p.seed} has other training-set sizes than seed ${first.seed}; the plan would not hold`);
    }
    return first.plans;
  };
  // After its arms ran, a seed keeps its design matrices only if asked (the dashboard retrains on them).
  const keep = (p: PreparedSeed): PreparedSeed => (opts.keepMatrices === false ? withoutMatrices(p) : p);
  let total = 0;
  const onProgress = countedProgress(opts.onProgress, () => total);
  // A distributed run (siteClients) keeps seeds in this process, in order.
  const workers = opts.siteClients ? 1 : Math.max(1, Math.min(opts.workers ?? 1, MAX_POOL_WORKERS));
  let plans: ArmPlan[];
  let prepared: PreparedSeed[];
  let outcomes: SeedOutcome[];
  if (workers > 1) {
    ({ plans, prepared, outcomes } = await runSeedsInWorkers(config, read, {
      workers,
      ...(onProgress ? { onProgress } : {}),
      planFor: (p) => {
        const planned = planFor(p);
        total = planned.length * config.seeds.length;
        return planned;
      },
      onSeedDone: keep,
    }));
  } else {
    prepared = [];
    outcomes = [];
    plans = [];
    for (const seed of config.seeds) {
      const p = prepareSeedFrom(read, prepareOptions(config, seed));
      plans = planFor(p);
      total = plans.length * config.seeds.length;
      outcomes.push(await runSeed(config, p, plans, onProgress, opts.siteClients));
      prepared.push(keep(p));
    }
  }
  outcomes.sort((a, b) => config.seeds.indexOf(a.seed) - config.seeds.indexOf(b.seed));

  const siteIds = dataset.sites.map((s) => s.id);
  const perSeed = outcomes.flatMap((o) => o.arms);
  const summary = summarizeArms(perSeed, config.seeds, siteIds);
  const federatedArms = [...new Set(perSeed.filter((r) => r.family === 'federated').map((r) => r.arm))];
  if (config.maxGap !== null) gates.push(...maxGapGates(config.maxGap, federatedArms));
  const knownArms = summary.map((s) => s.arm);
  const lookup = (arm: string, metric: string): number | null => {
    const s = summary.find((x) => x.arm === arm);
    const m = s?.metrics[metric as keyof ArmSummary['metrics']];
    return m ? m.mean : null;
  };
  const gateOutcomes = gates.length > 0 ? evaluateGates(gates, lookup, knownArms) : [];
  const oracles = outcomes.map((o) => o.oracle).filter((o) => o !== null);

  const result: BenchResult = {
    format: RESULTS_FORMAT,
    formatVersion: RESULTS_FORMAT_VERSION,
    fedageVersion: FEDAGE_VERSION,
    backend: config.model.backend === 'tfjs' ? describeBackend() : { name: 'js-typed-array' },
    data: {
      kind: dataset.kind,
      origin: dataset.origin,
      scenarioName: dataset.manifest.scenario.name,
      manifestSha256: dataset.manifestSha256,
      target: dataset.manifest.target,
      sites: siteIds,
      synthetic: dataset.manifest.source === 'synthetic',
    },
    config,
    plan: plans,
    features: prepared[0]?.preprocessing.features ?? [],
    splits: Object.fromEntries(prepared.map((p) => [String(p.seed), splitCounts(p)])),
    perSeed,
    oracle: oracles.length === outcomes.length && oracles.length > 0 ? {
            perSeed: oracles,
            pooledAuc: summarizeMetric(oracles.map((o) => o.pooledAuc)),
            labelPooledAuc: oracles.every((o) => o.labelPooledAuc !== null) ? summarizeMetric(oracles.map((o) => o.labelPooledAuc)) : null,
          } : null,
    summary,
    gates: gateOutcomes.map((g) => ({ expression: g.expression, passed: g.passed, left: g.left, right: g.right, message: g.message })),
    warnings: outcomes.flatMap((o) => o.warnings),
    privacy: config.privacy
      ? {
          level: config.privacy.level,
          delta: config.privacy.delta as number,
          deltaRule: config.privacy.deltaRule ?? '',
          accountant: 'rdp',
          secureNoise: config.privacy.noiseSeed === null,
          budgetStops: perSeed.flatMap((r) => (r.privacy?.stoppedAtBudget ? [`seed ${r.seed}: ${r.privacy.stoppedAtBudget.message}`] : [])),
        }
      : null,
  };
  const dataSummary = prepared[0] ? summarizeSiteData(prepared[0]) : null;
  if (dataSummary) result.dataSummary = dataSummary;
  return { result, dataset, prepared, outcomes };
}

/** Numbers the arm runs as they start (seeds run in parallel workers, so this counts on the main thread). */
function countedProgress(onProgress: Progress | undefined, runs: () => number): Progress | undefined {
  if (!onProgress) return undefined;
  const started = new Set<string>();
  return (e) => {
    started.add(`${e.seed}\u0000${e.arm}`);
    onProgress({ ...e, run: started.size, runs: runs() });
  };
}

/** At most this many worker threads (each holds the context of the seed it runs). */
const MAX_POOL_WORKERS = 64;

/**
 * A prepared seed without its design matrices (labels, ids, splits and statistics kept): what a
 * finished seed needs for the results and output files, at a fraction of the memory.
 */
export function withoutMatrices(p: PreparedSeed): PreparedSeed {
  const light = <T extends { data: LabeledData }>(split: T): T => ({ ...split, data: { n: split.data.n, d: split.data.d, x: new Float64Array(0), y: split.data.y } });
  const { centralTrain: _central, ...rest } = p;
  return { ...rest, sites: p.sites.map((s) => ({ ...s, train: light(s.train), validation: light(s.validation), test: light(s.test) })) };
}

export interface BenchPlan {
  config: BenchConfig;
  dataset: BenchDataset;
  /** The sites' training-set sizes the plan was made for (the same for every seed). */
  sites: SitePlanInput[];
  plans: ArmPlan[];
}

/**
 * The plan of a bench run without training (`fedage bench --dry-run`): the input loaded, the
 * settings resolved, the first seed split, and `planArms` on its training-set sizes (which do
 * not depend on the seed). Calibrating σ is the only work it does.
 */
export async function planBench(input: string, opts: Omit<BenchRunOptions, 'workers' | 'onProgress'> = {}): Promise<BenchPlan> {
  const { dataset, config } = await loadInput(input, opts);
  config.gates.forEach(parseGate);
  const first = prepareSeed(dataset, prepareOptions(config, config.seeds[0]));
  const sites = planSites(first);
  return { config, dataset, sites, plans: planArms(config, sites) };
}

export const planSites = (p: PreparedSeed): SitePlanInput[] => p.sites.map((s) => ({ id: s.id, trainRows: s.train.data.n }));
const sameSites = (a: SitePlanInput[], b: SitePlanInput[]) => a.length === b.length && a.every((s, i) => s.id === b[i].id && s.trainRows === b[i].trainRows);

/**
 * A scenario is loaded once: its `bench:` section gives the settings (unless --config), and it
 * is generated in memory for the bench target. A data directory has a fixed target.
 */
export async function loadInput(input: string, opts: Pick<BenchRunOptions, 'settings' | 'overrides' | 'scale' | 'memoryLimit' | 'workers' | 'keepMatrices'>): Promise<{ dataset: BenchDataset; config: BenchConfig }> {
  const isScenario = SCENARIO_FILE.test(input) && (await stat(input).then((s) => s.isFile(), () => false));
  if (isScenario) {
    const scenario = await loadScenario(input);
    assertHorizontal(scenario, input);
    const settings = opts.settings ?? { bench: scenario.bench, privacy: scenario.privacy };
    const config = resolveBenchConfig(settings.bench, opts.overrides, settings.privacy);
    const target = config.target ?? scenario.target;
    checkMemory(opts, config, {
      rows: scenario.sites.reduce((a, s) => a + Math.max(1, Math.round(s.patients * (opts.scale ?? 1))), 0),
      inputBytes: null,
      featureColumns: featureColumns(patientColumns(scenario.sites[0]), target).length,
      siteCount: scenario.sites.length,
    });
    const dataset = datasetFromScenario({ ...scenario, target }, input, opts.scale !== undefined ? { scale: opts.scale } : {});
    return { dataset, config: withDelta(config, dataset) };
  }
  if (opts.scale !== undefined) {
    throw new UsageError(`--scale: applies to a scenario (generated in memory), found the data directory ${input}; generate it at that scale with \`fedage generate --scale\``);
  }
  if (await stat(input).then((s) => s.isDirectory(), () => false)) {
    // The manifest is small and read (and shape-checked) again by the loader; it sizes the data first.
    const manifest = await readManifest(input, { fileFormats: ['arrow', 'parquet'] });
    const config = resolveBenchConfig(opts.settings?.bench ?? {}, opts.overrides, opts.settings?.privacy ?? null);
    checkMemory(opts, config, {
      rows: manifest.sites.reduce((a, s) => a + s.patients, 0),
      inputBytes: manifest.sites.reduce((a, s) => a + s.files.patients.bytes, 0),
      featureColumns: manifest.features.length,
      siteCount: manifest.sites.length,
    });
  }
  const dataset = await loadBenchDataset(input, {});
  const config = withDelta(resolveBenchConfig(opts.settings?.bench ?? {}, opts.overrides, opts.settings?.privacy ?? null), dataset);
  if (config.target !== null && config.target !== dataset.manifest.target) {
    throw new UsageError(
      `${input} holds data for target "${dataset.manifest.target}", not "${config.target}"; regenerate it with consortium.target: ${config.target}, or drop the bench target`,
    );
  }
  return { dataset, config };
}

const SCENARIO_FILE = /\.ya?ml$/i;

/**
 * Refuses (exit 2) a run whose memory estimate (memory-estimate.ts) exceeds the limit, before
 * any data is generated or loaded. `opts.memoryLimit`: bytes, or null to skip the check.
 */
function checkMemory(opts: Pick<BenchRunOptions, 'memoryLimit' | 'workers' | 'keepMatrices'>, config: BenchConfig, data: { rows: number; inputBytes: number | null; featureColumns: number; siteCount: number }): void {
  if (opts.memoryLimit === null) return;
  const limit = opts.memoryLimit ?? defaultMemoryLimit();
  const p = config.privacy;
  const expand = (kind: string) => (kind === 'local' ? data.siteCount : 1);
  const plain = config.arms.reduce((a, k) => a + expand(k), 0);
  const dp = p ? p.arms.reduce((a, k) => a + expand(k), 0) * (p.epsilons?.length ?? 1) : 0;
  const twins = (config.secureAggregation ? 1 : 0) + (config.compression ? 1 : 0);
  const arms = plain + dp + twins * (plain + dp);
  const estimate = estimateBenchMemory({ ...data, seeds: config.seeds.length, workers: Math.min(opts.workers ?? 1, config.seeds.length), arms, keepMatrices: opts.keepMatrices !== false });
  if (estimate.bytes > limit) {
    throw new UsageError(memoryRefusal(estimate, limit, opts.memoryLimit === undefined ? "75 % of this machine's memory" : 'set by --max-memory'));
  }
}

/**
 * δ from the data when the configuration leaves it open (privacy-arms.ts resolveDelta), then the
 * DP preprocessing σ (calibrated to its ε at that δ) — both fixed before any arm is planned.
 */
function withDelta(config: BenchConfig, dataset: BenchDataset): BenchConfig {
  if (!config.privacy) return config;
  const privacy = resolveDelta(config.privacy, dataset.sites.map((s) => s.table.numRows));
  const pre = privacy.preprocessing;
  if (pre) {
    const noiseMultiplier = preprocessingNoiseMultiplier(pre, privacy.delta as number);
    privacy.preprocessing = { ...pre, noiseMultiplier };
    // The release alone must leave room for training under every target ε.
    const alone = epsilonOf([], privacy.delta as number, preprocessingHistory({ noiseMultiplier })).epsilon;
    const tightest = privacy.epsilons ? Math.min(...privacy.epsilons) : privacy.budget;
    if (tightest !== null && alone >= tightest) {
      throw new UsageError(
        `--dp-preprocessing: the preprocessing release alone costs ε = ${alone.toPrecision(4)} at δ = ${privacy.delta} (σ = ${noiseMultiplier}), not below the target ε = ${tightest}; lower the preprocessing ε or raise the target`,
      );
    }
  }
  return { ...config, privacy };
}

function splitCounts(p: PreparedSeed): SiteSplitCounts[] {
  return p.sites.map((s) => {
    const counts = [0, 0, 0];
    let excluded = 0;
    for (const code of s.splitOfRow) {
      if (code === SPLIT_EXCLUDED) excluded++;
      else counts[code]++;
    }
    const positives = (y: Float64Array) => y.reduce((a, v) => a + v, 0);
    return {
      site: s.id,
      train: counts[SPLIT_TRAIN],
      validation: counts[SPLIT_VALIDATION],
      test: counts[SPLIT_TEST],
      excluded,
      trainPositives: positives(s.train.data.y),
      testPositives: positives(s.test.data.y),
    };
  });
}
