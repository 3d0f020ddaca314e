/**
 * `fedage privacy epsilon|noise`: the privacy calculators. Flags are parsed and checked here
 * (each bad value is a UsageError naming the flag, what was expected and what was found: exit 2);
 * the math is in src/privacy/accountant.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { RdpAccountant } from '../privacy/accountant/accountant.js';
import { noiseMultiplierFor } from '../privacy/accountant/calibrate.js';
import type { RdpConversion } from '../privacy/accountant/conversion.js';

interface RawFlags {
  sampleRate?: string;
  noiseMultiplier?: string;
  steps?: string;
  delta?: string;
  epsilon?: string;
  epsilonTolerance?: string;
  conversion?: string;
  json?: boolean;
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

export interface EpsilonReport {
  accountant: 'rdp';
  conversion: RdpConversion;
  epsilon: number | null;
  alpha: number | null;
  delta: number;
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
  warnings: string[];
}

export function privacyEpsilonCommand(flags: RawFlags): EpsilonReport {
  const sampleRate = sampleRateFlag(flags);
  const noiseMultiplier = numberFlag(flags.noiseMultiplier, '--noise-multiplier', 'a noise multiplier σ > 0', (s) => s > 0 && Number.isFinite(s));
  const steps = stepsFlag(flags);
  const delta = deltaFlag(flags);
  const conversion = conversionFlag(flags);
  const accountant = new RdpAccountant({ conversion });
  accountant.step({ noiseMultiplier, sampleRate, steps });
  const spent = accountant.getEpsilon(delta);
  return {
    accountant: 'rdp',
    conversion,
    epsilon: Number.isFinite(spent.epsilon) ? spent.epsilon : null,
    alpha: Number.isFinite(spent.alpha) ? spent.alpha : null,
    delta,
    sampleRate,
    noiseMultiplier,
    steps,
    warnings: spent.warnings,
  };
}

export function formatEpsilonReport(r: EpsilonReport): string {
  return [
    `ε = ${r.epsilon === null ? '∞' : ceilSignificant(r.epsilon, 4)} at δ = ${r.delta} (RDP accountant, best order α = ${r.alpha ?? 'n/a'}, ${conversionName(r.conversion)})`,
    `  Poisson sampling rate q = ${r.sampleRate}, noise multiplier σ = ${r.noiseMultiplier}, ${r.steps} steps`,
  ].join('\n');
}

export interface NoiseReport {
  accountant: 'rdp';
  conversion: RdpConversion;
  noiseMultiplier: number;
  /** ε actually reached at noiseMultiplier (≤ targetEpsilon). */
  epsilon: number;
  alpha: number;
  targetEpsilon: number;
  epsilonTolerance: number;
  delta: number;
  sampleRate: number;
  steps: number;
  warnings: string[];
}

export function privacyNoiseCommand(flags: RawFlags): NoiseReport {
  const targetEpsilon = numberFlag(flags.epsilon, '--epsilon', 'a target ε > 0', (e) => e > 0 && Number.isFinite(e));
  const delta = deltaFlag(flags);
  const sampleRate = sampleRateFlag(flags);
  const steps = stepsFlag(flags);
  const conversion = conversionFlag(flags);
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
    accountant: () => new RdpAccountant({ conversion }),
  });
  return {
    accountant: 'rdp',
    conversion,
    noiseMultiplier: result.noiseMultiplier,
    epsilon: result.spent.epsilon,
    alpha: result.spent.alpha,
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
    `noise multiplier σ = ${ceilSignificant(r.noiseMultiplier, 6)} gives ε = ${ceilSignificant(r.epsilon, 4)} ≤ ${r.targetEpsilon} at δ = ${r.delta} (RDP accountant, best order α = ${r.alpha}, ${conversionName(r.conversion)})`,
    `  Poisson sampling rate q = ${r.sampleRate}, ${r.steps} steps; noise sd = σ × clip norm`,
  ].join('\n');
}

function printWarnings(warnings: string[]): void {
  for (const w of warnings) process.stderr.write(`fedage: warning: ${w}\n`);
}

export function registerPrivacy(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('privacy calculators: ε of DP-SGD / DP-FedAvg for given noise, or the noise for a target ε (RDP accountant, as Opacus)')
    .action(() => {
      // Without this, Commander prints help and the exit code would be 0 for a command that did nothing.
      throw new UsageError('privacy: expected a subcommand, epsilon or noise, found none (see fedage privacy --help)');
    });

  privacy
    .command('epsilon')
    .description('ε spent by the Poisson-subsampled Gaussian mechanism over T steps')
    .option('--sample-rate <q>', 'Poisson sampling rate q in (0, 1] (batch size / dataset size; clients per round / clients)')
    .option('--noise-multiplier <sigma>', 'noise standard deviation over the clip norm, σ > 0')
    .option('--steps <T>', 'number of steps (DP-SGD iterations, or DP-FedAvg rounds)')
    .option('--delta <d>', 'δ in (0, 1); usually below 1 / dataset size')
    .option('--conversion <kind>', 'RDP to (ε, δ): improved (Balle et al. 2020, as Opacus) or classic (Mironov 2017, old TF Privacy)', 'improved')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage privacy epsilon --sample-rate 0.04 --noise-multiplier 1.5 --steps 2250 --delta 1e-5',
        '  ε = 7.33 at δ = 0.00001 (RDP accountant, best order α = 3.9, Balle et al. 2020 conversion)',
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
    .option('--conversion <kind>', 'improved (default) or classic', 'improved')
    .option('--json', 'print JSON')
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
      const report = privacyNoiseCommand(flags);
      process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : formatNoiseReport(report)}\n`);
      printWarnings(report.warnings);
    });

  for (const cmd of privacy.commands) cmd.exitOverride();
}
