/**
 * The compression and secure-aggregation wrappers of a federated arm, as the round loop's
 * aggregation hook (federated/run-federated.ts `AggregationHook`), so federated/ never imports
 * secagg/ or compression/.
 *
 * One round, per participant k (ids sorted): v_k = [y_k − x, extra vectors Δc_k …] (the update
 * as a delta against the round's global model x, SCAFFOLD's control delta appended). Then
 *  - compression: v_k is encoded into a message (its length is the bytes up) and decoded as the
 *    server would; with random-k under secure aggregation only the k shared coordinates enter
 *    the secure sum (the sites know them from the shared seed; no index travels);
 *  - secure aggregation: the weighted mean Σ n_k v_k / Σ n_k over the contributing sites comes
 *    out of the protocol (masking: a fresh SecAgg/SecAgg+ instance per round, as the protocol
 *    does; CKKS: keys once per arm and seed); the strategy's own `aggregate` then runs on one
 *    update carrying x + mean with weight Σ n_k, which reproduces FedAvg's mean and SCAFFOLD's
 *    (Σ n_k / n_all)·mean Δc exactly, so every strategy's server step is unchanged.
 * Alongside, the plaintext weighted mean of the same (decoded) v_k is computed, and the round
 * records max |secure − plaintext|, next to the protocol's stated bound.
 *
 * A SecureAggregationAborted (fewer survivors than the threshold, a tampered share) ends the
 * round without a model update and is recorded, never a wrong model.
 */
import { createCompressor } from '../compression/registry.js';
import { RandKCompressor, sharedCoordinates } from '../compression/randk.js';
import { countOf } from '../compression/topk.js';
import type { Compressor, CompressorState } from '../compression/types.js';
import type { AggregationHook, AggregationOutcome } from '../federated/run-federated.js';
import type { AggregatedUpdate, ClientUpdate } from '../federated/strategy.js';
import { SecureAggregationAborted } from '../secagg/errors.js';
import { createSecureAggregator } from '../secagg/registry.js';
import type { SecureAggregationConfig } from '../secagg/registry.js';
import type { SecureAggregator, SecureSumResult } from '../secagg/secure-sum.js';
import { CKKS_ADDITION_DEFAULTS } from '../secagg/ckks.js';
import { Xoshiro128, streamState } from '../random/rng.js';
import { MaskingAggregator, type MaskingConfig } from '../secagg/masking-aggregator.js';
import type { RemoteMaskingSum } from './site-clients.js';
import type { ArmPlan, SecureAggregationPlan } from './arm-plan.js';
import type { ArmWrappers, WrappedRoundRecord } from './results.js';

export interface WrapperRun {
  hook: AggregationHook;
  /** Called by the round loop's onRound, to time local training between aggregations. */
  markRoundEnd(): void;
  /** The last aggregated round's record (the round loop's onRound reads it). */
  lastRound(): WrappedRoundRecord | undefined;
  record(): ArmWrappers;
  dispose(): void;
}

export function uniformSource(seed: number, ...labels: string[]): { uniform(): number } {
  const rng = new Xoshiro128(streamState(seed, 'bench', ...labels));
  return { uniform: () => rng.uniform() };
}

/** A site's stochastic-rounding stream for the masking protocol: drawn at the site in a distributed run. */
export function secaggSiteRng(seed: number, arm: string, round: number, site: string): { uniform(): number } {
  return uniformSource(seed, arm, 'secagg', String(round), 'site', site);
}

