/**
 * The accountant interface and the RDP accountant: a thin tracker of the (σ, q, steps) history;
 * the math lives in rdp.ts (RDP of the sampled Gaussian mechanism) and conversion.ts (RDP → ε).
 * Modelled on Opacus `opacus/accountants/rdp.py` (`RDPAccountant`): consecutive steps with the
 * same (σ, q) are merged into one history entry, and ε is recomputed from the whole history.
 */
import { computeRdp, checkRdpParameters, checkOrders, DEFAULT_ORDERS } from './rdp.js';
import { convertRdp, type RdpConversion } from './conversion.js';

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

export type AccountantName = 'rdp';

export interface PrivacySpent {
  /** ε such that the history so far is (ε, δ)-DP; ∞ if any step had σ = 0 with q > 0. */
  epsilon: number;
  delta: number;
  /** The Rényi order at which the bound was tightest (NaN when ε = ∞). */
  alpha: number;
  accountant: AccountantName;
  conversion: RdpConversion;
  warnings: string[];
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

export class RdpAccountant implements Accountant {
  readonly name = 'rdp' as const;
  readonly orders: readonly number[];
  readonly conversion: RdpConversion;
  private readonly entries: HistoryEntry[] = [];

  constructor(options: RdpAccountantOptions = {}) {
    this.orders = options.orders ?? DEFAULT_ORDERS;
    checkOrders(this.orders);
    this.conversion = options.conversion ?? 'improved';
    for (const h of options.history ?? []) this.step(h);
  }

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
    return epsilonOfHistory(this.entries, delta, { orders: this.orders, conversion: this.conversion });
  }

  projectEpsilon(next: MechanismStep, delta: number): PrivacySpent {
    return epsilonOfHistory([...this.entries, normalizeStep(next)], delta, { orders: this.orders, conversion: this.conversion });
  }
}

/** A fresh accountant by name (the one place that maps names to implementations). */
export function createAccountant(name: AccountantName = 'rdp', options: RdpAccountantOptions = {}): Accountant {
  if (name !== 'rdp') throw new RangeError(`accountant: expected rdp, found ${String(name)}`);
  return new RdpAccountant(options);
}
