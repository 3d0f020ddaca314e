/**
 * The aggregator's network side: a gRPC server over mutual TLS that admits a site only if its
 * certificate chains to the consortium CA (checked by TLS), names a site of the plan (subject
 * CN, OU=site), matches the site id it claims and is not on the CA's revocation list; it hands
 * each site its tasks on the site's Session stream (or, for sites of earlier releases, a long
 * poll) and collects the results, every task under a deadline. A site that disconnects, misses
 * the deadline or sends a malformed message loses that task (the caller drops it from the round);
 * it may join again. Nothing here knows about training.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { FEDAGE_VERSION } from '../version.js';
import { EncodedPayload, encodeMessage, MessageAssembler, ProtocolError, wireBytes, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_MESSAGE_BYTES, type Message, type WireChunk } from './codec.js';
import { channelOptions, federationService, framedWrites, PROTOCOL_VERSION, widenServerWindows } from './protocol.js';
import type { Credentials } from './certs.js';
import { authenticateSite, dropTasksSentOn, failCall, TaskFailed, undecodableReason, type PendingTask, type SessionCall, type SiteSession, type SurfaceCall, type TransportEvent, type TransportTotals } from './site-sessions.js';

export { TaskFailed, type TransportEvent, type TransportTotals };

export interface AggregatorOptions {
  /** Site ids of the plan: the only subjects admitted. */
  sites: readonly string[];
  credentials: Credentials;
  /** Serial numbers (lower-case hex, no leading zeros) the CA revoked. */
  revokedSerials?: ReadonlySet<string>;
  /** host:port; port 0 picks a free one. */
  listen: string;
  chunkBytes?: number;
  maxMessageBytes?: number;
  /** How long a NextTask long poll is held before answering "idle". */
  pollMs?: number;
  onEvent?: (e: TransportEvent) => void;
  /** Tests: sees every decoded message a site submits (what the aggregator learns). */
  onReceived?: (site: string, m: Message) => void;
}

export class Aggregator {
  readonly events: TransportEvent[] = [];
  readonly totals: TransportTotals = { bytesSent: 0, bytesReceived: 0 };
  readonly runId = randomUUID();
  private readonly server: grpc.Server;
  private readonly sessions = new Map<string, SiteSession>();
  private readonly started = performance.now();
  private done = false;
  private joinWaiters: Array<() => void> = [];
  private boundPort = 0;

  constructor(private readonly opts: AggregatorOptions) {
    this.server = new grpc.Server(channelOptions(opts.chunkBytes));
    for (const id of opts.sites) this.sessions.set(id, { id, generation: 0, joined: false, queue: [], inFlight: new Map(), waiter: null, stream: null, prepared: new Set() });
  }

  get port(): number {
    return this.boundPort;
  }

  event(e: Omit<TransportEvent, 'atMs'>): void {
    const full = { atMs: Math.round(performance.now() - this.started), ...e };
    this.events.push(full);
    this.opts.onEvent?.(full);
  }

