/**
 * The accountant interface and the RDP accountant: a thin tracker of the (σ, q, steps) history;
 * the math lives in rdp.ts (RDP of the sampled Gaussian mechanism) and conversion.ts (RDP → ε).
 * Modelled on Opacus `opacus/accountants/rdp.py` (`RDPAccountant`): consecutive steps with the
 * same (σ, q) are merged into one history entry, and ε is recomputed from the whole history.
 */
import { computeRdp, checkRdpParameters, checkOrders, DEFAULT_ORDERS } from './rdp.js';
import { convertRdp, checkDelta, type RdpConversion } from './conversion.js';
import { prvEpsilonOfHistory } from './prv.js';
import { AccountantInputError } from './input-error.js';

/** One or more steps of the Poisson-subsampled Gaussian mechanism with the same parameters. */
export interface MechanismStep {
  /** Noise standard deviation over the L2 sensitivity (clip norm). 0 means no privacy. */
  noiseMultiplier: number;
  /** Poisson sampling rate q in [0, 1] (for client-level DP: the client sampling rate). */
  sampleRate: number;
  /** How many such steps (a non-negative integer); default 1. */
  steps?: number;
}

export interface HistoryEntry {
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
}

export type AccountantName = 'rdp' | 'prv';

/** The accountants, the default first. */
export const ACCOUNTANT_NAMES: readonly AccountantName[] = ['rdp', 'prv'];

export interface PrivacySpent {
  /** ε such that the history so far is (ε, δ)-DP; ∞ if any step had σ = 0 with q > 0. */
  epsilon: number;
  delta: number;
  /** The Rényi order at which the bound was tightest (NaN when ε = ∞, and for the PRV accountant). */
  alpha: number;
  accountant: AccountantName;
  /** The RDP → (ε, δ) conversion (RDP accountant only). */
  conversion?: RdpConversion;
  /** The PRV accountant's error budget and its two-sided bracket on the true ε (PRV accountant only). */
  prv?: PrvDetails;
  warnings: string[];
}

export interface PrvDetails {
  /** The true ε is at least this (ε(δ + deltaError) − epsError); `epsilon` is the upper bound. */
  epsilonLower: number;
  /** ε(δ) on the discretized composition, without the error margins. */
  epsilonEstimate: number;
  epsError: number;
  deltaError: number;
  /** Grid points of the discretization. */
  domainSize: number;
}

export interface Accountant {
  readonly name: AccountantName;
  /** The composed history, oldest first; consecutive equal (σ, q) entries are merged. */
  readonly history: readonly HistoryEntry[];
  /** Records `steps` (default 1) steps of the mechanism. */
  step(step: MechanismStep): void;
  /** ε at this δ for the whole history. */
  getEpsilon(delta: number): PrivacySpent;
  /** ε at this δ if `next` were also taken, without recording it: for budget checks. */
  projectEpsilon(next: MechanismStep, delta: number): PrivacySpent;
}

export interface RdpAccountantOptions {
  /** RDP orders α > 1; default: Opacus's DEFAULT_ALPHAS. */
  orders?: readonly number[];
  /** RDP → (ε, δ) conversion; default 'improved' (Balle et al. 2020, as Opacus). */
  conversion?: RdpConversion;
  /** An initial history (e.g. restored from a results file). */
  history?: readonly HistoryEntry[];
}

function normalizeStep(s: MechanismStep): HistoryEntry {
  const entry = { noiseMultiplier: s.noiseMultiplier, sampleRate: s.sampleRate, steps: s.steps ?? 1 };
  checkRdpParameters(entry);
  return entry;
}

/** Total RDP of a history at each order: RDP composes by summation (Mironov 2017, Proposition 1). */
export function rdpOfHistory(history: readonly HistoryEntry[], orders: readonly number[] = DEFAULT_ORDERS): Float64Array {
  checkOrders(orders);
  const total = new Float64Array(orders.length);
  for (const h of history) {
    const rdp = computeRdp({ ...h, orders });
    for (let k = 0; k < total.length; k++) total[k] += rdp[k];
  }
  return total;
}

/** ε of a history at δ (pure): RDP summed over the history, then converted and minimized over α. */
export function epsilonOfHistory(
  history: readonly HistoryEntry[],
  delta: number,
  options: { orders?: readonly number[]; conversion?: RdpConversion } = {},
): PrivacySpent {
  const orders = options.orders ?? DEFAULT_ORDERS;
  const conversion = options.conversion ?? 'improved';
  const { epsilon, alpha, warnings } = convertRdp(conversion, orders, rdpOfHistory(history, orders), delta);
  return { epsilon, delta, alpha, accountant: 'rdp', conversion, warnings };
}

/**
 * The history both accountants track (Opacus's accountants are thin trackers too): steps in
 * order, consecutive equal (σ, q) merged. Subclasses only say how a history becomes ε.
 */
abstract class HistoryAccountant {
  private readonly entries: HistoryEntry[] = [];

  protected abstract epsilonOf(history: readonly HistoryEntry[], delta: number): PrivacySpent;

  get history(): readonly HistoryEntry[] {
    return this.entries.map((h) => ({ ...h }));
  }

