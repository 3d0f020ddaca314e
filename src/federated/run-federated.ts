/**
 * THE federated round loop (the only one): partial participation with a seeded sampler, each
 * participant's local update through the strategy, aggregation, the server step, and the
 * communication log — the FedAvg round of McMahan et al. 2017 (Algorithm 1: sample
 * m = max(C·K, 1) clients, train locally, aggregate), generalized over Strategy.
 *
 * Determinism, independent of the order the caller lists the clients in:
 * - clients are sorted by id first; every sum runs in id order (aggregate.ts);
 * - sampling draws from one stream for the run, streamState(seed, streamLabel, 'sampling'),
 *   by a partial Fisher–Yates over the sorted ids;
 * - each client's shuffling stream derives from (seed, streamLabel, client id, round)
 *   (clientStreamState), never from the client's position or from who else was sampled, so a
 *   central run can replay exactly the stream a lone client would use.
 * Rounds are numbered from 1.
 */
import type { LabeledData } from '../model/types.js';
import { streamState, Xoshiro128 } from '../random/rng.js';
import { compareIds, weightedAverageScalar } from './aggregate.js';
import { createStrategy } from './registry.js';
import { downloadBytes, uploadBytes, type AggregatedUpdate, type ClientInstruction, type ClientState, type ClientUpdate, type ServerState, type Strategy } from './strategy.js';
import type { FederatedClient, FederatedRunOptions, FederatedRunResult, RoundLog } from './types.js';

/** The 128-bit state of a client's shuffling stream in one round. */
export function clientStreamState(seed: number, streamLabel: string, clientId: string, round: number): Uint32Array {
  return streamState(seed, streamLabel, 'client-shuffle', clientId, String(round));
}

/** A client's uniform [0, 1) shuffling source in one round (what runFederated hands trainLocal). */
export function clientRandom(seed: number, streamLabel: string, clientId: string, round: number): () => number {
  const rng = new Xoshiro128(clientStreamState(seed, streamLabel, clientId, round));
  return () => rng.uniform();
}

/** The stream client sampling draws from, for the whole run. */
export function samplingStream(seed: number, streamLabel: string): Xoshiro128 {
  return new Xoshiro128(streamState(seed, streamLabel, 'sampling'));
}

/** Clients per round: max(1, round(fraction · N)), at most N. */
export function participantsPerRound(clientFraction: number, clientCount: number): number {
  if (!(clientFraction > 0 && clientFraction <= 1)) throw new RangeError(`clientFraction must be in (0, 1], got ${clientFraction}`);
  return Math.min(clientCount, Math.max(1, Math.round(clientFraction * clientCount)));
}

/**
 * `count` distinct ids drawn uniformly without replacement from `sortedIds` (partial
 * Fisher–Yates, one uniform per pick), returned sorted. Draws nothing when all are taken.
 */
export function sampleClients(sortedIds: readonly string[], count: number, rng: Xoshiro128): string[] {
  const n = sortedIds.length;
  if (count >= n) return [...sortedIds];
  const pool = [...sortedIds];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, count).sort(compareIds);
}

/**
 * Poisson client sampling: each client joins the round independently with probability q (a
 * round may have no participant). This is the sampling the subsampled-Gaussian RDP analysis
 * assumes, so client-level DP accounting with rate q is exact rather than an approximation.
 */
export function poissonClients(sortedIds: readonly string[], sampleRate: number, rng: Xoshiro128): string[] {
  if (sampleRate >= 1) return [...sortedIds];
  return sortedIds.filter(() => rng.uniform() < sampleRate);
}

export interface CommunicationTotals {
  /** Σ bytes sent up / down over all rounds and participants. */
  bytesUp: number;
  bytesDown: number;
  bytesTotal: number;
  /** Per client id, Σ over the rounds it took part in. */
  perClient: Record<string, { bytesUp: number; bytesDown: number; rounds: number }>;
}

/** Sums a run's RoundLog bytes (per direction, overall and per client). */
export function communicationTotals(rounds: readonly RoundLog[]): CommunicationTotals {
  let bytesUp = 0;
  let bytesDown = 0;
  const perClient: CommunicationTotals['perClient'] = {};
  for (const log of rounds) {
    for (const id of log.participants) {
      const up = log.bytesUp[id] ?? 0;
      const down = log.bytesDown[id] ?? 0;
      bytesUp += up;
      bytesDown += down;
      const c = (perClient[id] ??= { bytesUp: 0, bytesDown: 0, rounds: 0 });
      c.bytesUp += up;
      c.bytesDown += down;
      c.rounds += 1;
    }
  }
  return { bytesUp, bytesDown, bytesTotal: bytesUp + bytesDown, perClient };
}

