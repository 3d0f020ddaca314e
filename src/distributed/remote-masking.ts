/**
 * The aggregator's side of secure aggregation by masking in a distributed run: Bonawitz et al.,
 * "Practical Secure Aggregation for Privacy-Preserving Machine Learning" (CCS 2017), §4, with
 * SecAgg+'s neighbour graph (Bell et al., CCS 2020). The server state machine
 * (secagg/masking-server.ts) runs here; every site runs the client (site-masking.ts) in its own
 * process. Four stages, each a round trip to every live site under the round deadline:
 *   setup → advertise keys (pk1, pk2) → share keys (sealed Shamir shares routed through here)
 *   → masked input → unmask (seed shares of survivors, mask-key shares of the dropped).
 * The aggregator receives masked vectors and shares it cannot open, and learns only the sum. A
 * site that fails a stage (killed, late, an error) is a dropout at that stage: after key sharing,
 * its pairwise masks are removed with its mask key rebuilt from t survivors' shares; below the
 * threshold the round aborts (SecureAggregationAborted) and the model is not updated.
 *
 * What it does not protect against: an aggregator that lies about who dropped can learn an
 * individual input unless sites check a consistency round (the semi-honest setting of §4; the
 * sites here refuse only the direct case of being asked for both shares of one site); the sum
 * itself, and so the model, is revealed, which is why DP is a separate layer.
 */
import { brandMasked, type MaskedInput } from '../secagg/aggregator.js';
import { SecureAggregationAborted } from '../secagg/errors.js';
import { decodeSum, quantizationErrorBound } from '../secagg/fixed-point.js';
import { buildGraph } from '../secagg/graph.js';
import { MaskingServer } from '../secagg/masking-server.js';
import { drawDropouts, type DropoutStage, type SecureSumResult } from '../secagg/secure-sum.js';
import type { RemoteMaskingRequest, SiteWork } from '../bench/site-clients.js';
import { TaskFailed, type Aggregator } from './aggregator.js';
import type { SecAggTask } from './site-masking.js';

export type MaskingStage = 'setup' | 'share-keys' | 'masked-input' | 'unmask';

export interface RemoteMaskingOptions {
  /** Deadline of each stage's round trip. */
  stageDeadlineMs: number;
  /** Tests: called before a stage's messages go out (fault injection: kill a site there). */
  beforeStage?: (info: { seed: number; arm: string; round: number; stage: MaskingStage; sites: readonly string[] }) => void | Promise<void>;
}

