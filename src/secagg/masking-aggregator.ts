/**
 * Secure aggregation by masking (SecAgg / SecAgg+) as a SecureAggregator: runs one protocol
 * instance per round in-process (masking-site.ts, masking-server.ts), with dropouts injected
 * between stages, and decodes the sum (fixed-point.ts).
 */
import { SecureAggregationAborted } from './errors.js';
import { FLOWER_FIXED_POINT_DEFAULTS, decodeSum, quantizationErrorBound, validateFixedPointConfig, type FixedPointConfig } from './fixed-point.js';
import { buildGraph, type GraphKind } from './graph.js';
import type { MaskedInput } from './aggregator.js';
import type { MaskPrg } from './keys.js';
import { MaskingServer } from './masking-server.js';
import { MaskingSite } from './masking-site.js';
import { checkInput, drawDropouts, type DropoutStage, type SecureAggregator, type SecureSumInput, type SecureSumResult } from './secure-sum.js';

export interface MaskingConfig extends FixedPointConfig {
  kind: 'masking';
  /** complete (SecAgg, Bonawitz et al. 2017) or k-regular (SecAgg+, Bell et al. 2020). */
  graph: GraphKind;
  /** Flower's num_shares (k-regular): integer ≥ 3 or a fraction of the sites. */
  numShares?: number;
  /** Flower's reconstruction_threshold: integer ≥ 2 or a fraction of numShares. */
  reconstructionThreshold: number;
  /** Probability that a site drops in a round (simulated), at `dropoutStage`. */
  dropoutProbability: number;
  dropoutStage: DropoutStage;
  /** Seed of the k-regular graph's shuffle. */
  graphSeed: number;
  /** Stream cipher expanding masks: chacha20 (default, faster here) or aes-256-ctr. */
  prg: MaskPrg;
}

export function maskingDefaults(overrides: Partial<MaskingConfig> = {}): MaskingConfig {
  return {
    kind: 'masking',
    ...FLOWER_FIXED_POINT_DEFAULTS,
    graph: 'complete',
    reconstructionThreshold: 0.5,
    dropoutProbability: 0,
    dropoutStage: 'before-masked-input',
    graphSeed: 0,
    prg: 'chacha20',
    ...overrides,
  };
}

type Timed<T> = { value: T; ms: number };
function timed<T>(fn: () => T): Timed<T> {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}
async function timedAsync<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

export class MaskingAggregator implements SecureAggregator {
  readonly kind = 'masking' as const;
  readonly serverSeesSum = true;
  readonly protocol: string;
  readonly threshold: number;

  constructor(
    readonly config: MaskingConfig,
    readonly sites: number,
  ) {
    validateFixedPointConfig(config, sites);
    const g = buildGraph(sites, { kind: config.graph, numShares: config.numShares, reconstructionThreshold: config.reconstructionThreshold, seed: config.graphSeed });
    this.threshold = g.threshold;
    this.protocol =
      g.kind === 'complete'
        ? `masking (SecAgg, Bonawitz et al. 2017; complete graph, threshold ${g.threshold} of ${g.numShares})`
        : `masking (SecAgg+, Bell et al. 2020; ${g.numShares - 1}-regular graph, threshold ${g.threshold} of ${g.numShares})`;
  }

