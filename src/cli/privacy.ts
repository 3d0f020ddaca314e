/**
 * `fedage privacy epsilon|noise`: the privacy calculators. Flags are parsed and checked here
 * (each bad value is a UsageError naming the flag, what was expected and what was found: exit 2);
 * the math is in src/privacy/accountant.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { PrvAccountant, RdpAccountant, type Accountant, type AccountantName, type PrivacySpent } from '../privacy/accountant/accountant.js';
import { missingSubcommand } from './cli-conventions.js';
import { QUIET_FLAG, createProgress, type ProgressUpdate } from './progress.js';
import { noiseMultiplierFor, type CalibrationProgress } from '../privacy/accountant/calibrate.js';
import type { RdpConversion } from '../privacy/accountant/conversion.js';
import { DEFAULT_ORDERS, MAX_NOISE_MULTIPLIER_ACCOUNTED, MIN_NOISE_MULTIPLIER } from '../privacy/accountant/rdp.js';
import { BENCH_ORDERS } from '../bench/bench-orders.js';

interface RawFlags {
  sampleRate?: string;
  noiseMultiplier?: string;
  steps?: string;
  delta?: string;
  epsilon?: string;
  epsilonTolerance?: string;
  conversion?: string;
  accountant?: string;
  epsError?: string;
  orders?: string;
  preprocessingNoiseMultiplier?: string;
  json?: boolean;
  quiet?: boolean;
}

type Check = (x: number) => boolean;

function numberFlag(raw: string | undefined, flag: string, expected: string, ok: Check): number {
  if (raw === undefined) throw new UsageError(`missing ${flag}: expected ${expected}, found nothing`);
  const text = raw.trim();
  // Number('') is 0 and Number('0x10') is 16: accept plain decimal / exponent notation only.
  const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (!ok(value)) throw new UsageError(`${flag}: expected ${expected}, found ${JSON.stringify(raw)}`);
  return value;
}

const sampleRateFlag = (f: RawFlags) => numberFlag(f.sampleRate, '--sample-rate', 'a Poisson sampling rate q in (0, 1]', (q) => q > 0 && q <= 1);
const deltaFlag = (f: RawFlags) => numberFlag(f.delta, '--delta', 'a δ in (0, 1), e.g. 1e-5', (d) => d > 0 && d < 1);
const stepsFlag = (f: RawFlags) =>
  numberFlag(f.steps, '--steps', 'an integer number of steps >= 1', (t) => Number.isSafeInteger(t) && t >= 1);

function accountantFlag(f: RawFlags): AccountantName {
  const a = f.accountant ?? 'rdp';
  if (a !== 'rdp' && a !== 'prv') throw new UsageError(`--accountant: expected rdp or prv, found ${JSON.stringify(a)}`);
  if (a === 'prv' && f.conversion !== undefined) {
    throw new UsageError(`--conversion: applies to the RDP accountant only, found ${JSON.stringify(f.conversion)} with --accountant prv`);
  }
  if (a === 'rdp' && f.epsError !== undefined) {
    throw new UsageError(`--eps-error: applies to the PRV accountant only, found ${JSON.stringify(f.epsError)} with --accountant rdp`);
  }
  return a;
}

const epsErrorFlag = (f: RawFlags) =>
  f.epsError === undefined ? 0.01 : numberFlag(f.epsError, '--eps-error', 'an ε error > 0 (the PRV bound adds it to ε), e.g. 0.01', (e) => e > 0 && e <= 1);

/**
 * RDP orders: opacus (default; Opacus's DEFAULT_ALPHAS, α ≤ 63) or bench (those extended to
 * α = 512, what `fedage bench` accounts with, so its per-site rows reproduce exactly). Every
 * order gives a valid bound; more orders only tighten ε.
 */
function ordersFlag(f: RawFlags, name: AccountantName): readonly number[] {
  const o = f.orders ?? 'opacus';
  if (o !== 'opacus' && o !== 'bench') throw new UsageError(`--orders: expected opacus or bench, found ${JSON.stringify(o)}`);
  if (name === 'prv' && f.orders !== undefined) throw new UsageError(`--orders: applies to the RDP accountant only, found ${JSON.stringify(o)} with --accountant prv`);
  return o === 'bench' ? BENCH_ORDERS : DEFAULT_ORDERS;
}

/** The accountant chosen by the flags, as a factory (calibration makes a fresh one per σ). */
function accountantFactory(name: AccountantName, conversion: RdpConversion, epsError: number, orders: readonly number[] = DEFAULT_ORDERS): () => Accountant {
  return name === 'prv' ? () => new PrvAccountant({ epsError }) : () => new RdpAccountant({ conversion, orders });
}

