/**
 * The piece a federated round plugs in: sum the sites' weighted updates so that the aggregator
 * only ever handles MaskedInputs or EncryptedInputs, and measure what that cost.
 *
 *   const agg = await createSecureAggregator(config);        // once per arm and seed
 *   const r = await agg.sum({ updates, weights, round, rng }); // once per round
 *   r.mean  → the FedAvg mean of the contributing sites' updates (what `aggregate` returns today)
 *   agg.dispose();
 *
 * Intended wiring into a federated arm (once the bench plans arms, issue 12):
 *  - at plan time: `checkCombination` (compression/compatibility.ts) refuses what cannot run;
 *  - per seed: `createSecureAggregator(config, sites)`; dispose() in a finally;
 *  - per round: each site's `clientUpdate` gives its delta (local − global params; SCAFFOLD
 *    appends its control-variate delta to the same vector); with random-k the sites send only
 *    the shared coordinates, so `sum` runs on those k values and the mean is scattered back;
 *    `sum(...).mean` replaces the plaintext weighted mean the strategy's `aggregate` computes,
 *    and `serverStep` (FedAvg, FedAdam…) proceeds from it unchanged; the round record takes
 *    bytesUp/DownPerSite (+ the model broadcast), cryptoTimeMs, clippedCount, dropouts;
 *  - a SecureAggregationAborted ends the round without a model update and is reported.
 *
 * Every byte counted is a byte of an encoded protocol message (wire.ts, SEAL serialization);
 * the model broadcast after the round is not included (the caller counts it, as for plaintext).
 * The protocols run in-process, one party after another; `cryptoTimeMs` estimates the round's
 * added latency as if sites ran in parallel: the slowest site of each stage plus the server.
 */
import type { UniformSource } from './fixed-point.js';

export type DropoutStage = 'before-share-keys' | 'before-masked-input' | 'before-unmask';

export interface SecureSumInput {
  /** One update per site (site id = index), all of the same length d. */
  updates: readonly ArrayLike<number>[];
  /** Example counts (FedAvg weights), > 0. */
  weights: readonly number[];
  round: number;
  /** Dropout draws, and stochastic rounding unless `siteRng` is given (seeded in benchmarks). */
  rng: UniformSource;
  /**
   * Each site's own stochastic-rounding stream (site = index). A real site draws its rounding
   * at home; giving each its own stream lets a distributed run reproduce the in-process sum.
   */
  siteRng?: (site: number) => UniformSource;
  /** Explicit dropouts (tests, fault injection); when given, dropoutProbability is not drawn. */
  dropouts?: ReadonlyMap<number, DropoutStage>;
}

export interface SecureSumResult {
  /** Σ_contributors w·x / Σ_contributors w, decoded. */
  mean: Float64Array;
  /** Σ_contributors w·x (weights as the protocol carried them). */
  weightedSum: Float64Array;
  weightTotal: number;
  /** Sites whose updates are in the sum, ascending. */
  contributors: number[];
  /** Sites that dropped, and when. */
  dropouts: { site: number; stage: DropoutStage }[];
  /** Bytes each site sent / received in the protocol (index = site id; 0 for a site that never answered). */
  bytesUpPerSite: number[];
  bytesDownPerSite: number[];
  /** Critical-path estimate of the time secure aggregation added (slowest site per stage + server). */
  cryptoTimeMs: number;
  /** All parties' protocol time added up (the simulation's CPU cost). */
  cpuTimeMs: number;
  /** cryptoTimeMs split by protocol stage (masking: setup, shareKeys, maskedInput, unmask; CKKS: encrypt, add, decrypt). */
  stageTimesMs: Record<string, number>;
  /** Of bytesUpPerSite, the bytes of the update message itself (masked vector or ciphertexts), per site. */
  payloadBytesUpPerSite: number[];
  /** Coordinates saturated at ±clippingRange, per site and in total (masking; 0 for CKKS). */
  clippedPerSite: number[];
  clippedCount: number;
  /** Bound on |mean − exact mean of the (clipped) updates| per coordinate. */
  meanAbsErrorBound: number;
}

export interface SecureAggregator {
  readonly kind: 'masking' | 'ckks';
  /** For results and the report, e.g. "masking (SecAgg+, Bell et al. 2020; k-regular, 5 shares)". */
  readonly protocol: string;
  /** Shamir reconstruction threshold (masking only). */
  readonly threshold?: number;
  /** Whether the aggregator learns the decrypted sum (false: only sites decrypt it). */
  readonly serverSeesSum: boolean;
  sum(input: SecureSumInput): Promise<SecureSumResult>;
  /** Frees native / WebAssembly memory (CKKS); safe to call twice. */
  dispose(): void;
}

/** Draws each site's dropout with probability p (in site order, so runs are reproducible). */
export function drawDropouts(sites: number, probability: number, stage: DropoutStage, rng: UniformSource): Map<number, DropoutStage> {
  const out = new Map<number, DropoutStage>();
  if (!(probability > 0)) return out;
  for (let u = 0; u < sites; u++) if (rng.uniform() < probability) out.set(u, stage);
  return out;
}

export function checkInput(input: SecureSumInput): number {
  const n = input.updates.length;
  if (n < 2) throw new RangeError(`secure sum: expected at least 2 site updates, found ${n}`);
  if (input.weights.length !== n) throw new RangeError(`secure sum: ${n} updates but ${input.weights.length} weights`);
  const d = input.updates[0].length;
  input.updates.forEach((u, i) => {
    if (u.length !== d) throw new RangeError(`secure sum: update ${i} has ${u.length} values, update 0 has ${d}`);
  });
  return d;
}
