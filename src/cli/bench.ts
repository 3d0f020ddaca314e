/** `fedage bench <scenario.yaml | data-dir>`: central vs local vs federated, with gates. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { FORCE_FLAG, MAX_SCALE, parseHiddenUnits, parseScale } from './flags.js';
import { QUIET_FLAG, createProgress, type ProgressUpdate } from './progress.js';
import { GateFailed, UsageError } from '../errors.js';
import { MIN_NOISE_MULTIPLIER } from '../privacy/accountant/rdp.js';
import { TARGETS, targetErrorMessage } from '../scenario/targets.js';
import { BENCH_ARM_KINDS } from '../scenario/arms.js';
import { STRATEGY_REGISTRY } from '../federated/registry.js';
import { resolveScenarioInput } from '../scenario/resolve-scenario.js';
import type { BenchOverrides, PrivacyOverrides, SecureAggregationOverrides } from '../bench/config.js';
import { privacyArmNotes } from '../bench/privacy-arm-notes.js';
import type { IdsMode } from '../report/bench-outputs.js';
import { planText } from '../report/plan-text.js';
import { markdownSummary } from '../report/markdown.js';
import type { Progress } from '../bench/run-seed.js';

export interface BenchCommandOptions {
  out?: string;
  force?: boolean;
  config?: string;
  seeds?: string;
  arms?: string;
  target?: string;
  model?: string;
  hiddenUnits?: string;
  scale?: string;
  backend?: string;
  rounds?: string;
  localEpochs?: string;
  localSteps?: string;
  batchSize?: string;
  lr?: string;
  clientFraction?: string;
  gate?: string[];
  maxGap?: string;
  workers?: string;
  sampling?: string;
  evaluateEvery?: string;
  json?: boolean;
  dryRun?: boolean;
  quiet?: boolean;
  /** false with --no-dashboard. */
  dashboard?: boolean;
  dpLevel?: string;
  epsilons?: string;
  delta?: string;
  clipNorm?: string;
  noiseMultiplier?: string;
  privacyBudget?: string;
  noiseSeed?: string;
  dpPreprocessingEpsilon?: string;
  dpPreprocessingNoiseMultiplier?: string;
  dpPreprocessingBounds?: string;
  secureAggregation?: string;
  clippingRange?: string;
  quantizationRange?: string;
  modulusRange?: string;
  maxWeight?: string;
  secaggGraph?: string;
  numShares?: string;
  reconstructionThreshold?: string;
  dropoutProbability?: string;
  ckksRelease?: string;
  compression?: string;
  ids?: string;
  maxMemory?: string;
  memoryCheck?: boolean;
}

function positiveInt(flag: string, text: string | undefined, max = 1e9): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < 1 || v > max) throw new UsageError(`${flag}: expected an integer between 1 and ${max}, found "${text}"`);
  return v;
}

function numberIn(flag: string, text: string | undefined, lo: number, hi: number, loOpen: boolean): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && v <= hi;
  if (!ok) throw new UsageError(`${flag}: expected a number in ${loOpen ? '(' : '['}${lo}, ${hi}], found "${text}"`);
  return v;
}

/** `--seeds 5` runs seeds 0..4; `--seeds 3,7,11` runs exactly those. */
export function parseSeeds(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) {
    const n = positiveInt('--seeds', text, 1000) as number;
    return Array.from({ length: n }, (_, i) => i);
  }
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length < 2 || parts.some((p) => !/^\d+$/.test(p) || Number(p) > 2 ** 32 - 1)) {
    throw new UsageError(`--seeds: expected a count (e.g. 5) or a comma-separated list of seeds (e.g. 1,2,3), found "${text}"`);
  }
  return parts.map(Number);
}