function checkOptions(opts: FederatedRunOptions): FederatedClient[] {
  if (opts.clients.length === 0) throw new RangeError('federated training needs at least one client');
  if (!(Number.isInteger(opts.rounds) && opts.rounds >= 0)) throw new RangeError(`rounds must be a non-negative integer, got ${opts.rounds}`);
  if (opts.initialParams.length !== opts.model.paramCount) {
    throw new RangeError(`initialParams has ${opts.initialParams.length} values, the model has ${opts.model.paramCount} parameters`);
  }
  const clients = [...opts.clients].sort((a, b) => compareIds(a.id, b.id));
  for (let k = 0; k < clients.length; k++) {
    const c = clients[k];
    if (k > 0 && c.id === clients[k - 1].id) throw new RangeError(`duplicate client id '${c.id}'`);
    if (c.train.n === 0) throw new RangeError(`client '${c.id}' has no training examples`);
    if (c.train.d !== opts.model.featureCount) {
      throw new RangeError(`client '${c.id}' has ${c.train.d} features, the model expects ${opts.model.featureCount}`);
    }
  }
  return clients;
}

/** What the round loop hands an aggregation hook: the round's uploads and the server state. */
export interface AggregationRequest {
  round: number;
  participants: readonly string[];
  updates: readonly ClientUpdate[];
  state: ServerState;
  /** The (possibly wrapped) strategy: a hook may call its `aggregate` on the plaintext updates. */
  strategy: Strategy;
}

/** An aggregation hook's answer: the aggregate (null: the round aborted, no model update) and the measured bytes. */
export interface AggregationOutcome {
  aggregated: AggregatedUpdate | null;
  /** Bytes each participant really sent / received, replacing the float32 estimate when given. */
  bytesUp?: Record<string, number>;
  /** Added to the model broadcast's bytes down (protocol messages). */
  extraBytesDown?: Record<string, number>;
}

/**
 * Replaces `strategy.aggregate` in a round (secure aggregation, compression): injected by the
 * bench like the local trainer, so federated/ never imports secagg/ or compression/. Async
 * because secret sharing is; `runFederatedAsync` awaits it.
 */
export type AggregationHook = (request: AggregationRequest) => Promise<AggregationOutcome>;

/** One round's local training handed to a remote runner: the sampled participants and their instructions. */
export interface TrainingRequest {
  round: number;
  participants: readonly string[];
  instructions: readonly ClientInstruction[];
}

/**
 * Runs the round's local training somewhere else (each site its own process: src/distributed).
 * Returns the updates of the participants that answered in time, any order; a participant
 * missing from the answer is dropped for this round (it did not upload, so it is not aggregated
 * and its state at the server is untouched). The sites keep their own ClientState.
 */
export type ClientRunner = (request: TrainingRequest) => Promise<TrainingAnswer>;

/** A remote round's answer: the updates received; `abort` when too few sites answered (minSites): no aggregation, the model stays. */
export interface TrainingAnswer {
  updates: readonly ClientUpdate[];
  abort?: boolean;
}

/** What the round loop yields to its driver: a round's remote training, or its aggregation. */
type LoopRequest = ({ kind: 'train' } & TrainingRequest) | ({ kind: 'aggregate' } & AggregationRequest);
type LoopAnswer = TrainingAnswer | AggregationOutcome;

/** Runs `opts.rounds` rounds of federated training; returns the final global model and the log. */
export function runFederated(opts: FederatedRunOptions): FederatedRunResult {
  const loop = roundLoop(opts, false);
  let step = loop.next();
  while (!step.done) {
    const req = step.value;
    if (req.kind !== 'aggregate') throw new Error('internal: remote training in the synchronous round loop');
    step = loop.next({ aggregated: req.strategy.aggregate(req.updates, req.state) });
  }
  return step.value;
}

/** The same round loop, aggregating through `aggregate` (the plaintext strategy.aggregate when absent). */
export async function runFederatedAsync(opts: FederatedRunOptions, aggregate?: AggregationHook, clients?: ClientRunner): Promise<FederatedRunResult> {
  const loop = roundLoop(opts, clients !== undefined);
  let step = loop.next();
  while (!step.done) {
    const req = step.value;
    if (req.kind === 'train') step = loop.next(await (clients as ClientRunner)(req));
    else step = loop.next(aggregate ? await aggregate(req) : { aggregated: req.strategy.aggregate(req.updates, req.state) });
  }
  return step.value;
}