function conversionFlag(f: RawFlags): RdpConversion {
  const c = f.conversion ?? 'improved';
  if (c !== 'improved' && c !== 'classic') throw new UsageError(`--conversion: expected improved or classic, found ${JSON.stringify(c)}`);
  return c;
}

/** Rounds up to `digits` significant digits: a printed ε or σ is never smaller than the exact one. */
export function ceilSignificant(x: number, digits: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  const scale = 10 ** (digits - 1 - exponent);
  const up = Math.ceil(x * scale - 1e-9) / scale;
  return String(Number(up.toPrecision(digits)));
}

function conversionName(c: RdpConversion): string {
  return c === 'improved' ? 'Balle et al. 2020 conversion' : 'classic Mironov 2017 conversion';
}

/** The PRV accountant's figures (Gopi et al. 2021): the true ε lies in [epsilonLower, epsilon]. */
export interface PrvReportFields {
  accountant: 'prv';
  /** ε(δ + deltaError) − epsError: the true ε is at least this. */
  epsilonLower: number | null;
  /** ε(δ) on the discretized composition. */
  epsilonEstimate: number | null;
  epsError: number;
  deltaError: number;
}

interface RdpReportFields {
  accountant: 'rdp';
  conversion: RdpConversion;
  alpha: number | null;
}

export type EpsilonReport = (RdpReportFields | PrvReportFields) & {
  /** RDP only: the orders used (opacus, or bench: extended to α = 512). */
  orders?: 'opacus' | 'bench';
  /** The reported ε: for PRV its upper bound. */
  epsilon: number | null;
  /** σ of a DP preprocessing release composed ahead of the steps, when given. */
  preprocessingNoiseMultiplier?: number;
  delta: number;
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
  warnings: string[];
};

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function accountantFields(name: AccountantName, conversion: RdpConversion, spent: PrivacySpent): RdpReportFields | PrvReportFields {
  if (name === 'prv') {
    const d = spent.prv!;
    return { accountant: 'prv', epsilonLower: finiteOrNull(d.epsilonLower), epsilonEstimate: finiteOrNull(d.epsilonEstimate), epsError: d.epsError, deltaError: d.deltaError };
  }
  return { accountant: 'rdp', conversion, alpha: finiteOrNull(spent.alpha) };
}

export function privacyEpsilonCommand(flags: RawFlags): EpsilonReport {
  const sampleRate = sampleRateFlag(flags);
  const noiseMultiplier = numberFlag(
    flags.noiseMultiplier,
    '--noise-multiplier',
    `a noise multiplier σ in [${MIN_NOISE_MULTIPLIER}, ${MAX_NOISE_MULTIPLIER_ACCOUNTED}] (beyond it ε cannot be evaluated in double precision)`,
    (s) => s >= MIN_NOISE_MULTIPLIER && s <= MAX_NOISE_MULTIPLIER_ACCOUNTED,
  );
  // --steps 0 only beside a preprocessing release (a site that took no training step).
  const steps =
    flags.preprocessingNoiseMultiplier !== undefined && flags.steps?.trim() === '0' ? 0 : stepsFlag(flags);
  const delta = deltaFlag(flags);
  const name = accountantFlag(flags);
  const conversion = conversionFlag(flags);
  const epsError = epsErrorFlag(flags);
  const orders = ordersFlag(flags, name);
  const preprocessing =
    flags.preprocessingNoiseMultiplier === undefined
      ? null
      : numberFlag(
          flags.preprocessingNoiseMultiplier,
          '--preprocessing-noise-multiplier',
          `a noise multiplier σ in [${MIN_NOISE_MULTIPLIER}, ${MAX_NOISE_MULTIPLIER_ACCOUNTED}]`,
          (s) => s >= MIN_NOISE_MULTIPLIER && s <= MAX_NOISE_MULTIPLIER_ACCOUNTED,
        );
  const accountant = accountantFactory(name, conversion, epsError, orders)();
  // The DP preprocessing release (privacy/dp-statistics.ts) first: the Gaussian mechanism is the
  // sampled Gaussian at q = 1, one step; RDP composition adds it to the training steps.
  if (preprocessing !== null) accountant.step({ noiseMultiplier: preprocessing, sampleRate: 1, steps: 1 });
  if (steps > 0) accountant.step({ noiseMultiplier, sampleRate, steps });
  const spent = accountant.getEpsilon(delta);
  return {
    ...accountantFields(name, conversion, spent),
    ...(name === 'rdp' ? { orders: orders === BENCH_ORDERS ? ('bench' as const) : ('opacus' as const) } : {}),
    epsilon: finiteOrNull(spent.epsilon),
    delta,
    sampleRate,
    noiseMultiplier,
    steps,
    ...(preprocessing !== null ? { preprocessingNoiseMultiplier: preprocessing } : {}),
    warnings: spent.warnings,
  };
}