/** The secagg/ configuration of a plan (masking: Flower's knobs; CKKS: addition-only parameters). */
export function secureAggregationConfig(p: SecureAggregationPlan, graphSeed: number): SecureAggregationConfig {
  if (p.kind === 'ckks') return { kind: 'ckks', params: CKKS_ADDITION_DEFAULTS, maxWeight: p.maxWeight, release: p.release, dropoutProbability: p.dropoutProbability };
  return {
    kind: 'masking',
    clippingRange: p.clippingRange,
    quantizationRange: p.quantizationRange,
    modulusRange: p.modulusRange,
    maxWeight: p.maxWeight,
    graph: p.graph,
    ...(p.numShares !== null ? { numShares: p.numShares } : {}),
    reconstructionThreshold: p.reconstructionThreshold,
    dropoutProbability: p.dropoutProbability,
    // Sites drop after sharing keys, before sending their masked input: the case the
    // protocol's unmasking of dropped sites exists for.
    dropoutStage: 'before-masked-input',
    graphSeed,
    prg: 'chacha20',
  };
}

/** v_k = [y_k − x, vectors in key order]. */
export function flatten(u: ClientUpdate, x: Float64Array, keys: readonly string[]): Float64Array {
  const extra = keys.reduce((a, k) => a + u.vectors[k].length, 0);
  const v = new Float64Array(x.length + extra);
  for (let j = 0; j < x.length; j++) v[j] = u.params[j] - x[j];
  let o = x.length;
  for (const k of keys) {
    v.set(u.vectors[k], o);
    o += u.vectors[k].length;
  }
  return v;
}

/** The update a flattened delta stands for. */
function unflatten(template: ClientUpdate, v: Float64Array, x: Float64Array, keys: readonly string[], exampleCount = template.exampleCount): ClientUpdate {
  const params = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) params[j] = x[j] + v[j];
  const vectors: Record<string, Float64Array> = {};
  let o = x.length;
  for (const k of keys) {
    const len = template.vectors[k].length;
    vectors[k] = v.slice(o, o + len);
    o += len;
  }
  return { ...template, params, vectors, exampleCount };
}

/**
 * `remoteMasking`: a distributed run's masking protocol, run with the site processes (each masks
 * its own update at home); the hook then sees no update in the clear, only the decoded sum.
 */