/** The one round loop, as a generator that yields each round's aggregation to its driver. */
function* roundLoop(opts: FederatedRunOptions, remote: boolean): Generator<LoopRequest, FederatedRunResult, LoopAnswer> {
  const clients = checkOptions(opts);
  const ids = clients.map((c) => c.id);
  const data = new Map<string, LabeledData>(clients.map((c) => [c.id, c.train]));
  const perRound = participantsPerRound(opts.clientFraction, clients.length);
  const base = createStrategy(opts.strategy);
  const strategy = opts.wrapStrategy ? opts.wrapStrategy(base) : base;
  const sampler = samplingStream(opts.seed, opts.streamLabel);

  let state = strategy.initialize(
    opts.initialParams,
    clients.map((c) => ({ id: c.id, exampleCount: c.train.n })),
  );
  const clientStates = new Map<string, ClientState>();
  const rounds: RoundLog[] = [];

  for (let round = 1; round <= opts.rounds; round++) {
    const sampled =
      opts.clientSampling === 'poisson' ? poissonClients(ids, opts.clientFraction, sampler) : sampleClients(ids, perRound, sampler);
    // A privacy budget check may stop the run before a round that would exceed it.
    if (opts.beforeRound && !opts.beforeRound(round, sampled)) break;
    const instructions = strategy.configureRound(state, sampled);
    const bytesUp: Record<string, number> = {};
    const bytesDown: Record<string, number> = {};
    let updates: ClientUpdate[] = [];
    let aborted = false;
    for (let k = 0; k < sampled.length; k++) {
      const id = sampled[k];
      if (instructions[k].clientId !== id) throw new Error(`strategy ${strategy.name} configured '${instructions[k].clientId}' where '${id}' was expected`);
    }
    if (remote) {
      const answered = (yield { kind: 'train', round, participants: sampled, instructions }) as TrainingAnswer;
      aborted = answered.abort === true;
      const byId = new Map(answered.updates.map((u) => [u.clientId, u]));
      // Only sampled sites count, in id order (the order every sum runs in).
      updates = sampled.flatMap((id) => (byId.has(id) ? [byId.get(id) as ClientUpdate] : []));
      for (let k = 0; k < sampled.length; k++) if (byId.has(sampled[k])) bytesDown[sampled[k]] = downloadBytes(instructions[k]);
      for (const u of updates) bytesUp[u.clientId] = uploadBytes(u);
      if (aborted) updates = [];
    } else {
      for (let k = 0; k < sampled.length; k++) {
        const id = sampled[k];
        const instruction = instructions[k];
        bytesDown[id] = downloadBytes(instruction);
        const { update, clientState } = strategy.clientUpdate({
          model: opts.model,
          data: data.get(id) as LabeledData,
          local: opts.local,
          instruction,
          clientState: clientStates.get(id),
          random: clientRandom(opts.seed, opts.streamLabel, id, round),
        });
        clientStates.set(id, clientState);
        bytesUp[id] = uploadBytes(update);
        updates.push(update);
      }
    }
    const participants = updates.map((u) => u.clientId);
    const outcome: AggregationOutcome = aborted ? { aggregated: null } : ((yield { kind: 'aggregate', round, participants, updates, state, strategy }) as AggregationOutcome);
    if (outcome.bytesUp) for (const id of participants) bytesUp[id] = outcome.bytesUp[id] ?? 0;
    if (outcome.extraBytesDown) for (const id of participants) bytesDown[id] += outcome.extraBytesDown[id] ?? 0;
    // An aborted secure aggregation (or a remote round below minSites) leaves the model as it was (never a wrong model).
    state = outcome.aggregated ? strategy.serverStep(state, outcome.aggregated) : { ...state, round: state.round + 1 };
    const log: RoundLog = {
      round,
      participants,
      bytesUp,
      bytesDown,
      meanTrainLoss: updates.length === 0 ? Number.NaN : weightedAverageScalar(updates.map((u) => ({ id: u.clientId, weight: u.exampleCount, value: u.trainLoss }))),
      localSteps: Object.fromEntries(updates.map((u) => [u.clientId, u.steps])),
      examplesSeen: Object.fromEntries(updates.map((u) => [u.clientId, u.examplesSeen])),
    };
    rounds.push(log);
    opts.onRound?.(log, state.params.slice());
  }

  const finalClientStates: Record<string, ClientState> = {};
  for (const id of ids) {
    const s = clientStates.get(id);
    if (s) finalClientStates[id] = s;
  }
  return { params: state.params.slice(), rounds, serverState: state, clientStates: finalClientStates };
}
