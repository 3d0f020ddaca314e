/**
 * The bench's site clients over the network (bench/site-clients.ts): each round's instructions go
 * to the sampled sites' processes through the aggregator, all in parallel under one per-round
 * deadline. A site that is not connected, disconnects, misses the deadline or answers with a
 * malformed or inconsistent message is dropped for that round (an event says why); with fewer
 * than `minSites` answers the round is aborted and the model stays as it was.
 */
import type { PreparedSeed } from '../data/prepare/types.js';
import type { ClientRunner, TrainingAnswer, TrainingRequest } from '../federated/run-federated.js';
import type { ClientUpdate } from '../federated/strategy.js';
import type { BenchConfig } from '../bench/config.js';
import type { SeedSiteClients, SiteClientsFactory, SiteWork } from '../bench/site-clients.js';
import { UsageError } from '../errors.js';
import { TaskFailed, type Aggregator, type TransportEvent } from './aggregator.js';
import type { EncodedPayload } from './codec.js';
import { remoteMaskingSum, type RemoteMaskingOptions } from './remote-masking.js';
import type { RoundJournal } from './round-journal.js';
import type { SecureSumResult } from '../secagg/secure-sum.js';
import { SecureAggregationAborted } from '../secagg/errors.js';
import type { PrepareTask, TrainTask } from './site-work.js';

export interface RemoteSitesOptions {
  /** Per-round deadline for every participant's local update. */
  roundDeadlineMs: number;
  /** Deadline of a site's data preparation for a seed. */
  prepareDeadlineMs: number;
  /** Fewest answers a round aggregates (default 1). */
  minSites: number;
  /** How long the first round waits for every site to join. */
  joinTimeoutMs: number;
  /** The first round starts once this many sites joined (or at joinTimeoutMs). */
  startWith: number;
  /** The aggregator's state on disk (--state): every round's answers, replayed by --resume. */
  journal?: RoundJournal;
  /** Tests: fault injection between secure-aggregation stages. */
  beforeMaskingStage?: RemoteMaskingOptions['beforeStage'];
}

export interface RoundTiming {
  seed: number;
  arm: string;
  round: number;
  seconds: number;
  answered: number;
  sampled: number;
}

export class RemoteSites implements SiteClientsFactory {
  readonly rounds: RoundTiming[] = [];
  private waited = false;

  constructor(
    private readonly agg: Aggregator,
    private readonly opts: RemoteSitesOptions,
  ) {}

  forSeed(config: BenchConfig, prepared: PreparedSeed): SeedSiteClients {
    // Only masking runs at the sites; CKKS and compression would run on updates sent in the clear.
    const s = config.secureAggregation;
    if (s?.kind === 'ckks') throw new UsageError('--secure-aggregation ckks runs in-process only (fedage bench); a distributed run supports masking');
    if (s && config.compression) throw new UsageError('--compression with --secure-aggregation runs in-process only (fedage bench); a distributed run supports masking alone');
    return {
      forArm: (work) => this.runner(config, prepared, work),
      maskingSum: (work) => async (req) => {
        const journal = this.opts.journal;
        const recorded = journal?.get('secagg', work.seed, work.arm, req.round) as { sum?: SecureSumResult; aborted?: string } | undefined;
        if (recorded?.aborted !== undefined) throw new SecureAggregationAborted('below-threshold', recorded.aborted);
        if (recorded?.sum) return recorded.sum;
        try {
          const sum = await remoteMaskingSum(this.agg, work, req, { stageDeadlineMs: this.opts.roundDeadlineMs, ...(this.opts.beforeMaskingStage ? { beforeStage: this.opts.beforeMaskingStage } : {}) });
          journal?.put('secagg', work.seed, work.arm, req.round, { sum });
          return sum;
        } catch (err) {
          if (err instanceof SecureAggregationAborted) journal?.put('secagg', work.seed, work.arm, req.round, { aborted: err.message });
          throw err;
        }
      },
    };
  }