export async function remoteMaskingSum(agg: Aggregator, work: SiteWork, req: RemoteMaskingRequest, o: RemoteMaskingOptions): Promise<SecureSumResult> {
  const n = req.sites.length;
  const cfg = req.config;
  const { round } = req;
  // The same draws, graph and parameters as the in-process MaskingAggregator.sum.
  const simulated = drawDropouts(n, cfg.dropoutProbability, cfg.dropoutStage, req.rng);
  const graph = buildGraph(n, { kind: cfg.graph, numShares: cfg.numShares, reconstructionThreshold: cfg.reconstructionThreshold, seed: cfg.graphSeed, round });
  const params = { ...cfg, round, sites: n, numShares: graph.numShares, threshold: graph.threshold, dimension: req.dimension };
  const server = new MaskingServer(params, graph);
  const up = new Array<number>(n).fill(0);
  const down = new Array<number>(n).fill(0);
  const payload = new Array<number>(n).fill(0);
  const clippedPerSite = new Array<number>(n).fill(0);
  const failed = new Map<number, DropoutStage>();
  const stageTimesMs: Record<string, number> = {};
  const ctx = { seed: work.seed, arm: work.arm, round };

  /** One stage: the message to each site in `to`, in parallel; answers in site order (failures are dropouts). */
  const stage = async (name: MaskingStage, dropStage: DropoutStage | null, to: Map<number, Uint8Array>): Promise<Map<number, { message: Uint8Array; clipped?: number }>> => {
    const t0 = performance.now();
    const live = [...to.keys()].sort((a, b) => a - b);
    for (const u of live) down[u] += (to.get(u) as Uint8Array).length;
    const asked = live.filter((u) => !(dropStage && simulated.get(u) === dropStage));
    await o.beforeStage?.({ ...ctx, stage: name, sites: asked.map((u) => req.sites[u]) });
    const answers = await Promise.all(
      asked.map(async (u) => {
        const site = req.sites[u];
        const task: SecAggTask = { op: name, seed: work.seed, arm: work.arm, round, index: u, message: to.get(u) as Uint8Array };
        try {
          const m = await agg.runTask(site, 'secagg', task as unknown as Record<string, unknown>, {}, o.stageDeadlineMs);
          if (m.kind !== 'ok') throw new TaskFailed('error', String(m.header.error ?? 'failed'));
          const message = m.header.message;
          if (!(message instanceof Uint8Array)) throw new TaskFailed('malformed', 'answer without a protocol message');
          const clipped = m.header.clipped;
          if (name === 'masked-input' && !(Number.isInteger(clipped) && (clipped as number) >= 0)) throw new TaskFailed('malformed', 'masked input without its clipped count');
          return [u, { message, ...(name === 'masked-input' ? { clipped: clipped as number } : {}) }] as const;
        } catch (err) {
          const f = err instanceof TaskFailed ? err : new TaskFailed('error', (err as Error).message);
          failed.set(u, stageBefore(name));
          agg.event({ kind: f.kind === 'deadline' ? 'deadline' : 'dropped', site, ...ctx, message: `${work.arm} seed ${work.seed} round ${round}: secure aggregation ${name}: ${f.message}; site ${site} dropped from this round's protocol` });
          return null;
        }
      }),
    );
    const out = new Map<number, { message: Uint8Array; clipped?: number }>();
    for (const a of answers) if (a) out.set(a[0], a[1]);
    for (const [u, a] of out) up[u] += a.message.length;
    stageTimesMs[stageKey(name)] = performance.now() - t0;
    return out;
  };
  const messages = (m: Map<number, { message: Uint8Array }>) => [...m.values()].map((a) => a.message);

  const setupMsg = server.setupMessage();
  const keys = await stage('setup', null, new Map(req.sites.map((_s, u) => [u, setupMsg])));
  const neighbourKeys = server.receiveKeys(messages(keys));
  const shares = await stage('share-keys', 'before-share-keys', sortedMap(neighbourKeys));
  const forward = server.receiveShares(messages(shares));
  const masked = await stage('masked-input', 'before-masked-input', sortedMap(forward));
  const inputs: MaskedInput[] = [];
  for (const [u, a] of masked) {
    // Bytes a site's MaskingSite.maskedInput produced, received over the wire.
    inputs.push(brandMasked(u, a.message));
    payload[u] = a.message.length;
    clippedPerSite[u] = a.clipped ?? 0;
  }
  const requests = server.receiveMaskedInputs(inputs);
  const responses = await stage('unmask', 'before-unmask', sortedMap(requests));
  const t0 = performance.now();
  const un = await server.unmask(messages(responses));
  const dec = decodeSum(un.words, un.contributors.length, cfg);
  stageTimesMs.unmask = (stageTimesMs.unmask ?? 0) + performance.now() - t0;
  if (un.contributors.length === 0) throw new SecureAggregationAborted('below-threshold', 'secure aggregation aborted: no site sent its input');
  const bound = quantizationErrorBound(cfg, un.contributors.length, dec.weightTotal);
  const all = new Map<number, DropoutStage>([...simulated, ...failed]);
  const critical = Object.values(stageTimesMs).reduce((a, b) => a + b, 0);
  return {
    mean: dec.mean,
    weightedSum: dec.weightedSum,
    weightTotal: dec.weightTotal,
    contributors: un.contributors,
    dropouts: [...all].map(([site, st]) => ({ site, stage: st })).sort((a, b) => a.site - b.site),
    bytesUpPerSite: up,
    bytesDownPerSite: down,
    // Wall clock of the four round trips: what secure aggregation added to the round here.
    cryptoTimeMs: critical,
    cpuTimeMs: critical,
    stageTimesMs,
    payloadBytesUpPerSite: payload,
    clippedPerSite,
    clippedCount: clippedPerSite.reduce((a, v) => a + v, 0),
    meanAbsErrorBound: bound.meanAbsErrorBound,
  };
}

function sortedMap<T>(m: Map<number, T>): Map<number, T> {
  return new Map([...m].sort((a, b) => a[0] - b[0]));
}

/** A site failing stage X dropped before X's answer reached the server. */
function stageBefore(name: MaskingStage): DropoutStage {
  return name === 'setup' || name === 'share-keys' ? 'before-share-keys' : name === 'masked-input' ? 'before-masked-input' : 'before-unmask';
}

function stageKey(name: MaskingStage): string {
  return name === 'share-keys' ? 'shareKeys' : name === 'masked-input' ? 'maskedInput' : name;
}
