/**
 * FedOpt: Reddi, Charles, Zaheer, Garrett, Rush, Konečný, Kumar & McMahan 2021, "Adaptive
 * Federated Optimization", ICLR, Algorithm 2 (FedAdagrad, FedYogi, FedAdam) — the shared base;
 * fedadam.ts, fedyogi.ts and fedadagrad.ts each supply only the second-moment rule.
 *
 * Clients run FedAvg's local training; the server treats the mean client delta as a
 * pseudo-gradient for an adaptive optimizer, per coordinate:
 *
 *   Δ = x̄ − x                          (x̄ = example-weighted mean of the client models)
 *   m ← β1·m + (1 − β1)·Δ
 *   v ← secondMoment(v, Δ²)             Adam: β2·v + (1 − β2)·Δ²
 *                                       Yogi: v − (1 − β2)·Δ²·sign(v − Δ²)
 *                                       Adagrad: v + Δ²
 *   x ← x + η·m / (√v + τ)
 *
 * Choices (paper vs Flower, framework/py/flwr/server/strategy/fed{opt,adam,yogi,adagrad}.py):
 * - Initial state m = 0 and v = τ²: the paper's initialization "v₋₁ ≥ τ²" at its lower bound.
 *   Flower starts from v = 0 (its first FedYogi/FedAdagrad step then divides by |Δ|·c + τ).
 * - No bias correction: Algorithm 2 has none. Flower's FedAdam (only) multiplies η by
 *   √(1 − β2^(t+1)) / (1 − β1^(t+1)); FedYogi and FedAdagrad do not.
 * - FedAdagrad keeps the momentum m with β1 as Algorithm 2 writes it; Flower's FedAdagrad
 *   fixes β1 = 0.
 * - Δ is the example-weighted mean (as FedAvg and Flower); the paper's Algorithm 2 writes the
 *   unweighted mean (1/|S|)·Σ Δ_i, equal when clients hold equally many examples.
 * Defaults: β1 = 0.9, β2 = 0.99, τ = 1e-3 (FEDOPT_DEFAULTS below: Flower's FedYogi defaults,
 * and the values the paper's experiments fix β1, β2 at); η per strategy in its own file
 * (FedAdam and FedYogi 0.03, FedAdagrad 0.1: what suits the shipped scenarios; Flower uses
 * 0.1 for FedAdam/FedAdagrad and 0.01 for FedYogi). With τ ≪ |Δ| the first steps move each
 * coordinate by about η, so η is a per-round step size in parameter units: tune it (the paper
 * grids η over powers of √10).
 */
import { FedAvg } from './fedavg.js';
import type { AggregatedUpdate, ServerState } from './strategy.js';

/** The moment settings shared by FedAdam, FedYogi and FedAdagrad (η is each one's own). */
export const FEDOPT_DEFAULTS = { beta1: 0.9, beta2: 0.99, tau: 1e-3 } as const;

export interface FedOptOptions {
  serverLearningRate?: number;
  beta1?: number;
  beta2?: number;
  tau?: number;
}

export abstract class FedOpt extends FedAvg {
  readonly serverLearningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly tau: number;

  /** `defaults`: the concrete strategy's registry defaults (its η; β2 unused by FedAdagrad). */
  constructor(options: FedOptOptions, defaults: FedOptOptions & { serverLearningRate: number }) {
    super();
    this.serverLearningRate = options.serverLearningRate ?? defaults.serverLearningRate;
    this.beta1 = options.beta1 ?? defaults.beta1 ?? FEDOPT_DEFAULTS.beta1;
    this.beta2 = options.beta2 ?? defaults.beta2 ?? FEDOPT_DEFAULTS.beta2;
    this.tau = options.tau ?? defaults.tau ?? FEDOPT_DEFAULTS.tau;
  }

  /** The new second moment v from the old one and Δ² (one coordinate). */
  protected abstract secondMoment(v: number, deltaSquared: number): number;

  protected override initialServerVectors(paramCount: number): Record<string, Float64Array> {
    return { m: new Float64Array(paramCount), v: new Float64Array(paramCount).fill(this.tau * this.tau) };
  }

  override serverStep(state: ServerState, aggregated: AggregatedUpdate): ServerState {
    const x = state.params;
    const avg = aggregated.params;
    const mPrev = state.vectors.m;
    const vPrev = state.vectors.v;
    const { beta1, tau } = this;
    const eta = this.serverLearningRate;
    const m = new Float64Array(x.length);
    const v = new Float64Array(x.length);
    const params = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const delta = avg[j] - x[j];
      m[j] = beta1 * mPrev[j] + (1 - beta1) * delta;
      v[j] = this.secondMoment(vPrev[j], delta * delta);
      params[j] = x[j] + (eta * m[j]) / (Math.sqrt(v[j]) + tau);
    }
    return { ...state, round: state.round + 1, params, vectors: { ...state.vectors, m, v } };
  }
}