  private prepareTask(config: BenchConfig, prepared: PreparedSeed, site: string): PrepareTask {
    const inputs = prepared.inputs;
    if (!inputs) throw new Error('internal: a prepared seed without its inputs');
    const conversions = Object.fromEntries(
      Object.entries(prepared.preprocessing.unitConversions[site] ?? {}).map(([col, c]) => [col, { from: c.from, to: c.to, factor: c.factor ?? 1, offset: c.offset ?? 0 }]),
    );
    return { seed: prepared.seed, sources: inputs.sources, target: inputs.target, options: inputs.options, conversions, preprocessing: prepared.preprocessing, model: config.model };
  }

  private async ensurePrepared(config: BenchConfig, prepared: PreparedSeed, site: string): Promise<void> {
    if (this.agg.isPrepared(site, prepared.seed)) return;
    const generation = this.agg.generationOf(site);
    const answer = await this.agg.runTask(site, 'prepare', this.prepareTask(config, prepared, site) as unknown as Record<string, unknown>, {}, this.opts.prepareDeadlineMs);
    if (answer.kind !== 'ok') throw new TaskFailed('error', `site ${site} could not prepare seed ${prepared.seed}: ${String(answer.header.error ?? 'no reason')}`);
    const expected = prepared.sites.find((s) => s.id === site)?.train.data.n;
    if (answer.header.trainRows !== expected) {
      throw new TaskFailed('error', `site ${site} prepared ${String(answer.header.trainRows)} training rows for seed ${prepared.seed}; the plan has ${expected} (different data at the site?)`);
    }
    this.agg.markPrepared(site, prepared.seed, generation);
  }

  private runner(config: BenchConfig, prepared: PreparedSeed, work: SiteWork): ClientRunner {
    return async (req: TrainingRequest) => {
      const journal = this.opts.journal;
      const recorded = journal?.get('train', work.seed, work.arm, req.round) as { answer: TrainingAnswer; timing: RoundTiming; events: TransportEvent[] } | undefined;
      if (recorded) {
        // A resumed run: this round's answers were recorded before the crash; no site is asked again.
        this.rounds.push(recorded.timing);
        this.agg.events.push(...recorded.events);
        return recorded.answer;
      }
      const eventsBefore = this.agg.events.length;
      const answer = await this.live(config, prepared, work, req);
      journal?.put('train', work.seed, work.arm, req.round, { answer, timing: this.rounds[this.rounds.length - 1], events: this.agg.events.slice(eventsBefore).filter((e) => e.round === req.round) });
      return answer;
    };
  }

  private live(config: BenchConfig, prepared: PreparedSeed, work: SiteWork, req: TrainingRequest): Promise<TrainingAnswer> {
    return (async () => {
      if (!this.waited) {
        this.waited = true;
        await this.agg.waitForSites(this.opts.joinTimeoutMs, this.opts.startWith);
      }
      const started = performance.now();
      const ctx = { seed: work.seed, arm: work.arm, round: req.round };
      // Vectors several participants are sent (the round's model) are encoded once for all of them.
      const encoded = new Map<string, EncodedPayload>();
      const payloadOf = (vectors: Record<string, Float64Array>) => {
        const key = Object.entries(vectors)
          .map(([name, v]) => `${name}#${vectorId(v)}`)
          .sort()
          .join(',');
        let p = encoded.get(key);
        if (!p) encoded.set(key, (p = this.agg.encodePayload(vectors)));
        return p;
      };
      const answers = await Promise.all(
        req.participants.map(async (site, k): Promise<ClientUpdate | null> => {
          try {
            await this.ensurePrepared(config, prepared, site);
            const ins = req.instructions[k];
            const vectors: Record<string, Float64Array> = { globalParams: ins.globalParams };
            for (const [name, v] of Object.entries(ins.vectors)) vectors[`v:${name}`] = v;
            const task: TrainTask = { work, round: req.round, config: { ...ins.config } };
            const m = await this.agg.runTask(site, 'train', task as unknown as Record<string, unknown>, payloadOf(vectors), this.opts.roundDeadlineMs);
            if (m.kind !== 'ok') throw new TaskFailed('error', `site ${site}: ${String(m.header.error ?? 'failed')}`);
            return work.secureAggregation === 'masking' ? heldUpdateOf(site, m.header, ins.globalParams.length) : updateOf(site, m.header, m.vectors, ins.globalParams.length);
          } catch (err) {
            const f = err instanceof TaskFailed ? err : new TaskFailed('error', (err as Error).message);
            this.agg.event({ kind: f.kind === 'deadline' ? 'deadline' : f.kind === 'absent' ? 'absent' : 'dropped', site, ...ctx, message: `${work.arm} seed ${work.seed} round ${req.round}: ${f.message}; dropped for this round` });
            return null;
          }
        }),
      );
      const updates = answers.filter((u): u is ClientUpdate => u !== null);
      const abort = updates.length < this.opts.minSites;
      if (abort) this.agg.event({ kind: 'round-aborted', ...ctx, message: `${work.arm} seed ${work.seed} round ${req.round}: ${updates.length} of ${req.participants.length} sites answered, minSites is ${this.opts.minSites}; the model stays as it was` });
      this.rounds.push({ ...ctx, seconds: (performance.now() - started) / 1000, answered: updates.length, sampled: req.participants.length });
      return { updates, abort };
    })();
  }
}

