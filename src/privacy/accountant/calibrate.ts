/**
 * Noise calibration: the noise multiplier σ that reaches a target (ε, δ) for given sampling rate
 * and steps. Bisection as Opacus `opacus/accountants/utils.py` `get_noise_multiplier`: double σ
 * from 10 until ε(σ) ≤ target, then bisect keeping the invariant ε(σ_high) ≤ target, and stop once
 * target − ε(σ_high) ≤ epsilonTolerance (0.01 by default, as Opacus). The returned σ is always a
 * σ_high: it NEVER overshoots the target, and its ε is within epsilonTolerance below it. With
 * the default options the bisection visits exactly Opacus's σ sequence, so it returns Opacus's σ.
 */
import { FedageError, EXIT_INPUT } from '../../errors.js';
import { createAccountant, type Accountant, type AccountantName, type PrivacySpent } from './accountant.js';
import { checkDelta } from './conversion.js';
import { AccountantInputError } from './input-error.js';

/** σ above which a target is declared unreachable (Opacus: MAX_SIGMA = 1e6). */
export const MAX_NOISE_MULTIPLIER = 1e6;

/** The target ε cannot be reached within the σ search range (exit 2: the inputs ask the impossible). */
export class UnreachableEpsilonError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INPUT);
  }
}

export interface CalibrationOptions {
  targetEpsilon: number;
  delta: number;
  sampleRate: number;
  steps: number;
  /** Accountant name or factory; default 'rdp'. */
  accountant?: AccountantName | (() => Accountant);
  /** Stop once target − ε(σ) ≤ this (> 0); default 0.01 as Opacus. */
  epsilonTolerance?: number;
  /** Largest σ tried before giving up; default 1e6 as Opacus. */
  maxNoiseMultiplier?: number;
  /** Called after every accountant evaluation (a PRV evaluation can take a second). */
  onProgress?: (p: CalibrationProgress) => void;
}

/** One evaluation of the search: the σ tried, its ε, and the bracket [σ_low, σ_high] so far. */
export interface CalibrationProgress {
  evaluations: number;
  stage: 'bracket' | 'bisect';
  noiseMultiplier: number;
  epsilon: number;
  sigmaLow: number;
  sigmaHigh: number;
}

export interface CalibrationResult {
  noiseMultiplier: number;
  /** ε actually reached at noiseMultiplier: target − epsilonTolerance ≤ epsilon ≤ target. */
  spent: PrivacySpent;
  targetEpsilon: number;
  epsilonTolerance: number;
  /** Accountant evaluations used. */
  evaluations: number;
}

export function noiseMultiplierFor(options: CalibrationOptions): CalibrationResult {
  const { targetEpsilon, delta, sampleRate, steps } = options;
  const tolerance = options.epsilonTolerance ?? 0.01;
  const maxSigma = options.maxNoiseMultiplier ?? MAX_NOISE_MULTIPLIER;
  if (!(targetEpsilon > 0) || !Number.isFinite(targetEpsilon)) throw new AccountantInputError(`targetEpsilon: expected a finite number > 0, found ${targetEpsilon}`);
  checkDelta(delta);
  if (!(sampleRate > 0 && sampleRate <= 1)) throw new AccountantInputError(`sampleRate: expected a number in (0, 1], found ${sampleRate}`);
  if (!Number.isSafeInteger(steps) || steps < 1) throw new AccountantInputError(`steps: expected an integer in [1, 2^53 − 1], found ${steps}`);
  if (!(tolerance > 0)) throw new AccountantInputError(`epsilonTolerance: expected a number > 0, found ${tolerance}`);
  const make = typeof options.accountant === 'function' ? options.accountant : () => createAccountant((options.accountant as AccountantName | undefined) ?? 'rdp');

  let evaluations = 0;
  const epsilonAt = (noiseMultiplier: number): PrivacySpent => {
    evaluations++;
    const acc = make();
    acc.step({ noiseMultiplier, sampleRate, steps });
    return acc.getEpsilon(delta);
  };

  let sigmaLow = 0;
  let sigmaHigh = 10;
  let high: PrivacySpent | undefined;
  do {
    sigmaHigh *= 2;
    high = epsilonAt(sigmaHigh);
    options.onProgress?.({ evaluations, stage: 'bracket', noiseMultiplier: sigmaHigh, epsilon: high.epsilon, sigmaLow, sigmaHigh });
    if (high.epsilon <= targetEpsilon) break;
    if (sigmaHigh > maxSigma) {
      throw new UnreachableEpsilonError(
        `cannot reach ε = ${targetEpsilon} at δ = ${delta} with sampling rate ${sampleRate} over ${steps} steps: ` +
          `even noise multiplier ${sigmaHigh} gives ε = ${high.epsilon.toPrecision(4)} ` +
          (high.accountant === 'prv'
            ? `(the PRV bound includes its ε error, ${high.prv?.epsError ?? 0.01}, however large σ is); raise the target ε or δ`
            : `(an RDP bound converted over finite orders has a floor at each δ, however large σ is); raise the target ε or δ`),
      );
    }
  } while (high.epsilon > targetEpsilon);

  // Invariant: ε(σ_high) ≤ target < ε(σ_low) (ε(0) = ∞). The iteration cap only matters for
  // tolerances below what doubles can resolve; it still returns a σ that meets the target.
  for (let iter = 0; targetEpsilon - high.epsilon > tolerance && iter < 200; iter++) {
    const sigma = (sigmaLow + sigmaHigh) / 2;
    if (sigma === sigmaLow || sigma === sigmaHigh) break;
    const mid = epsilonAt(sigma);
    if (mid.epsilon < targetEpsilon) {
      sigmaHigh = sigma;
      high = mid;
    } else {
      sigmaLow = sigma;
    }
    options.onProgress?.({ evaluations, stage: 'bisect', noiseMultiplier: sigma, epsilon: mid.epsilon, sigmaLow, sigmaHigh });
  }
  return { noiseMultiplier: sigmaHigh, spent: high, targetEpsilon, epsilonTolerance: tolerance, evaluations };
}