/** Rounds down to `digits` significant digits (for a lower bound: never printed above the exact one). */
function floorSignificant(x: number, digits: number): string {
  return x === 0 || !Number.isFinite(x) ? String(x) : `${-Number(ceilSignificant(-x, digits))}`;
}

function accountantDescription(r: RdpReportFields | PrvReportFields): string {
  if (r.accountant === 'rdp') return `RDP accountant, best order α = ${r.alpha ?? 'n/a'}, ${conversionName(r.conversion)}`;
  const lower = r.epsilonLower === null ? '∞' : floorSignificant(r.epsilonLower, 4);
  return `PRV accountant, Gopi et al. 2021: an upper bound, the true ε is at least ${lower}; ε error ${r.epsError}, δ error ${r.deltaError}`;
}

export function formatEpsilonReport(r: EpsilonReport): string {
  return [
    `ε = ${r.epsilon === null ? '∞' : ceilSignificant(r.epsilon, 4)} at δ = ${r.delta} (${accountantDescription(r)})`,
    `  Poisson sampling rate q = ${r.sampleRate}, noise multiplier σ = ${r.noiseMultiplier}, ${r.steps} steps${r.orders === 'bench' ? ", the bench's RDP orders (to α = 512)" : ''}`,
    ...(r.preprocessingNoiseMultiplier !== undefined ? [`  composed with a Gaussian release (preprocessing statistics) at σ = ${r.preprocessingNoiseMultiplier}`] : []),
  ].join('\n');
}

export type NoiseReport = (RdpReportFields | PrvReportFields) & {
  noiseMultiplier: number;
  /** ε actually reached at noiseMultiplier (≤ targetEpsilon); for PRV its upper bound. */
  epsilon: number;
  targetEpsilon: number;
  epsilonTolerance: number;
  delta: number;
  sampleRate: number;
  steps: number;
  warnings: string[];
};

/** A calibration step as a progress line: the bracket of σ narrows until ε is within tolerance. */
export function calibrationProgressUpdate(p: CalibrationProgress, targetEpsilon: number): ProgressUpdate {
  const eps = Number.isFinite(p.epsilon) ? p.epsilon.toPrecision(4) : '∞';
  const bracket = p.stage === 'bracket' ? 'searching for an upper bound on σ' : `σ in [${p.sigmaLow.toPrecision(6)}, ${p.sigmaHigh.toPrecision(6)}]`;
  return { done: p.evaluations, total: 0, detail: `evaluation ${p.evaluations}: σ = ${p.noiseMultiplier.toPrecision(6)} gives ε = ${eps} (target ${targetEpsilon}); ${bracket}` };
}

export function privacyNoiseCommand(flags: RawFlags, onProgress?: (p: CalibrationProgress) => void): NoiseReport {
  const targetEpsilon = numberFlag(flags.epsilon, '--epsilon', 'a target ε > 0', (e) => e > 0 && Number.isFinite(e));
  const delta = deltaFlag(flags);
  const sampleRate = sampleRateFlag(flags);
  const steps = stepsFlag(flags);
  const name = accountantFlag(flags);
  const conversion = conversionFlag(flags);
  const epsError = epsErrorFlag(flags);
  const epsilonTolerance =
    flags.epsilonTolerance === undefined
      ? 0.01
      : numberFlag(flags.epsilonTolerance, '--epsilon-tolerance', 'a tolerance > 0 below the target ε', (t) => t > 0 && Number.isFinite(t));
  const result = noiseMultiplierFor({
    targetEpsilon,
    delta,
    sampleRate,
    steps,
    epsilonTolerance,
    accountant: accountantFactory(name, conversion, epsError),
    ...(onProgress ? { onProgress } : {}),
  });
  return {
    ...accountantFields(name, conversion, result.spent),
    noiseMultiplier: result.noiseMultiplier,
    epsilon: result.spent.epsilon,
    targetEpsilon,
    epsilonTolerance,
    delta,
    sampleRate,
    steps,
    warnings: result.spent.warnings,
  };
}

export function formatNoiseReport(r: NoiseReport): string {
  return [
    `noise multiplier σ = ${ceilSignificant(r.noiseMultiplier, 6)} gives ε = ${ceilSignificant(r.epsilon, 4)} ≤ ${r.targetEpsilon} at δ = ${r.delta} (${accountantDescription(r)})`,
    `  Poisson sampling rate q = ${r.sampleRate}, ${r.steps} steps; noise sd = σ × clip norm`,
  ].join('\n');
}

function printWarnings(warnings: string[]): void {
  for (const w of warnings) process.stderr.write(`fedage: warning: ${w}\n`);
}