  async sum(input: SecureSumInput): Promise<SecureSumResult> {
    const d = checkInput(input);
    const n = input.updates.length;
    if (n !== this.sites) throw new RangeError(`masking aggregator: built for ${this.sites} sites, given ${n} updates`);
    const cfg = this.config;
    const dropouts = input.dropouts ?? drawDropouts(n, cfg.dropoutProbability, cfg.dropoutStage, input.rng);
    const graph = buildGraph(n, { kind: cfg.graph, numShares: cfg.numShares, reconstructionThreshold: cfg.reconstructionThreshold, seed: cfg.graphSeed, round: input.round });
    const params = { ...cfg, round: input.round, sites: n, numShares: graph.numShares, threshold: graph.threshold, dimension: d };
    const up = new Array<number>(n).fill(0);
    const down = new Array<number>(n).fill(0);
    let critical = 0;
    let cpu = 0;
    const stageTimesMs: Record<string, number> = {};
    const stage = (name: string, siteMs: number[], serverMs: number) => {
      stageTimesMs[name] = Math.max(0, ...siteMs) + serverMs;
      critical += stageTimesMs[name];
      cpu += siteMs.reduce((a, v) => a + v, 0) + serverMs;
    };
    const server = new MaskingServer(params, graph);
    const sites = Array.from({ length: n }, (_, u) => new MaskingSite(u));
    const drops = (u: number, at: DropoutStage) => dropouts.get(u) === at;

    // Stage 0: setup. Every site receives the settings and answers with its public keys.
    const setup = timed(() => server.setupMessage());
    const keyMsgs: Uint8Array[] = [];
    const t0: number[] = [];
    for (const s of sites) {
      down[s.id] += setup.value.length;
      const r = timed(() => s.setup(setup.value));
      t0.push(r.ms);
      up[s.id] += r.value.length;
      keyMsgs.push(r.value);
    }
    const nk = timed(() => server.receiveKeys(keyMsgs));
    stage('setup', t0, setup.ms + nk.ms);

    // Stage 1: share keys. Sites dropping here never send shares.
    const shareMsgs: Uint8Array[] = [];
    const t1: number[] = [];
    for (const [u, msg] of nk.value) {
      down[u] += msg.length;
      if (drops(u, 'before-share-keys')) continue;
      const r = await timedAsync(() => sites[u].shareKeys(msg));
      t1.push(r.ms);
      up[u] += r.value.length;
      shareMsgs.push(r.value);
    }
    const fwd = timed(() => server.receiveShares(shareMsgs));
    stage('shareKeys', t1, fwd.ms);

    // Stage 2: masked input.
    const inputs: MaskedInput[] = [];
    const t2: number[] = [];
    const clippedPerSite = new Array<number>(n).fill(0);
    const payload = new Array<number>(n).fill(0);
    for (const [u, msg] of fwd.value) {
      down[u] += msg.length;
      if (drops(u, 'before-masked-input')) continue;
      const r = timed(() => sites[u].maskedInput(msg, input.updates[u], input.weights[u], input.siteRng ? input.siteRng(u) : input.rng));
      t2.push(r.ms);
      up[u] += r.value.bytes.length;
      payload[u] = r.value.bytes.length;
      clippedPerSite[u] = sites[u].clippedCount;
      inputs.push(r.value);
    }
    const req = timed(() => server.receiveMaskedInputs(inputs));
    stage('maskedInput', t2, req.ms);

    // Stage 3: unmask.
    const responses: Uint8Array[] = [];
    const t3: number[] = [];
    for (const [u, msg] of req.value) {
      down[u] += msg.length;
      if (drops(u, 'before-unmask')) continue;
      const r = timed(() => sites[u].unmask(msg));
      t3.push(r.ms);
      up[u] += r.value.length;
      responses.push(r.value);
    }
    const un = await timedAsync(() => server.unmask(responses));
    const dec = timed(() => decodeSum(un.value.words, un.value.contributors.length, cfg));
    stage('unmask', t3, un.ms + dec.ms);

    if (un.value.contributors.length === 0) throw new SecureAggregationAborted('below-threshold', 'secure aggregation aborted: no site sent its input');
    const bound = quantizationErrorBound(cfg, un.value.contributors.length, dec.value.weightTotal);
    return {
      mean: dec.value.mean,
      weightedSum: dec.value.weightedSum,
      weightTotal: dec.value.weightTotal,
      contributors: un.value.contributors,
      dropouts: [...dropouts].map(([site, st]) => ({ site, stage: st })).sort((a, b) => a.site - b.site),
      bytesUpPerSite: up,
      bytesDownPerSite: down,
      cryptoTimeMs: critical,
      cpuTimeMs: cpu,
      stageTimesMs,
      payloadBytesUpPerSite: payload,
      clippedPerSite,
      clippedCount: clippedPerSite.reduce((a, v) => a + v, 0),
      meanAbsErrorBound: bound.meanAbsErrorBound,
    };
  }

  dispose(): void {}
}
