/**
 * Client-level differential privacy for federated training: DP-FedAvg, McMahan, Ramage, Talwar
 * & Zhang 2018, "Learning Differentially Private Recurrent Language Models", ICLR, Algorithm 1
 * (flat clipping, fixed-denominator estimator f̃_f), as a WRAPPER around any strategy in the
 * manner of Flower's DifferentialPrivacyServerSideFixedClipping
 * (framework/py/flwr/server/strategy/dp_fixed_clipping.py). Optional adaptive clipping:
 * Andrew et al. 2021 (adaptive-clipping.ts).
 *
 * Per round, at the server, with x the global model and participants S_t:
 *   Δ_k  = y_k − x, clipped: Δ̂_k = Δ_k·min(1, S/‖Δ_k‖)
 *   x̄    = x + (Σ_{k∈S_t} w_k·Δ̂_k + N(0, σ²·(S·w_max)²·I)) / D
 *   then the INNER strategy's server step on x̄ (FedAvg: x ← x̄; FedAvgM/FedOpt: x̄ − x is their
 *   pseudo-gradient — post-processing, no privacy cost).
 *
 * Weights and the sensitivity that must match them (McMahan et al. 2018, §3):
 * - 'uniform' (default): w_k = 1, D = m̄ (the EXPECTED number of participants per round, not the
 *   realized one — a data-independent denominator). One client changes the sum by ≤ S, so the
 *   noise sd on the sum is σ·S, on the average σ·S/m̄ (Flower's std = σ·S/num_sampled_clients).
 * - 'bounded' with cap ŵ: w_k = min(n_k, ŵ) (the paper's w_k = min(n_k/ŵ, 1), scaled by ŵ),
 *   D = q·W with W = Σ_{all N clients} w_k and q = m̄/N. One client changes the sum by ≤ S·ŵ,
 *   so the noise sd on the sum is σ·S·ŵ. With full participation and ŵ ≥ max n_k this is FedAvg's
 *   example weighting n_k/Σn. The clients' example counts n_k are treated as public (they fix
 *   W), as in the paper.
 * The weights the inner strategy would use are NOT used: the wrapper replaces the aggregate hook
 * (an unbounded example weighting has no finite sensitivity).
 *
 * The accountant runs the Poisson-subsampled Gaussian mechanism with multiplier σ (with adaptive
 * clipping: the z of Theorem 1, see `accounting`) and rate q = m̄/N over the rounds.
 *
 * Refused: strategies that upload vectors besides the model (SCAFFOLD's control-variate deltas
 * Δc_k = (x − y_k)/(K·η_l) − c: a second data-dependent release per client per round, scaled by
 * 1/(K·η_l), which clipping the model update does not bound). Privatizing them needs its own
 * clipping, noise and a joint sensitivity analysis (cf. Noble, Bellet & Dieuleveut 2022, DP-SCAFFOLD,
 * for the sample-level case); until then wrapping SCAFFOLD is an error, never a silent leak.
 *
 * Also withheld: each client's reported training loss (computed from its data without noise) is
 * replaced by NaN before it reaches the server, unless `releaseTrainingLoss` is set.
 */
import { compareIds, weightedCombination } from '../federated/aggregate.js';
import type {
  AggregatedUpdate,
  ClientInfo,
  ClientInstruction,
  ClientUpdate,
  ClientUpdateInput,
  ClientUpdateResult,
  ServerState,
  Strategy,
} from '../federated/strategy.js';
import {
  adaptiveUpdateNoiseMultiplier,
  nextClipNorm,
  noisedFractionUnder,
  resolveAdaptiveClipping,
  type AdaptiveClippingOptions,
  type ResolvedAdaptiveClipping,
} from './adaptive-clipping.js';
import { clipFactor, l2Norm } from './clip.js';
import { AccountantInputError } from './accountant/input-error.js';
import { isAccountableNoiseMultiplier, noiseMultiplierRangeMessage } from './accountant/rdp.js';
import type { GaussianNoise } from './noise-types.js';

export type ClientWeighting = { kind: 'uniform' } | { kind: 'bounded'; cap: number };