export function benchOverrides(o: BenchCommandOptions): BenchOverrides {
  if (o.model !== undefined && o.model !== 'logistic' && o.model !== 'mlp') throw new UsageError(`--model: expected logistic or mlp, found "${o.model}"`);
  if (o.target !== undefined && !(TARGETS as readonly string[]).includes(o.target)) throw new UsageError(`--target: ${targetErrorMessage(o.target)}, found "${o.target}"`);
  if (o.backend !== undefined && o.backend !== 'js' && o.backend !== 'tfjs') throw new UsageError(`--backend: expected js or tfjs, found "${o.backend}"`);
  if (o.localEpochs !== undefined && o.localSteps !== undefined) throw new UsageError('--local-epochs and --local-steps exclude each other');
  const overrides: BenchOverrides = {
    target: o.target as BenchOverrides['target'],
    model: o.model as BenchOverrides['model'],
    hiddenUnits: parseHiddenUnits(o.hiddenUnits),
    backend: o.backend as BenchOverrides['backend'],
    arms: o.arms?.split(',').map((a) => a.trim()).filter(Boolean),
    seeds: parseSeeds(o.seeds),
    rounds: positiveInt('--rounds', o.rounds, 100_000),
    localEpochs: positiveInt('--local-epochs', o.localEpochs, 10_000),
    localSteps: positiveInt('--local-steps', o.localSteps, 10_000_000),
    batchSize: positiveInt('--batch-size', o.batchSize, 1_000_000),
    learningRate: numberIn('--lr', o.lr, 0, 100, true),
    clientFraction: numberIn('--client-fraction', o.clientFraction, 0, 1, true),
    gates: o.gate,
    maxGap: numberIn('--max-gap', o.maxGap, 0, 1, false),
  };
  if (o.sampling !== undefined) {
    if (o.sampling !== 'block-shuffle' && o.sampling !== 'reshuffle') throw new UsageError(`--sampling: expected block-shuffle or reshuffle, found "${o.sampling}"`);
    overrides.sampling = o.sampling;
  }
  if (o.evaluateEvery !== undefined) overrides.evaluateEvery = positiveInt('--evaluate-every', o.evaluateEvery, 100_000);
  const privacy = privacyOverrides(o);
  if (privacy) overrides.privacy = privacy;
  const secure = secureAggregationOverrides(o);
  if (secure) overrides.secureAggregation = secure;
  if (o.compression !== undefined) overrides.compression = o.compression;
  return Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as BenchOverrides;
}

function secureAggregationOverrides(o: BenchCommandOptions): SecureAggregationOverrides | undefined {
  if (o.secureAggregation !== undefined && o.secureAggregation !== 'masking' && o.secureAggregation !== 'ckks') throw new UsageError(`--secure-aggregation: expected masking or ckks, found "${o.secureAggregation}"`);
  if (o.secaggGraph !== undefined && o.secaggGraph !== 'complete' && o.secaggGraph !== 'k-regular') throw new UsageError(`--secagg-graph: expected complete or k-regular, found "${o.secaggGraph}"`);
  if (o.ckksRelease !== undefined && o.ckksRelease !== 'server' && o.ckksRelease !== 'sites') throw new UsageError(`--ckks-release: expected server or sites, found "${o.ckksRelease}"`);
  const p: SecureAggregationOverrides = {
    kind: o.secureAggregation as SecureAggregationOverrides['kind'],
    clippingRange: numberIn('--clipping-range', o.clippingRange, 0, 1e6, true),
    quantizationRange: positiveInt('--quantization-range', o.quantizationRange, 2 ** 31),
    modulusRange: positiveInt('--modulus-range', o.modulusRange, 2 ** 32),
    maxWeight: numberIn('--max-weight', o.maxWeight, 0, 1e12, true),
    graph: o.secaggGraph as SecureAggregationOverrides['graph'],
    numShares: numberIn('--num-shares', o.numShares, 0, 1e6, true),
    reconstructionThreshold: numberIn('--reconstruction-threshold', o.reconstructionThreshold, 0, 1e6, true),
    dropoutProbability: o.dropoutProbability === undefined ? undefined : numberIn('--dropout-probability', o.dropoutProbability, 0, 0.99, false),
    release: o.ckksRelease as SecureAggregationOverrides['release'],
  };
  const set = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as SecureAggregationOverrides;
  return Object.keys(set).length > 0 ? set : undefined;
}