/**
 * A masking site's answer: it keeps its update (site-masking.ts) and sends scalars and vector
 * lengths only. The ClientUpdate stands for it in the round loop with NaN values (anything that
 * read them would poison the model visibly); the sum comes from the masking protocol.
 */
function heldUpdateOf(site: string, h: Record<string, unknown>, paramCount: number): ClientUpdate {
  if (h.held !== true) throw new TaskFailed('malformed', `site ${site} sent its update in the clear to a secure-aggregation arm`);
  const lengths = h.vectorLengths;
  if (typeof lengths !== 'object' || lengths === null || Array.isArray(lengths)) throw new TaskFailed('malformed', `site ${site}: vectorLengths is not an object`);
  const vectors: Record<string, Float64Array> = {};
  for (const [name, len] of Object.entries(lengths)) {
    if (len !== paramCount) throw new TaskFailed('malformed', `site ${site}: vector ${name} of ${String(len)} values, the model has ${paramCount}`);
    vectors[name] = new Float64Array(paramCount).fill(Number.NaN);
  }
  return { ...updateOf(site, h, { params: new Float64Array(paramCount).fill(Number.NaN) }, paramCount), vectors };
}

/** A site's answer as a ClientUpdate, checked (a wrong shape is a dropped site, never a wrong model). */
function updateOf(site: string, h: Record<string, unknown>, vectors: Record<string, Float64Array>, paramCount: number): ClientUpdate {
  const params = vectors.params;
  if (!params || params.length !== paramCount) throw new TaskFailed('malformed', `site ${site} sent ${params?.length ?? 0} parameters, the model has ${paramCount}`);
  const num = (k: string) => {
    const v = h[k];
    if (typeof v !== 'number') throw new TaskFailed('malformed', `site ${site}: ${k} is not a number`);
    return v;
  };
  const extra: Record<string, Float64Array> = {};
  for (const [name, v] of Object.entries(vectors)) {
    if (name === 'params') continue;
    if (!name.startsWith('v:') || v.length !== paramCount) throw new TaskFailed('malformed', `site ${site}: unexpected vector ${name}`);
    extra[name.slice(2)] = v;
  }
  return { clientId: site, exampleCount: num('exampleCount'), params, vectors: extra, trainLoss: num('trainLoss'), steps: num('steps'), examplesSeen: num('examplesSeen') };
}

const vectorIds = new WeakMap<Float64Array, number>();
let nextVectorId = 0;
/** An identity for a vector object (the same array sent to several sites is encoded once). */
function vectorId(v: Float64Array): number {
  let id = vectorIds.get(v);
  if (id === undefined) vectorIds.set(v, (id = nextVectorId++));
  return id;
}