export interface ClientLevelDpOptions {
  /**
   * σ ≥ 0: the noise multiplier the accountant is fed. Without adaptive clipping the update sum
   * gets noise sd σ·S·w_max; with it, σ_Δ·S·w_max where σ_Δ = (σ⁻² − (2σ_b)⁻²)^(−1/2) > σ.
   */
  noiseMultiplier: number;
  /** S > 0: the L2 clip norm of a client's model update (the initial S with adaptive clipping). */
  clipNorm: number;
  /** m̄: the expected participants per round (runFederated: participantsPerRound(fraction, N)). */
  expectedClientsPerRound: number;
  /** Default uniform. */
  weighting?: ClientWeighting;
  /** Adaptive clipping (Andrew et al. 2021); omitted = fixed clipping. */
  adaptiveClipping?: AdaptiveClippingOptions;
  noise: GaussianNoise;
  /** Pass the clients' (non-private) training losses through to the server. Default false. */
  releaseTrainingLoss?: boolean;
}

/** What the accountant needs, per run (constant across rounds). */
export interface ClientDpAccounting {
  /** The multiplier to account with (σ; with adaptive clipping the z of Theorem 1). */
  noiseMultiplier: number;
  /** The multiplier actually applied to the update sum (σ_Δ; = σ without adaptive clipping). */
  updateNoiseMultiplier: number;
  /** σ_b of the clipped-count release (adaptive clipping only). */
  countNoiseMultiplier: number | null;
  /** q = m̄ / N. */
  sampleRate: number;
  /** Rounds released so far (one subsampled Gaussian mechanism each). */
  rounds: number;
  /**
   * How participants are drawn. 'all' (m̄ = N, q = 1): no subsampling, the accounting is exact.
   * 'fixed-size': m̄ < N. The RDP analysis of Mironov et al. 2019 assumes Poisson sampling: run
   * with runFederated's `clientSampling: 'poisson'` (as the bench does) and q = m̄/N is exact;
   * with its default fixed-size draw of m̄ of N, accounting with q = m̄/N is only the common
   * approximation (TensorFlow Federated does the same), not a proof.
   */
  clientSampling: 'all' | 'fixed-size';
}

/** One round's diagnostics (the clip norm used; counts of clipped updates are NOT privatized). */
export interface ClientDpRoundRecord {
  round: number;
  clipNorm: number;
  participants: number;
  clippedCount: number;
  /** The noised fraction of updates under S (adaptive clipping; a DP release), else null. */
  noisedFractionUnder: number | null;
  /** S for the next round. */
  nextClipNorm: number;
}

/** The state key holding S under adaptive clipping (a length-1 vector in ServerState.vectors). */
export const CLIP_NORM_STATE_KEY = 'dpClipNorm';

export interface ClippedUpdate {
  /** Δ̂_k = clip(y_k − x). */
  delta: Float64Array;
  /** ‖Δ_k‖ before clipping. */
  norm: number;
  clipped: boolean;
}

/** Δ̂ = (y − x)·min(1, S/‖y − x‖) for one client's model y against the global model x. */
export function clipModelUpdate(clientParams: Float64Array, globalParams: Float64Array, clipNorm: number): ClippedUpdate {
  if (clientParams.length !== globalParams.length) throw new RangeError(`client model has ${clientParams.length} values, the global model ${globalParams.length}`);
  const delta = new Float64Array(globalParams.length);
  for (let j = 0; j < delta.length; j++) delta[j] = clientParams[j] - globalParams[j];
  const norm = l2Norm(delta);
  const factor = clipFactor(norm, clipNorm);
  if (factor < 1) for (let j = 0; j < delta.length; j++) delta[j] *= factor;
  return { delta, norm, clipped: factor < 1 };
}

function checkOptions(o: ClientLevelDpOptions): void {
  if (!(o.noiseMultiplier >= 0) || !Number.isFinite(o.noiseMultiplier)) throw new RangeError(`client-level DP noise multiplier σ must be finite and >= 0, got ${o.noiseMultiplier}`);
  // A σ the accountant cannot account is refused before training, not after it.
  if (!isAccountableNoiseMultiplier(o.noiseMultiplier)) throw new AccountantInputError(noiseMultiplierRangeMessage('client-level DP noise multiplier', o.noiseMultiplier));
  if (!(o.clipNorm > 0)) throw new RangeError(`client-level DP clip norm S must be > 0, got ${o.clipNorm}`);
  if (o.noiseMultiplier > 0 && !Number.isFinite(o.clipNorm)) throw new RangeError('client-level DP with σ > 0 needs a finite clip norm S');
  if (!(Number.isFinite(o.expectedClientsPerRound) && o.expectedClientsPerRound > 0)) {
    throw new RangeError(`expected clients per round must be finite and > 0, got ${o.expectedClientsPerRound}`);
  }
  const w = o.weighting;
  if (w && w.kind === 'bounded' && !(w.cap > 0 && Number.isFinite(w.cap))) {
    throw new RangeError(`bounded client weighting needs a finite cap ŵ > 0, got ${w.cap}`);
  }
  if (o.adaptiveClipping && !Number.isFinite(o.clipNorm)) throw new RangeError('adaptive clipping needs a finite initial clip norm S');
}