export function createWrapperRun(plan: ArmPlan, seed: number, clientIds: readonly string[], remoteMasking?: RemoteMaskingSum): WrapperRun {
  const compressor: Compressor | null = plan.compression ? createCompressor(plan.compression.spec) : null;
  const secure = plan.secureAggregation ?? null;
  const arm = plan.name;
  const states = new Map<string, CompressorState>();
  const sharedSeed = streamState(seed, 'bench', arm, 'randk-shared')[0];
  let ckks: Promise<SecureAggregator> | null = null;
  let protocol: string | null = null;
  let threshold: number | null = null;
  let serverSeesSum: boolean | null = null;
  const rounds: WrappedRoundRecord[] = [];
  let lastMark = performance.now();

  const hook: AggregationHook = async ({ round, updates, state, strategy }): Promise<AggregationOutcome> => {
    const computeMs = performance.now() - lastMark;
    const x = state.params;
    const sorted = [...updates].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
    const keys = Object.keys(sorted[0]?.vectors ?? {}).sort();
    const remote = secure?.kind === 'masking' && remoteMasking ? remoteMasking : null;
    if (remote && compressor) throw new Error('internal: compression with secure aggregation in a distributed run (refused when planning)');
    // Remote masking: the updates stay at the sites (these are placeholders without values).
    let vs = remote ? [] : sorted.map((u) => flatten(u, x, keys));
    const d = remote ? x.length + keys.reduce((a, k) => a + (sorted[0]?.vectors[k].length ?? 0), 0) : (vs[0]?.length ?? 0);
    const bytesUp: Record<string, number> = {};
    const extraDown: Record<string, number> = {};
    let codecMs = 0;
    if (compressor) {
      const t0 = performance.now();
      vs = sorted.map((u, i) => {
        const site = clientIds.indexOf(u.clientId);
        let st = states.get(u.clientId);
        if (!st) states.set(u.clientId, (st = compressor.newState(d)));
        const ctx = { round, site, sharedSeed, rng: uniformSource(seed, arm, 'compression', u.clientId, String(round)) };
        const msg = compressor.encode(vs[i], st, ctx);
        bytesUp[u.clientId] = msg.length;
        return compressor.decode(msg, d, ctx);
      });
      codecMs = performance.now() - t0;
    }
    const weights = sorted.map((u) => u.exampleCount);
    const base: WrappedRoundRecord = {
      round,
      participants: sorted.map((u) => u.clientId),
      contributors: sorted.map((u) => u.clientId),
      dropouts: [],
      aborted: null,
      bytesUpPerSite: { ...bytesUp },
      bytesDownPerSite: {},
      computeMs,
      codecMs,
      cryptoMs: 0,
      clippedValues: 0,
      errorBound: 0,
      maxAbsDiff: 0,
    };
    if (!secure) {
      const decoded = sorted.map((u, i) => unflatten(u, vs[i], x, keys));
      rounds.push(base);
      lastMark = performance.now();
      return { aggregated: strategy.aggregate(decoded, state), ...(compressor ? { bytesUp } : {}) };
    }
    if (sorted.length < 2) {
      // One site's "sum" is its update: the protocol cannot hide it, so the round makes no update.
      rounds.push({ ...base, contributors: [], aborted: `secure aggregation needs at least 2 participating sites, found ${sorted.length}` });
      lastMark = performance.now();
      return { aggregated: null };
    }
    // Random-k under secure aggregation: only the k shared coordinates are summed.
    const idx = compressor instanceof RandKCompressor ? sharedCoordinates(d, countOf(compressor.fraction, d), sharedSeed, round) : null;
    const inputs = idx ? vs.map((v) => Float64Array.from(idx, (i) => v[i])) : vs;
    let result: SecureSumResult;
    let maxAbsDiff: number | null = null;
    try {
      if (remote) {
        const masking = secureAggregationConfig(secure, streamState(seed, 'bench', arm, 'graph', String(round))[0]) as MaskingConfig;
        const about = new MaskingAggregator(masking, sorted.length);
        protocol = about.protocol;
        threshold = about.threshold;
        serverSeesSum = about.serverSeesSum;
        result = await remote({ round, sites: sorted.map((u) => u.clientId), weights, dimension: d, config: masking, rng: uniformSource(seed, arm, 'secagg', String(round)) });
      } else {
        let agg: SecureAggregator;
        if (secure.kind === 'ckks') agg = await (ckks ??= createSecureAggregator(secureAggregationConfig(secure, seed), clientIds.length));
        else agg = await createSecureAggregator(secureAggregationConfig(secure, streamState(seed, 'bench', arm, 'graph', String(round))[0]), sorted.length);
        protocol = agg.protocol;
        threshold = agg.threshold ?? null;
        serverSeesSum = agg.serverSeesSum;
        try {
          result = await agg.sum({ updates: inputs, weights, round, rng: uniformSource(seed, arm, 'secagg', String(round)), siteRng: (k) => secaggSiteRng(seed, arm, round, sorted[k].clientId) });
        } finally {
          if (secure.kind === 'masking') agg.dispose();
        }
        // The plaintext twin: the weighted mean of the same inputs over the same contributors.
        const plain = new Float64Array(inputs[0].length);
        let wTotal = 0;
        for (const k of result.contributors) wTotal += weights[k];
        for (const k of result.contributors) for (let j = 0; j < plain.length; j++) plain[j] += (weights[k] / wTotal) * inputs[k][j];
        maxAbsDiff = 0;
        for (let j = 0; j < plain.length; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(result.mean[j] - plain[j]));
      }
    } catch (err) {
      if (!(err instanceof SecureAggregationAborted)) throw err;
      rounds.push({ ...base, contributors: [], aborted: err.message });
      lastMark = performance.now();
      return { aggregated: null };
    }
    let mean = result.mean;
    if (idx) {
      mean = new Float64Array(d);
      idx.forEach((i, j) => (mean[i] = result.mean[j]));
    }
    sorted.forEach((u, k) => {
      bytesUp[u.clientId] = result.bytesUpPerSite[k];
      extraDown[u.clientId] = result.bytesDownPerSite[k];
    });
    const contributors = result.contributors.map((k) => sorted[k].clientId);
    const contributorRows = result.contributors.reduce((a, k) => a + weights[k], 0);
    const carrier = unflatten(sorted[result.contributors[0]], mean, x, keys, contributorRows);
    const inner: AggregatedUpdate = strategy.aggregate([carrier], state);
    rounds.push({
      ...base,
      contributors,
      dropouts: result.dropouts.map((o) => sorted[o.site].clientId),
      bytesUpPerSite: { ...bytesUp },
      bytesDownPerSite: { ...extraDown },
      cryptoMs: result.cryptoTimeMs,
      clippedValues: result.clippedCount,
      errorBound: result.meanAbsErrorBound,
      maxAbsDiff,
    });
    lastMark = performance.now();
    return { aggregated: { ...inner, participants: contributors }, bytesUp, extraBytesDown: extraDown };
  };

  return {
    hook,
    markRoundEnd: () => (lastMark = performance.now()),
    lastRound: () => rounds[rounds.length - 1],
    record: () => summarizeWrappers(plan, rounds, { protocol, threshold, serverSeesSum }),
    dispose: () => {
      if (ckks) ckks.then((a) => a.dispose()).catch(() => undefined);
    },
  };
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function summarizeWrappers(plan: ArmPlan, rounds: WrappedRoundRecord[], proto: { protocol: string | null; threshold: number | null; serverSeesSum: boolean | null }): ArmWrappers {
  const s = plan.secureAggregation;
  const clipped = rounds.reduce((a, r) => a + r.clippedValues, 0);
  const warnings: string[] = [];
  if (s?.kind === 'masking' && clipped > 0) {
    const hit = rounds.filter((r) => r.clippedValues > 0).map((r) => r.round);
    warnings.push(`${plan.name}: ${clipped} update values hit clippingRange ±${s.clippingRange} (rounds ${hit.slice(0, 10).join(', ')}${hit.length > 10 ? ', …' : ''}): those coordinates of the aggregate are saturated; raise clippingRange`);
  }
  const aborted = rounds.filter((r) => r.aborted !== null);
  for (const r of aborted) warnings.push(`${plan.name}, round ${r.round}: secure aggregation aborted, no model update: ${r.aborted}`);
  return {
    baseArm: plan.name.slice(0, plan.name.length - wrapperSuffixLength(plan)),
    compression: plan.compression?.spec ?? null,
    secureAggregation: s
      ? { kind: s.kind, protocol: proto.protocol ?? s.kind, threshold: proto.threshold, serverSeesSum: proto.serverSeesSum ?? (s.kind === "masking" || s.release === "server"), dropoutProbability: s.dropoutProbability }
      : null,
    rounds,
    dropoutsSurvived: rounds.filter((r) => r.aborted === null).reduce((a, r) => a + r.dropouts.length, 0),
    roundsAborted: aborted.length,
    clippedValues: clipped,
    quantizationErrorBound: Math.max(0, ...rounds.map((r) => r.errorBound)),
      // null: a distributed masking run, where no plaintext reached the aggregator to compare with.
    maxAbsDiffVsPlaintext: rounds.some((r) => r.maxAbsDiff === null) ? null : Math.max(0, ...rounds.map((r) => r.maxAbsDiff as number)),
    meanComputeMsPerRound: mean(rounds.map((r) => r.computeMs ?? 0)),
    meanCryptoMsPerRound: mean(rounds.map((r) => r.cryptoMs ?? 0)),
    meanCodecMsPerRound: mean(rounds.map((r) => r.codecMs ?? 0)),
    warnings,
  };
}

function wrapperSuffixLength(plan: ArmPlan): number {
  const c = plan.compression ? `+${plan.compression.spec}`.length : 0;
  const s = plan.secureAggregation ? (plan.secureAggregation.kind === 'masking' ? '+secagg' : '+ckks').length : 0;
  return c + s;
}