  /** Total number of recorded steps. */
  get totalSteps(): number {
    return this.entries.reduce((n, h) => n + h.steps, 0);
  }

  step(step: MechanismStep): void {
    const entry = normalizeStep(step);
    if (entry.steps === 0) return;
    const last = this.entries[this.entries.length - 1];
    if (last && last.noiseMultiplier === entry.noiseMultiplier && last.sampleRate === entry.sampleRate) last.steps += entry.steps;
    else this.entries.push(entry);
  }

  getEpsilon(delta: number): PrivacySpent {
    return this.epsilonOf(this.entries, delta);
  }

  projectEpsilon(next: MechanismStep, delta: number): PrivacySpent {
    return this.epsilonOf([...this.entries, normalizeStep(next)], delta);
  }
}

export class RdpAccountant extends HistoryAccountant implements Accountant {
  readonly name = 'rdp' as const;
  readonly orders: readonly number[];
  readonly conversion: RdpConversion;

  constructor(options: RdpAccountantOptions = {}) {
    super();
    this.orders = options.orders ?? DEFAULT_ORDERS;
    checkOrders(this.orders);
    this.conversion = options.conversion ?? 'improved';
    for (const h of options.history ?? []) this.step(h);
  }

  protected epsilonOf(history: readonly HistoryEntry[], delta: number): PrivacySpent {
    return epsilonOfHistory(history, delta, { orders: this.orders, conversion: this.conversion });
  }
}

export interface PrvAccountantOptions {
  /** Allowed error in ε (> 0); default 0.01 as Opacus. The reported ε is an upper bound that includes it. */
  epsError?: number;
  /** Allowed error in δ as a fraction of δ (in (0, 1)); default 1/1000 as Opacus (delta_error = δ/1000). */
  deltaErrorFraction?: number;
  /** An initial history (e.g. restored from a results file). */
  history?: readonly HistoryEntry[];
}

/**
 * ε of a history at δ with the PRV accountant (pure): Gopi, Lee & Wutschitz 2021, as Opacus
 * `PRVAccountant.get_epsilon`; the reported ε is the paper's upper bound (Theorem 5.5).
 */
export function prvEpsilonSpent(
  history: readonly HistoryEntry[],
  delta: number,
  options: { epsError?: number; deltaErrorFraction?: number } = {},
): PrivacySpent {
  checkDelta(delta);
  const epsError = options.epsError ?? 0.01;
  const fraction = options.deltaErrorFraction ?? 1 / 1000;
  if (!(epsError > 0) || !Number.isFinite(epsError)) throw new AccountantInputError(`epsError: expected a number > 0, found ${epsError}`);
  if (!(fraction > 0 && fraction < 1)) throw new AccountantInputError(`deltaErrorFraction: expected a number in (0, 1), found ${fraction}`);
  const deltaError = delta * fraction;
  const r = prvEpsilonOfHistory(history, delta, { epsError, deltaError });
  // With no privacy-relevant step ε is 0; never report the error margin as spent budget.
  const empty = r.domainSize === 0 && r.upper === 0;
  return {
    epsilon: r.upper,
    delta,
    alpha: NaN,
    accountant: 'prv',
    prv: { epsilonLower: empty ? 0 : Math.max(0, r.lower), epsilonEstimate: r.estimate, epsError, deltaError, domainSize: r.domainSize },
    warnings: [],
  };
}

/**
 * The PRV accountant (Opacus `PRVAccountant`): the same history as the RDP accountant; ε is
 * recomputed from the whole history by numerical composition (prv.ts). Tighter than RDP.
 */
export class PrvAccountant extends HistoryAccountant implements Accountant {
  readonly name = 'prv' as const;
  readonly epsError: number;
  readonly deltaErrorFraction: number;

  constructor(options: PrvAccountantOptions = {}) {
    super();
    this.epsError = options.epsError ?? 0.01;
    this.deltaErrorFraction = options.deltaErrorFraction ?? 1 / 1000;
    if (!(this.epsError > 0) || !Number.isFinite(this.epsError)) throw new AccountantInputError(`epsError: expected a number > 0, found ${this.epsError}`);
    if (!(this.deltaErrorFraction > 0 && this.deltaErrorFraction < 1)) {
      throw new AccountantInputError(`deltaErrorFraction: expected a number in (0, 1), found ${this.deltaErrorFraction}`);
    }
    for (const h of options.history ?? []) this.step(h);
  }

  protected epsilonOf(history: readonly HistoryEntry[], delta: number): PrivacySpent {
    return prvEpsilonSpent(history, delta, { epsError: this.epsError, deltaErrorFraction: this.deltaErrorFraction });
  }
}

/** A fresh accountant by name (the one place that maps names to implementations). */
export function createAccountant(name: AccountantName = 'rdp', options: RdpAccountantOptions & PrvAccountantOptions = {}): Accountant {
  if (name === 'rdp') return new RdpAccountant(options);
  if (name === 'prv') return new PrvAccountant(options);
  throw new AccountantInputError(`accountant: expected rdp or prv, found ${String(name)}`);
}