export class ClientLevelDp implements Strategy {
  readonly name: string;
  readonly adaptive: ResolvedAdaptiveClipping | null;
  /** σ_Δ: the multiplier on the update sum. */
  readonly updateNoiseMultiplier: number;
  /** Diagnostics of every round this wrapper's serverStep ran (in order). */
  readonly history: ClientDpRoundRecord[] = [];
  private readonly pending = new WeakMap<AggregatedUpdate, Omit<ClientDpRoundRecord, 'round'>>();

  constructor(
    readonly inner: Strategy,
    readonly options: ClientLevelDpOptions,
  ) {
    checkOptions(options);
    if (inner.name === 'scaffold') {
      throw new RangeError(
        'client-level DP cannot wrap SCAFFOLD: its clients also upload control-variate deltas computed from their data, which clipping the model update does not bound; use fedavg, fedprox, fedavgm or a FedOpt strategy',
      );
    }
    this.name = inner.name;
    this.adaptive = options.adaptiveClipping ? resolveAdaptiveClipping(options.adaptiveClipping, options.expectedClientsPerRound) : null;
    this.updateNoiseMultiplier = this.adaptive
      ? adaptiveUpdateNoiseMultiplier(options.noiseMultiplier, this.adaptive.countNoiseMultiplier)
      : options.noiseMultiplier;
  }

  initialize(initialParams: Float64Array, population: readonly ClientInfo[]): ServerState {
    const state = this.inner.initialize(initialParams, population);
    if (this.options.expectedClientsPerRound > state.population.length) {
      throw new RangeError(`expected clients per round (${this.options.expectedClientsPerRound}) exceeds the ${state.population.length} clients`);
    }
    if (!this.adaptive) return state;
    return { ...state, vectors: { ...state.vectors, [CLIP_NORM_STATE_KEY]: Float64Array.of(this.options.clipNorm) } };
  }

  configureRound(state: ServerState, participants: readonly string[]): ClientInstruction[] {
    return this.inner.configureRound(state, participants);
  }

  clientUpdate(input: ClientUpdateInput): ClientUpdateResult {
    const result = this.inner.clientUpdate(input);
    if (this.options.releaseTrainingLoss) return result;
    return { ...result, update: { ...result.update, trainLoss: Number.NaN } };
  }

  /** The clip norm S in force for the next aggregation from `state`. */
  clipNormOf(state: ServerState): number {
    const v = state.vectors[CLIP_NORM_STATE_KEY];
    return this.adaptive && v ? v[0] : this.options.clipNorm;
  }

  /** The client's weight w_k and the maximum weight any client can have (the sensitivity factor). */
  private weightOf(exampleCount: number): number {
    const w = this.options.weighting;
    return w && w.kind === 'bounded' ? Math.min(exampleCount, w.cap) : 1;
  }

  private maxWeight(): number {
    const w = this.options.weighting;
    return w && w.kind === 'bounded' ? w.cap : 1;
  }

  /** D: m̄ (uniform) or q·W (bounded), from public quantities only. */
  denominator(state: ServerState): number {
    const N = state.population.length;
    const m = this.options.expectedClientsPerRound;
    const w = this.options.weighting;
    if (!w || w.kind === 'uniform') return m;
    let total = 0;
    for (const c of state.population) total += this.weightOf(c.exampleCount); // population is sorted by id
    return m === N ? total : (m / N) * total;
  }