function privacyOverrides(o: BenchCommandOptions): PrivacyOverrides | undefined {
  if (o.dpLevel !== undefined && o.dpLevel !== 'sample' && o.dpLevel !== 'client') throw new UsageError(`--dp-level: expected sample or client, found "${o.dpLevel}"`);
  if (o.epsilons !== undefined && o.noiseMultiplier !== undefined) throw new UsageError('--epsilons and --noise-multiplier exclude each other (σ is either calibrated to each ε or fixed)');
  let epsilons: number[] | undefined;
  if (o.epsilons !== undefined) {
    epsilons = o.epsilons.split(',').map((t) => numberIn('--epsilons', t.trim(), 0, 1000, true) as number);
  }
  const seedText = o.noiseSeed;
  if (seedText !== undefined && (!/^\d+$/.test(seedText) || Number(seedText) > 2 ** 32 - 1)) throw new UsageError(`--noise-seed: expected an integer between 0 and 4294967295, found "${seedText}"`);
  const p: PrivacyOverrides = {
    level: o.dpLevel as PrivacyOverrides['level'],
    epsilons,
    delta: o.delta === undefined ? undefined : numberIn('--delta', o.delta, 0, 1, true),
    clipNorm: numberIn('--clip-norm', o.clipNorm, 0, 1e6, true),
    // The accountant's own range (privacy/accountant/rdp.ts): below it ε cannot be evaluated.
    noiseMultiplier: numberIn('--noise-multiplier', o.noiseMultiplier, MIN_NOISE_MULTIPLIER, 1e6, false),
    budget: numberIn('--privacy-budget', o.privacyBudget, 0, 1000, true),
    noiseSeed: seedText === undefined ? undefined : Number(seedText),
    preprocessingEpsilon: numberIn('--dp-preprocessing-epsilon', o.dpPreprocessingEpsilon, 0, 1000, true),
    preprocessingNoiseMultiplier: numberIn('--dp-preprocessing-noise-multiplier', o.dpPreprocessingNoiseMultiplier, MIN_NOISE_MULTIPLIER, 1e6, false),
    preprocessingBounds: parseBounds(o.dpPreprocessingBounds),
  };
  if (p.delta !== undefined && p.delta >= 1) throw new UsageError(`--delta: expected a number in (0, 1), found "${o.delta}"`);
  const set = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as PrivacyOverrides;
  return Object.keys(set).length > 0 ? set : undefined;
}

/** `age_years=40:110,glucose=40:400` → { age_years: [40, 110], glucose: [40, 400] }. */
export function parseBounds(text: string | undefined): Record<string, [number, number]> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, [number, number]> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^:]+):(.+)$/.exec(part);
    const lo = m ? Number(m[2]) : NaN;
    const hi = m ? Number(m[3]) : NaN;
    if (!m || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi) || m[2].trim() === '' || m[3].trim() === '') {
      throw new UsageError(`--dp-preprocessing-bounds: expected COLUMN=LO:HI with finite LO < HI (comma-separated), found "${part}"`);
    }
    out[m[1]] = [lo, hi];
  }
  if (Object.keys(out).length === 0) throw new UsageError(`--dp-preprocessing-bounds: expected COLUMN=LO:HI, found "${text}"`);
  return out;
}

/** A bench progress event as a progress update: arm runs started over every seed, and the round. */
export function benchProgressUpdate(e: Parameters<Progress>[0]): ProgressUpdate {
  const round = e.round !== undefined ? ` round ${e.round}/${e.rounds}` : '';
  // Runs started so far, the running one counted by its share of rounds: the end is the last round of the last run.
  const done = (e.run ?? 1) - 1 + (e.round !== undefined && e.rounds ? e.round / e.rounds : 0);
  return { done, total: e.runs ?? 0, detail: `arm run ${e.run ?? '?'} of ${e.runs ?? '?'}: seed ${e.seed} ${e.arm}${round}`, phase: `${e.seed} ${e.arm}`, counted: false };
}