export function registerPrivacy(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('privacy calculators: ε of DP-SGD / DP-FedAvg for given noise, or the noise for a target ε (RDP or PRV accountant, as Opacus)')
    // Without this, Commander prints help and the exit code would be 0 for a command that did nothing.
    .action(() => missingSubcommand(privacy, 'subcommand, epsilon or noise'));

  privacy
    .command('epsilon')
    .description('ε spent by the Poisson-subsampled Gaussian mechanism over T steps')
    .option('--sample-rate <q>', 'Poisson sampling rate q in (0, 1] (batch size / dataset size; clients per round / clients)')
    .option('--noise-multiplier <sigma>', 'noise standard deviation over the clip norm, σ in [1e-100, 1e100]')
    .option('--steps <T>', 'number of steps (DP-SGD iterations, or DP-FedAvg rounds)')
    .option('--delta <d>', 'δ in (0, 1); usually below 1 / dataset size')
    .option('--accountant <name>', 'rdp (default; Rényi DP, as Opacus RDPAccountant) or prv (tighter; Gopi et al. 2021, as Opacus PRVAccountant)')
    .option('--conversion <kind>', 'RDP only: RDP to (ε, δ), improved (default; Balle et al. 2020, as Opacus) or classic (Mironov 2017, old TF Privacy)')
    .option('--eps-error <e>', 'PRV only: allowed error in ε, added to the reported upper bound (default 0.01, as Opacus)')
    .option('--orders <set>', 'RDP only: opacus (default, α ≤ 63) or bench (extended to α = 512, as fedage bench accounts; reproduces its per-site rows)')
    .option('--preprocessing-noise-multiplier <sigma>', 'also compose one Gaussian release at this σ (the DP preprocessing statistics of fedage bench --dp-preprocessing-*)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage privacy epsilon --sample-rate 0.04 --noise-multiplier 1.5 --steps 2250 --delta 1e-5',
        '  ε = 7.33 at δ = 0.00001 (RDP accountant, best order α = 3.9, Balle et al. 2020 conversion)',
        '  $ fedage privacy epsilon --sample-rate 0.04 --noise-multiplier 1.5 --steps 2250 --delta 1e-5 --accountant prv',
        '  ε = 6.78 at δ = 0.00001 (PRV accountant, Gopi et al. 2021: an upper bound, the true ε is at least 6.758; ...)',
        '  $ fedage privacy epsilon --sample-rate 0.04 --noise-multiplier 1.5 --steps 2250 --delta 1e-5 --json',
        '',
        'ε is rounded up when printed. Exit codes: 0 ok, 2 a missing or invalid flag.',
      ].join('\n'),
    )
    .action((flags: RawFlags) => {
      const report = privacyEpsilonCommand(flags);
      process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : formatEpsilonReport(report)}\n`);
      printWarnings(report.warnings);
    });

  privacy
    .command('noise')
    .description('the noise multiplier σ that reaches a target (ε, δ): bisection that never overshoots ε')
    .option('--epsilon <e>', 'target ε > 0')
    .option('--delta <d>', 'δ in (0, 1)')
    .option('--sample-rate <q>', 'Poisson sampling rate q in (0, 1]')
    .option('--steps <T>', 'number of steps (integer >= 1)')
    .option('--epsilon-tolerance <t>', 'stop when the reached ε is within t below the target (default 0.01, as Opacus)')
    .option('--accountant <name>', 'rdp (default) or prv (tighter: less noise for the same ε)')
    .option('--conversion <kind>', 'RDP only: improved (default) or classic')
    .option('--eps-error <e>', 'PRV only: allowed error in ε (default 0.01)')
    .option('--json', 'print JSON')
    .option(...QUIET_FLAG)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage privacy noise --epsilon 8 --delta 1e-5 --sample-rate 0.04 --steps 2250',
        '  noise multiplier σ = 1.41602 gives ε = 7.999 ≤ 8 at δ = 0.00001 (...)',
        '',
        'σ is rounded up when printed (more noise, never less). Exit codes: 0 ok, 2 a missing or',
        'invalid flag, or a target ε that no noise multiplier up to 1e6 reaches.',
      ].join('\n'),
    )
    .action((flags: RawFlags) => {
      const progress = createProgress('privacy noise', { quiet: flags.quiet });
      const target = Number(flags.epsilon);
      let report: NoiseReport;
      try {
        report = privacyNoiseCommand(flags, (p) => progress.update(calibrationProgressUpdate(p, target)));
      } finally {
        progress.stop();
      }
      process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : formatNoiseReport(report)}\n`);
      printWarnings(report.warnings);
    });

  for (const cmd of privacy.commands) cmd.exitOverride();
}
