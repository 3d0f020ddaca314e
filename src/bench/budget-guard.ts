/**
 * The one privacy-budget guard of the bench, for sample- and client-level DP alike: one RDP
 * accountant per data holder (a site at sample level; the federation at client level), and
 * before every mechanism step the ε that step would bring each holder to. Training stops
 * *before* a step that would take any holder past the budget — never after — so the ε
 * reported is always within it. ε is increasing in the steps composed, so projecting the next
 * step is enough (Mironov 2017, RDP composition; conversion Balle et al. 2020, Thm 21).
 *
 * One-shot DP-SGD runs (central, local) know their whole schedule up front: `stepsWithinBudget`
 * (privacy-arms.ts) finds the largest step count within the budget by bisection on the same ε.
 */
import type { RdpAccountant } from '../privacy/accountant/accountant.js';
import { newAccountant } from './privacy-arms.js';

export interface HolderStep {
  /** A site id, or '*' for the federation's one accountant (client level). */
  holder: string;
  noiseMultiplier: number;
  sampleRate: number;
  /** Mechanism steps (DP-SGD steps, or 1 round); default 1. */
  steps?: number;
}

export interface BudgetExceeded {
  holder: string;
  /** ε the holder would reach with the refused step. */
  projected: number;
}

export class BudgetGuard {
  private readonly accountants = new Map<string, RdpAccountant>();
  private readonly prefixSteps: number;

  /**
   * `prefix`: mechanisms every holder has already been through before training (the DP
   * preprocessing release), composed first; `spent().steps` counts training steps only.
   */
  constructor(
    readonly budget: number | null,
    readonly delta: number,
    holders: readonly string[],
    prefix: readonly { noiseMultiplier: number; sampleRate: number; steps: number }[] = [],
  ) {
    for (const h of holders) this.accountants.set(h, newAccountant(prefix));
    this.prefixSteps = prefix.reduce((a, e) => a + e.steps, 0);
  }

  /** The first holder (in the order given) the next steps would take past the budget, or null. */
  check(next: readonly HolderStep[]): BudgetExceeded | null {
    if (this.budget === null) return null;
    for (const s of next) {
      const projected = this.accountant(s.holder).projectEpsilon(mechanismStep(s), this.delta).epsilon;
      if (projected > this.budget) return { holder: s.holder, projected };
    }
    return null;
  }

  /** Composes steps that were taken. */
  record(taken: readonly HolderStep[]): void {
    for (const s of taken) this.accountant(s.holder).step(mechanismStep(s));
  }

  /** ε spent by a holder so far (0 and α null before any step), with the accountant's warnings. */
  spent(holder: string): { epsilon: number; alpha: number | null; steps: number; warnings: string[] } {
    const acc = this.accountant(holder);
    const spent = acc.getEpsilon(this.delta);
    const all = acc.history.reduce((a, h) => a + h.steps, 0);
    const steps = all - this.prefixSteps;
    return { epsilon: all === 0 ? 0 : spent.epsilon, alpha: all === 0 || !Number.isFinite(spent.alpha) ? null : spent.alpha, steps, warnings: spent.warnings };
  }

  private accountant(holder: string): RdpAccountant {
    const acc = this.accountants.get(holder);
    if (!acc) throw new Error(`internal: no accountant for ${holder}`);
    return acc;
  }
}

function mechanismStep(s: HolderStep) {
  return s.steps === undefined ? { noiseMultiplier: s.noiseMultiplier, sampleRate: s.sampleRate } : { noiseMultiplier: s.noiseMultiplier, sampleRate: s.sampleRate, steps: s.steps };
}