/**
 * `argv`: the arguments after `fedage` (recorded in results.json so the report can say how to
 * reproduce the run; no time or host, so results stay byte-identical across runs).
 */
export async function benchCommand(input: string, o: BenchCommandOptions, argv?: string[]): Promise<void> {
  // Loaded on use: start-up pays only for the command that runs (issue 19).
  const [{ loadBenchConfig }, { planBench, runBench }, { IDS_MODES, beginBenchOutput, resultsJson, writeBenchOutputs }] = await Promise.all([
    import('../scenario/parse.js'),
    import('../bench/runner.js'),
    import('../report/bench-outputs.js'),
  ]);
  const overrides = benchOverrides(o);
  const ids = (o.ids ?? 'plain') as IdsMode;
  if (!IDS_MODES.includes(ids)) throw new UsageError(`--ids: expected ${IDS_MODES.join(', ')}, found "${o.ids}"`);
  const workers = positiveInt('--workers', o.workers, 64);
  const scale = parseScale(o.scale);
  const settings = o.config ? await loadBenchConfig(o.config) : undefined;
  if (o.maxMemory !== undefined && o.memoryCheck === false) throw new UsageError('--max-memory and --no-memory-check exclude each other');
  const maxMemoryGiB = numberIn('--max-memory', o.maxMemory, 0, 1e6, true);
  const memoryLimit = o.memoryCheck === false ? null : maxMemoryGiB !== undefined ? Math.floor(maxMemoryGiB * 2 ** 30) : undefined;
  if (o.dryRun) {
    const plan = await planBench(resolveScenarioInput(input), { settings, overrides, memoryLimit, ...(scale !== undefined ? { scale } : {}) });
    process.stdout.write(o.json ? `${JSON.stringify({ config: plan.config, sites: plan.sites, plan: plan.plans }, null, 2)}\n` : planText({ ...plan, name: plan.dataset.manifest.scenario.name }));
    return;
  }
  // Lock, writability probe and staging directory before any data is loaded or trained on.
  const tx = o.out ? beginBenchOutput(o.out, o.force ?? false) : undefined;
  const progress = createProgress('bench', { quiet: o.quiet });
  const started = performance.now();
  let run;
  try {
    // Without the dashboard nothing retrains after the run: finished seeds drop their design matrices.
    run = await runBench(resolveScenarioInput(input), { settings, overrides, workers, memoryLimit, keepMatrices: o.dashboard !== false, ...(scale !== undefined ? { scale } : {}), onProgress: (e) => progress.update(benchProgressUpdate(e)) });
  } catch (error) {
    tx?.abort();
    throw error;
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const { result } = run;
  // What the DP arms were when the flags alone mislead (e.g. --dp-level client --arms scaffold).
  for (const note of privacyArmNotes(result.config)) process.stderr.write(`fedage: note: ${note}\n`);
  if (argv) result.argv = argv;
  // The consortium dashboard (subgroup fairness, site contribution, drift) of the finished run.
  if (o.dashboard !== false) Object.assign(result, await (await import('../analysis/dashboard.js')).analyzeRunParallel(run, { workers: workers ?? availableParallelism() }));
  if (tx) {
    try {
      await writeBenchOutputs(tx.dir, result, run.prepared, run.outcomes, true, ids);
      tx.commit();
    } catch (error) {
      tx.abort();
      throw error;
    }
  }
  process.stdout.write(o.json ? resultsJson(result) : markdownSummary(result));
  if (!o.quiet) process.stderr.write(`bench: ${result.perSeed.length} arm runs over ${result.config.seeds.length} seeds in ${seconds.toFixed(1)} s (backend ${result.backend.name})${o.out ? `; wrote ${o.out}/results.json, results.md, report.html, predictions.arrow, splits.arrow` : ''}\n`);
  const stops = result.privacy?.budgetStops ?? [];
  if (stops.length > 0) {
    throw new GateFailed(`privacy budget: ${stops.length} run${stops.length === 1 ? '' : 's'} stopped before a step that would exceed a site's budget:\n${stops.map((m) => `  ${m}`).join('\n')}`);
  }
  const failed = result.gates.filter((g) => !g.passed);
  if (failed.length > 0) throw new GateFailed(`${failed.length} of ${result.gates.length} gate${result.gates.length === 1 ? '' : 's'} failed:\n${failed.map((g) => `  ${g.message}`).join('\n')}`);
}

/**
 * The arguments after `fedage` as the user typed them: Commander keeps the argv it parsed on the
 * root command (`rawArgs`, set in parse; not in its typings), starting with node and the script.
 */
function userArgs(cmd: Command): string[] | undefined {
  const raw = (cmd.parent as unknown as { rawArgs?: unknown } | null)?.rawArgs;
  return Array.isArray(raw) && raw.length >= 2 ? raw.slice(2).map(String) : undefined;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('train central, local and federated arms over several seeds and report AUC/F1 with CIs; gate CI on the gap')
    .argument('<input>', 'a scenario YAML (generated in memory) or a data directory written by `fedage generate`/`import`')
    .option('-o, --out <dir>', 'write results.json, results.md, report.html, predictions.arrow and splits.arrow here')
    .option(...FORCE_FLAG)
    .option('--ids <mode>', 'patient ids in predictions.arrow / splits.arrow: plain (default, for the data holders), hashed (HMAC-SHA-256 under a random per-run key that is not stored) or none')
    .option('--no-dashboard', 'skip the consortium dashboard (subgroup fairness, site contribution, drift) in results.json and the report')
    .option('-c, --config <file>', 'settings YAML with `bench:` and/or `privacy:` sections (replaces the scenario\'s), e.g. for a data directory')
    .option('--seeds <n|list>', 'number of seeds (0..n-1) or a list like 1,2,3 (default 5)')
    .option('--arms <list>', `comma-separated arms: ${BENCH_ARM_KINDS.join(',')} (default all)`)
    .option('--target <target>', `${TARGETS.join(', ')} (default: the scenario's)`)
    .option('--model <kind>', 'logistic or mlp')
    .option('--hidden-units <n[,n]>', 'MLP hidden layer widths, one or two layers of 1-4096 (default 32; with --model mlp)')
    .option('--scale <f>', `a scenario input: multiply every site size by f, at most ${MAX_SCALE} (as fedage generate --scale)`)
    .option('--backend <name>', 'js (typed arrays, default) or tfjs (tfjs-node when installed, else tfjs cpu; much slower)')
    .option('--rounds <n>', 'federated rounds')
    .option('--local-epochs <n>', 'local epochs per round')
    .option('--local-steps <n>', 'local minibatch steps per round (instead of epochs)')
    .option('--batch-size <n>', 'minibatch size')
    .option('--lr <x>', 'learning rate of every arm (overrides the YAML)')
    .option('--client-fraction <f>', 'fraction of sites sampled per round')
    .option('--gate <expr>', 'fail (exit 3) unless e.g. "fedavg.auc >= central.auc - 0.02"; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--max-gap <x>', 'gate every federated arm: auc >= central.auc - x')
    .option('--dp-level <level>', 'add differentially private arms: sample (DP-SGD at each site) or client (DP-FedAvg)')
    .option('--epsilons <list>', 'target ε per DP arm, e.g. 0.1,1,5 (σ calibrated to each)')
    .option('--noise-multiplier <sigma>', 'fixed σ instead of calibrating to target ε')
    .option('--delta <d>', 'δ (default: a power of ten below 1/(10 n) of the smallest site)')
    .option('--clip-norm <c>', 'per-example (sample) or per-update (client) L2 clip norm')
    .option('--privacy-budget <eps>', 'ε no site may exceed: training stops before a step that would (exit 3)')
    .option('--noise-seed <n>', 'seeded, NOT secure DP noise (reproducible runs, tests)')
    .option('--dp-preprocessing-epsilon <eps>', 'make the preprocessing statistics (per-site counts, sums, sums of squares) differentially private too: Gaussian mechanism calibrated to this ε alone, composed into each site\'s ε (sample level)')
    .option('--dp-preprocessing-noise-multiplier <sigma>', 'as --dp-preprocessing-epsilon with a fixed σ (noise sd over the statistics\' sensitivity)')
    .option('--dp-preprocessing-bounds <list>', 'clipping bounds of numeric columns for the DP statistics, e.g. age_years=40:110,glucose=40:400 (canonical units; defaults cover fedage\'s columns)')
    .option('--secure-aggregation <kind>', 'add a secure-aggregation twin of every federated arm: masking (SecAgg/SecAgg+, e.g. fedavg+secagg) or ckks (fedavg+ckks); refused with client-level DP (exit 2)')
    .option('--clipping-range <x>', 'masking: clip weighted update values to ±x (Flower default 8)')
    .option('--quantization-range <n>', 'masking: quantize to integers in [0, n] (default 2^22)')
    .option('--modulus-range <n>', 'masking: word modulus, a power of two <= 2^32 (default 2^32)')
    .option('--max-weight <n>', "largest site weight (training rows) (default max(1000, the largest site's rows))")
    .option('--secagg-graph <kind>', 'masking: complete (SecAgg, default) or k-regular (SecAgg+)')
    .option('--num-shares <n>', 'masking, k-regular: shares per secret (integer >= 3 or a fraction of the sites)')
    .option('--reconstruction-threshold <n>', 'masking: shares that recover a secret (integer or fraction of numShares; default 0.5)')
    .option('--dropout-probability <p>', 'secure aggregation: per-round probability that a site drops out (simulated)')
    .option('--ckks-release <who>', 'ckks: server (one site decrypts the sum for the server, default) or sites')
    .option('--compression <spec>', 'add a compressed twin of every federated arm: q8, q4, q2, topk:<fraction>, randk:<fraction> (e.g. fedavg+q8)')
    .option('--workers <n>', 'threads for arm × seed tasks, this one included (default 1), and worker threads for the dashboard\'s site valuation (default: cores, when it is large)')
    .option('--sampling <order>', 'minibatch order of non-private SGD: block-shuffle (default) or reshuffle')
    .option('--evaluate-every <k>', 'federated arms: pooled-test AUC for the convergence curve every k rounds (default 1; the last round always)')
    .option('--max-memory <GiB>', "memory the run may use; a run whose estimate (made before loading data) exceeds it is refused, exit 2 (default: 75 % of this machine's memory)")
    .option('--no-memory-check', 'skip the memory estimate check')
    .option('--json', 'print results.json to stdout instead of the Markdown summary (with --dry-run: the plan as JSON)')
    .option(...QUIET_FLAG)
    .option('--dry-run', 'print the experiment plan (arms, rounds, steps, σ and q per site, δ, ε target) and exit without training')
    .addHelpText(
      'after',
      `\nFederated strategies (arms):\n${STRATEGY_REGISTRY.map((s) => `  ${s.name.padEnd(11)} ${s.summary}`).join('\n')}\n` +
        '\nExamples:\n  fedage bench scenarios/alzheimers-3site.yaml\n  fedage bench scenarios/frailty-dp.yaml --dry-run\n  fedage bench data/ --out bench-out --max-gap 0.02\n  fedage bench scenarios/alzheimers-3site.yaml --arms central,local,fedavg --seeds 3 --json',
    )
    .action(async (input: string, o: BenchCommandOptions, cmd: Command) => benchCommand(input, o, userArgs(cmd)));
}
