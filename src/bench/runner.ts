/**
 * The bench runner: input → prepared splits per seed → every arm per seed (in worker threads
 * when there is more than one core and more than one seed) → multi-seed summaries and gates →
 * BenchResult. No printing: progress goes to a callback, output files to bench/outputs.ts.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FEDAGE_VERSION } from '../version.js';
import { FedageError, UsageError } from '../errors.js';

import { describeBackend, loadTfjs } from '../model/tfjs-backend.js';
import { datasetFromScenario, loadBenchDataset } from '../data/load.js';
import { prepareSeed } from '../data/prepare/prepare.js';
import { SPLIT_EXCLUDED, SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION, type BenchDataset, type PreparedSeed } from '../data/prepare/types.js';
import { resolveBenchConfig, type BenchConfig, type BenchOverrides } from './config.js';
import { evaluateGates, maxGapGates, parseGate } from './gate.js';
import { runSeed, type Progress, type SeedOutcome } from './run-seed.js';
import { RESULTS_FORMAT, RESULTS_FORMAT_VERSION, type ArmSummary, type BenchResult, type SiteSplitCounts } from './results.js';
import { summarizeArms, summarizeMetric } from './summarize-arms.js';
import { resolveDelta } from './privacy-arms.js';
import { planArms, type ArmPlan, type SitePlanInput } from './plan.js';
import { summarizeSiteData } from './data-summary.js';
import type { BenchSettingsInput } from '../scenario/bench-schema.js';
import type { PrivacySettingsInput } from '../scenario/privacy-schema.js';
import { loadScenario } from '../scenario/parse.js';
import type { SiteClientsFactory } from './site-clients.js';

export interface BenchRunOptions {
  /**
   * Settings from a --config file (its `bench:` and `privacy:` sections); when given they replace
   * the scenario's own sections.
   */
  settings?: { bench: BenchSettingsInput; privacy: PrivacySettingsInput | null };
  overrides?: BenchOverrides;
  /** Worker threads for seeds; default min(cores, seeds); 1 runs in-process. */
  workers?: number;
  onProgress?: Progress;
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
  const prepared = config.seeds.map((seed) => prepareSeed(dataset, prepareOptions(config, seed)));
  const plans = planArms(config, planSites(prepared[0]));
  for (const p of prepared.slice(1)) {
    if (!sameSites(planSites(p), planSites(prepared[0]))) throw new Error(`internal: seed ${p.seed} has other training-set sizes than seed ${prepared[0].seed}; the plan would not hold`);
  }
  const workers = opts.siteClients ? 1 : Math.max(1, Math.min(opts.workers ?? availableParallelism(), prepared.length));
  const outcomes =
    workers > 1 ? await runInWorkers(config, plans, prepared, workers, opts.onProgress) : await inOrder(prepared, (p) => runSeed(config, p, plans, opts.onProgress, opts.siteClients));
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

export function prepareOptions(config: BenchConfig, seed: number) {
  return {
    seed,
    split: config.split,
    normalization: config.preprocessing.normalization,
    harmonizeUnits: config.preprocessing.harmonizeUnits,
    missingIndicators: config.preprocessing.missingIndicators,
    scaleBinary: config.preprocessing.scaleBinary,
    centralStatistics: config.preprocessing.centralStatistics,
  };
}

const planSites = (p: PreparedSeed): SitePlanInput[] => p.sites.map((s) => ({ id: s.id, trainRows: s.train.data.n }));
const sameSites = (a: SitePlanInput[], b: SitePlanInput[]) => a.length === b.length && a.every((s, i) => s.id === b[i].id && s.trainRows === b[i].trainRows);

/**
 * A scenario is loaded once: its `bench:` section gives the settings (unless --config), and it
 * is generated in memory for the bench target. A data directory has a fixed target.
 */
async function loadInput(input: string, opts: BenchRunOptions): Promise<{ dataset: BenchDataset; config: BenchConfig }> {
  const isScenario = SCENARIO_FILE.test(input) && (await stat(input).then((s) => s.isFile(), () => false));
  if (isScenario) {
    const scenario = await loadScenario(input);
    const settings = opts.settings ?? { bench: scenario.bench, privacy: scenario.privacy };
    const config = resolveBenchConfig(settings.bench, opts.overrides, settings.privacy);
    const dataset = datasetFromScenario({ ...scenario, target: config.target ?? scenario.target }, input);
    return { dataset, config: withDelta(config, dataset) };
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

/** δ from the data when the configuration leaves it open (privacy-arms.ts resolveDelta). */
function withDelta(config: BenchConfig, dataset: BenchDataset): BenchConfig {
  return config.privacy ? { ...config, privacy: resolveDelta(config.privacy, dataset.sites.map((s) => s.table.numRows)) } : config;
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

/** Seeds are independent: a small pool of worker threads, one seed per task. */
async function runInWorkers(config: BenchConfig, plans: ArmPlan[], prepared: PreparedSeed[], workers: number, onProgress?: Progress): Promise<SeedOutcome[]> {
  const queue = [...prepared];
  const outcomes: SeedOutcome[] = [];
  const workerUrl = new URL('./seed-worker.js', import.meta.url);
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const worker = new Worker(workerUrl);
      try {
        for (let next = queue.shift(); next; next = queue.shift()) {
          outcomes.push(await runInWorker(worker, config, plans, next, onProgress));
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  return outcomes;
}

function runInWorker(worker: Worker, config: BenchConfig, plans: ArmPlan[], prepared: PreparedSeed, onProgress?: Progress): Promise<SeedOutcome> {
  return new Promise((resolve, reject) => {
    const onMessage = (
      message:
        | { type: 'progress'; event: Parameters<Progress>[0] }
        | { type: 'done'; outcome: SeedOutcome }
        | { type: 'error'; error: string; message?: string; exitCode?: number },
    ) => {
      if (message.type === 'progress') {
        onProgress?.(message.event);
        return;
      }
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (message.type === 'done') resolve(message.outcome);
      else reject(message.exitCode !== undefined ? new FedageError(message.message ?? message.error, message.exitCode) : new Error(message.error));
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(err);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage({ config, plans, prepared, progress: onProgress !== undefined });
  });
}

/** One after another (seeds share nothing, but in-process runs keep their order and memory bounded). */
async function inOrder<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}