  aggregate(updates: readonly ClientUpdate[], state: ServerState): AggregatedUpdate {
    for (const u of updates) {
      const keys = Object.keys(u.vectors);
      if (keys.length > 0) {
        throw new RangeError(`client-level DP: client '${u.clientId}' uploaded extra vectors (${keys.join(', ')}) that the DP wrapper cannot bound; refusing to aggregate`);
      }
    }
    const x = state.params;
    const S = this.clipNormOf(state);
    const D = this.denominator(state);
    const sorted = [...updates].sort((a, b) => compareIds(a.clientId, b.clientId));
    const clippedModels: { id: string; weight: number; values: Float64Array }[] = [];
    const clippedDeltas: { id: string; weight: number; values: Float64Array }[] = [];
    const norms: number[] = [];
    let clippedCount = 0;
    let weightSum = 0;
    let exampleCount = 0;
    for (const u of sorted) {
      const c = clipModelUpdate(u.params, x, S);
      const weight = this.weightOf(u.exampleCount);
      norms.push(c.norm);
      if (c.clipped) clippedCount++;
      weightSum += weight;
      exampleCount += u.exampleCount;
      clippedDeltas.push({ id: u.clientId, weight, values: c.delta });
      if (c.clipped) {
        const y = new Float64Array(x.length);
        for (let j = 0; j < y.length; j++) y[j] = x[j] + c.delta[j];
        clippedModels.push({ id: u.clientId, weight, values: y });
      } else {
        // Within the bound: the client's own model, untouched (x + (y − x) can differ from y by rounding).
        clippedModels.push({ id: u.clientId, weight, values: u.params });
      }
    }
    let params: Float64Array;
    if (sorted.length > 0 && weightSum === D) {
      // The participants' weights sum to D (e.g. every client took part): Σ (w_k/D)·ŷ_k equals
      // x + Σ (w_k/D)·Δ̂_k in the reals and, computed this way, reproduces the inner FedAvg average
      // bit for bit when nothing is clipped and σ = 0.
      params = weightedCombination(clippedModels, D);
    } else {
      params = x.slice();
      if (sorted.length > 0) {
        const avgDelta = weightedCombination(clippedDeltas, D);
        for (let j = 0; j < params.length; j++) params[j] += avgDelta[j];
      }
    }
    const sd = (this.updateNoiseMultiplier * S * this.maxWeight()) / D;
    if (sd > 0) {
      const noise = new Float64Array(params.length);
      this.options.noise.fillGaussian(noise, sd);
      for (let j = 0; j < params.length; j++) params[j] += noise[j];
    }
    let fractionUnder: number | null = null;
    let next = S;
    if (this.adaptive) {
      const countNoise = new Float64Array(1);
      if (this.adaptive.countNoiseMultiplier > 0) this.options.noise.fillGaussian(countNoise, this.adaptive.countNoiseMultiplier);
      fractionUnder = noisedFractionUnder(norms, S, this.options.expectedClientsPerRound, countNoise[0]);
      next = nextClipNorm(S, fractionUnder, this.adaptive.targetQuantile, this.adaptive.learningRate);
    }
    const aggregated: AggregatedUpdate = {
      params,
      vectors: {},
      exampleCount,
      participants: sorted.map((u) => u.clientId),
    };
    this.pending.set(aggregated, { clipNorm: S, participants: sorted.length, clippedCount, noisedFractionUnder: fractionUnder, nextClipNorm: next });
    return aggregated;
  }

  serverStep(state: ServerState, aggregated: AggregatedUpdate): ServerState {
    const next = this.inner.serverStep(state, aggregated);
    const record = this.pending.get(aggregated);
    if (record) this.history.push({ round: next.round, ...record });
    if (!this.adaptive) return next;
    const clipNorm = record ? record.nextClipNorm : this.clipNormOf(state);
    return { ...next, vectors: { ...next.vectors, [CLIP_NORM_STATE_KEY]: Float64Array.of(clipNorm) } };
  }

  /** (σ, q, rounds) for the accountant, from the state after the last completed round. */
  accounting(state: ServerState): ClientDpAccounting {
    const N = state.population.length;
    const m = this.options.expectedClientsPerRound;
    return {
      noiseMultiplier: this.options.noiseMultiplier,
      updateNoiseMultiplier: this.updateNoiseMultiplier,
      countNoiseMultiplier: this.adaptive ? this.adaptive.countNoiseMultiplier : null,
      sampleRate: m === N ? 1 : m / N,
      rounds: state.round,
      clientSampling: m === N ? 'all' : 'fixed-size',
    };
  }
}

/** The wrapStrategy hook for runFederated: `wrapStrategy: clientLevelDp({...})`. */
export function clientLevelDp(options: ClientLevelDpOptions): (inner: Strategy) => ClientLevelDp {
  checkOptions(options);
  return (inner) => new ClientLevelDp(inner, options);
}