  async start(): Promise<number> {
    const svc = federationService();
    this.server.addService(svc.service, {
      Join: (call: grpc.ServerUnaryCall<{ site_id: string; protocol_version: number; fedage_version: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => this.join(call, cb),
      NextTask: (call: grpc.ServerWritableStream<{ site_id: string }, WireChunk>) => this.nextTask(call),
      Submit: (call: grpc.ServerReadableStream<WireChunk, unknown>, cb: grpc.sendUnaryData<unknown>) => this.submit(call, cb),
      Session: (call: SessionCall) => this.session(call),
    });
    const c = this.opts.credentials;
    // checkClientCertificate: TLS refuses a client without a certificate chaining to the CA (or expired).
    const creds = grpc.ServerCredentials.createSsl(c.ca, [{ private_key: c.key, cert_chain: c.cert }], true);
    widenServerWindows(this.server, 'before-bind');
    framedWrites();
    this.boundPort = await new Promise<number>((resolve, reject) => this.server.bindAsync(this.opts.listen, creds, (err, port) => (err ? reject(err) : resolve(port))));
    widenServerWindows(this.server, 'after-bind');
    this.event({ kind: 'listening', message: `listening on ${this.opts.listen.replace(/:\d+$/, '')}:${this.boundPort} (mutual TLS, protocol v${PROTOCOL_VERSION})` });
    return this.boundPort;
  }

  isJoined(site: string): boolean {
    return this.sessions.get(site)?.joined === true;
  }

  joinedSites(): string[] {
    return [...this.sessions.values()].filter((s) => s.joined).map((s) => s.id);
  }

  /** Waits until every site joined or `timeoutMs` passed; returns the sites present. */
  async waitForSites(timeoutMs: number, want = this.opts.sites.length): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.joinedSites().length < want && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, Math.min(250, deadline - Date.now())));
        this.joinWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.joinedSites();
  }

  isPrepared(site: string, seed: number): boolean {
    return this.sessions.get(site)?.prepared.has(seed) === true;
  }

  markPrepared(site: string, seed: number, generation: number): void {
    const s = this.sessions.get(site);
    if (s && s.generation === generation) s.prepared.add(seed);
  }

  generationOf(site: string): number {
    return this.sessions.get(site)?.generation ?? -1;
  }

  /** The payload chunks of vectors that several tasks send (a round's model): encoded once. */
  encodePayload(vectors: Record<string, Float64Array>): EncodedPayload {
    return new EncodedPayload(vectors, this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  }

  /** Sends a task to a site and resolves with its result message; rejects with TaskFailed. */
  runTask(site: string, kind: string, header: Record<string, unknown>, vectors: Record<string, Float64Array> | EncodedPayload, deadlineMs: number): Promise<Message> {
    const s = this.sessions.get(site);
    if (!s || !s.joined) return Promise.reject(new TaskFailed('absent', `site ${site} is not connected`));
    const taskId = randomUUID();
    const payload = vectors instanceof EncodedPayload ? vectors : this.encodePayload(vectors);
    const chunks = encodeMessage({ taskId, kind, siteId: site, header, payload });
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => finish(new TaskFailed('deadline', `site ${site} did not answer within ${deadlineMs} ms`)), deadlineMs);
      const finish = (r: Message | Error) => {
        clearTimeout(timer);
        s.inFlight.delete(taskId);
        const q = s.queue.indexOf(task);
        if (q >= 0) s.queue.splice(q, 1);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const task: PendingTask = { taskId, chunks, sent: false, sentOn: null, generation: s.generation, resolve: (m) => finish(m), reject: (e) => finish(e) };
      s.inFlight.set(taskId, task);
      s.queue.push(task);
      this.flush(s);
    });
  }

  /** Tells every site the run is over (their next poll answers "done"), then stops the server. */
  async shutdown(graceMs = 2000): Promise<void> {
    this.done = true;
    for (const s of this.sessions.values()) this.flush(s);
    const deadline = Date.now() + graceMs;
    // Sites on a Session stream were told at once; a polling site is told when it polls next.
    while (Date.now() < deadline && [...this.sessions.values()].some((s) => s.joined && s.waiter === null && s.stream === null)) await new Promise((r) => setTimeout(r, 50));
    for (const s of this.sessions.values()) this.flush(s);
    this.event({ kind: 'done', message: 'run finished; sites told to stop' });
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 500);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  forceShutdown(): void {
    this.done = true;
    this.server.forceShutdown();
  }

  /** The site id an authenticated peer may act as, or a refusal reason. */
  private authenticate(call: SurfaceCall, claimed: string): { site: string } | { refused: string } {
    return authenticateSite(call, claimed, (id) => this.sessions.has(id), this.opts.revokedSerials);
  }

  private refuse(call: SurfaceCall, claimed: string, reason: string): grpc.ServiceError {
    this.event({ kind: 'refused', ...(claimed ? { site: claimed } : {}), message: `refused ${call.getPeer()}: ${reason}` });
    return Object.assign(new Error(reason), { code: grpc.status.PERMISSION_DENIED, details: reason, metadata: new grpc.Metadata() });
  }

  private join(call: grpc.ServerUnaryCall<{ site_id: string; protocol_version: number; fedage_version: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    const req = call.request;
    const who = this.authenticate(call, req.site_id);
    if ('refused' in who) return cb(this.refuse(call, req.site_id, who.refused));
    if (req.protocol_version !== PROTOCOL_VERSION) {
      return cb(this.refuse(call, who.site, `protocol version ${req.protocol_version}, this aggregator speaks ${PROTOCOL_VERSION}`));
    }
    const s = this.sessions.get(who.site) as SiteSession;
    const again = s.generation > 0;
    s.generation += 1;
    s.joined = true;
    s.prepared.clear();
    // A site that joins again restarted: what it was working on is lost.
    for (const t of [...s.inFlight.values()]) t.reject(new TaskFailed('dropped', `site ${s.id} restarted during its task`));
    this.event({ kind: again ? 'rejoined' : 'joined', site: s.id, message: `site ${s.id} ${again ? 'joined again' : 'joined'} (fedage ${req.fedage_version || '?'})` });
    for (const w of this.joinWaiters.splice(0)) w();
    cb(null, { accepted: true, reason: '', run_id: this.runId, chunk_bytes: this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES });
  }

  private nextTask(call: grpc.ServerWritableStream<{ site_id: string }, WireChunk>): void {
    const who = this.authenticate(call, call.request.site_id);
    if ('refused' in who) {
      failCall(call, this.refuse(call, call.request.site_id, who.refused));
      return;
    }
    const s = this.sessions.get(who.site) as SiteSession;
    if (!s.joined) {
      failCall(call, Object.assign(new Error('join first'), { code: grpc.status.FAILED_PRECONDITION }));
      return;
    }
    if (s.waiter) this.answerIdle(s);
    const timer = setTimeout(() => this.answerIdle(s), this.opts.pollMs ?? 10_000);
    s.waiter = { call, timer };
    call.on('cancelled', () => {
      if (s.waiter?.call === call) {
        clearTimeout(s.waiter.timer);
        s.waiter = null;
      }
    });
    this.flush(s);
  }

  private answerIdle(s: SiteSession): void {
    const w = s.waiter;
    if (!w) return;
    s.waiter = null;
    clearTimeout(w.timer);
    this.writeAll(w.call, encodeMessage({ taskId: '', kind: this.done ? 'done' : 'idle', siteId: s.id, header: {}, vectors: {} }));
  }

  private flush(s: SiteSession): void {
    if (s.stream) {
      const stream = s.stream;
      for (const task of s.queue) {
        if (task.sent) continue;
        task.sent = true;
        task.sentOn = stream;
        this.totals.bytesSent += wireBytes(task.chunks);
        for (const c of task.chunks) stream.write(c);
      }
      if (this.done) {
        s.stream = null;
        this.writeAll(stream, encodeMessage({ taskId: '', kind: 'done', siteId: s.id, header: {}, vectors: {} }));
      }
      return;
    }
    if (!s.waiter) return;
    const task = s.queue.find((t) => !t.sent);
    if (!task) {
      if (this.done) this.answerIdle(s);
      return;
    }
    const w = s.waiter;
    s.waiter = null;
    clearTimeout(w.timer);
    task.sent = true;
    this.totals.bytesSent += wireBytes(task.chunks);
    this.writeAll(w.call, task.chunks);
  }

  private writeAll(call: { write(c: WireChunk): unknown; end(): void }, chunks: readonly WireChunk[]): void {
    for (const c of chunks) call.write(c);
    call.end();
  }

  private submit(call: grpc.ServerReadableStream<WireChunk, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    const assembler = this.newAssembler();
    let answered = false;
    let site = '';
    const reply = (err: grpc.ServiceError | null, value?: unknown) => {
      if (answered) return;
      answered = true;
      cb(err, value);
    };
    const malformed = (reason: string) => {
      reply(this.malformed(call, site, reason));
      call.destroy();
    };
    call.on('data', (chunk: WireChunk) => {
      if (answered) return;
      try {
        if (!site) {
          const who = this.authenticate(call, chunk.site_id);
          if ('refused' in who) {
            reply(this.refuse(call, chunk.site_id, who.refused));
            call.destroy();
            return;
          }
          site = who.site;
        }
        this.totals.bytesReceived += (chunk.header?.length ?? 0) + (chunk.payload?.length ?? 0);
        const m = assembler.push(chunk);
        if (!m) return;
        if (this.deliver(site, m)) reply(null, { accepted: true, reason: '' });
        else reply(null, { accepted: false, reason: 'no such task (late or unknown): dropped' });
      } catch (err) {
        malformed(undecodableReason(err));
      }
    });
    call.on('end', () => reply(null, { accepted: false, reason: 'incomplete message' }));
    call.on('error', () => reply(null, { accepted: false, reason: 'stream error' }));
  }

  /**
   * A site's Session stream: its first chunk ("ready") authenticates it; from then on the site's
   * tasks are written here and every message the site writes is a result. When the stream breaks
   * (the site died or lost its connection) the tasks written to it are lost: they fail at once as
   * dropped instead of waiting for the deadline.
   */
  private session(call: SessionCall): void {
    let s: SiteSession | null = null;
    let assembler = this.newAssembler();
    const detach = (lost: boolean) => {
      if (!s) return;
      if (s.stream === call) s.stream = null;
      if (lost) dropTasksSentOn(s, call, `site ${s.id} lost its connection during its task`);
    };
    let failed = false;
    const fail = (err: Error) => {
      failed = true;
      failCall(call, err);
    };
    call.on('data', (chunk: WireChunk) => {
      if (failed) return;
      try {
        if (!s) {
          const who = this.authenticate(call, chunk.site_id);
          if ('refused' in who) {
            fail(this.refuse(call, chunk.site_id, who.refused));
            return;
          }
          const session = this.sessions.get(who.site) as SiteSession;
          if (!session.joined) {
            fail(Object.assign(new Error('join first'), { code: grpc.status.FAILED_PRECONDITION }));
            return;
          }
          if (chunk.kind !== 'ready') throw new ProtocolError(`a session starts with a "ready" chunk, not "${String(chunk.kind).slice(0, 40)}"`);
          s = session;
          // A newer stream of the same site replaces the old one: the site reconnected, and what
          // was sent on the old one is lost with it.
          if (s.stream) {
            dropTasksSentOn(s, s.stream, `site ${s.id} reconnected during its task`);
            s.stream.end();
          }
          s.stream = call;
          this.flush(s);
          return;
        }
        if (chunk.site_id !== '' && chunk.site_id !== s.id) {
          fail(this.refuse(call, chunk.site_id, `the session of site ${s.id} carried a message of site "${String(chunk.site_id).slice(0, 64)}"`));
          return;
        }
        this.totals.bytesReceived += (chunk.header?.length ?? 0) + (chunk.payload?.length ?? 0);
        const m = assembler.push(chunk);
        if (!m) return;
        assembler = this.newAssembler();
        // A late answer (its task already failed) is not an error: the site was slow.
        this.deliver(s.id, m);
      } catch (err) {
        fail(this.malformed(call, s?.id ?? '', undecodableReason(err)));
      }
    });
    call.on('end', () => {
      detach(false);
      call.end();
    });
    call.on('cancelled', () => detach(true));
    call.on('error', () => detach(true));
  }

  /** Chunks from the network are buffers of their own: a one-chunk message is read in place. */
  private newAssembler(): MessageAssembler {
    return new MessageAssembler(this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, { readInPlace: true });
  }

  /** Hands a complete result to its task; false when no task waits for it (late or unknown). */
  private deliver(site: string, m: Message): boolean {
    this.opts.onReceived?.(site, m);
    const task = this.sessions.get(site)?.inFlight.get(m.taskId);
    if (!task) return false;
    task.resolve(m);
    return true;
  }

  /** Records a refused message (a `malformed` event) and returns the gRPC error to answer with. */
  private malformed(call: SurfaceCall, site: string, reason: string): grpc.ServiceError {
    this.event({ kind: 'malformed', ...(site ? { site } : {}), message: `message from ${site || call.getPeer()} refused: ${reason}` });
    return Object.assign(new Error(reason), { code: grpc.status.INVALID_ARGUMENT, details: reason, metadata: new grpc.Metadata() });
  }
}

export const AGGREGATOR_VERSION = FEDAGE_VERSION;
