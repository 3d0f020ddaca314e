/**
 * `fedage site`: one hospital. It opens only its own patients file (a single Arrow file, or its
 * own entry of a data directory's manifest, hash-checked), connects to the aggregator over
 * mutual TLS (verifying the aggregator's certificate against the consortium CA), joins, and
 * answers the tasks of its Session stream until the aggregator says the run is done. Every call
 * has a deadline (the Session's is `sessionDeadlineMs`, then it is opened again); a lost
 * connection is retried (the aggregator may restart and resume) until `connectTimeoutMs`.
 */
import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RecordBatch, Table } from 'apache-arrow';
import { EXIT_INPUT, FedageError, InputError, UsageError } from '../errors.js';
import { FEDAGE_VERSION } from '../version.js';
import { readArrowBatches } from '../data/arrow-io.js';
import { MANIFEST_FILE } from '../data/manifest.js';
import { DEFAULT_MAX_MESSAGE_BYTES, encodeMessage, MessageAssembler, type Message, type WireChunk } from './codec.js';
import { channelOptions, federationService, framedWrites, PROTOCOL_VERSION } from './protocol.js';
import { loadCredentials } from './credentials.js';
import { SiteWorker, type PrepareTask, type TrainTask } from './site-work.js';
import { SiteMasking, type SecAggTask } from './site-masking.js';

/** The aggregator refused the site, or could not be reached: an environment problem (exit 2). */
export class SiteConnectionError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INPUT);
  }
}

export interface SiteProcessOptions {
  data: string;
  siteId: string;
  server: string;
  certsDir: string;
  /** Give up when the aggregator cannot be reached for this long. */
  connectTimeoutMs?: number;
  /** Deadline of a Session stream; a task in flight when it passes is lost for its round. */
  sessionDeadlineMs?: number;
  log?: (line: string) => void;
  /** Tests only: plaintext instead of TLS (the aggregator must refuse it). */
  insecure?: boolean;
}

/** The site's own table: `<file>.arrow`, or its entry in `<dir>/manifest.json` (SHA-256 checked). */
export async function loadOwnTable(data: string, siteId: string): Promise<{ table: Table; units: Record<string, string>; file: string }> {
  let isDir: boolean;
  try {
    isDir = statSync(data).isDirectory();
  } catch {
    throw new InputError([{ file: data, path: '', expected: "the site's Arrow file or a fedage data directory", found: 'no such file or directory' }]);
  }
  let file = data;
  let units: Record<string, string> = {};
  if (isDir) {
    const manifestPath = join(data, MANIFEST_FILE);
    let manifest: { sites?: Array<{ id: string; units?: Record<string, string>; files: { patients: { file: string; sha256?: string } } }>; fileFormat?: string };
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch (err) {
      throw new InputError([{ file: manifestPath, path: '', expected: 'a fedage manifest', found: (err as Error).message }]);
    }
    const entry = manifest.sites?.find((s) => s.id === siteId);
    if (!entry) throw new InputError([{ file: manifestPath, path: 'sites', expected: `a site with id "${siteId}"`, found: (manifest.sites ?? []).map((s) => s.id).join(', ') || 'none' }]);
    if (manifest.fileFormat === 'parquet') throw new UsageError(`${data}: fedage site reads Arrow data directories; convert with fedage export --format arrow`);
    file = join(data, entry.files.patients.file);
    units = { ...(entry.units ?? {}) };
    const want = entry.files.patients.sha256;
    if (want) {
      const got = createHash('sha256').update(readFileSync(file)).digest('hex');
      if (got !== want) throw new InputError([{ file, path: '', expected: `SHA-256 ${want} (manifest)`, found: got }]);
    }
  }
  const batches: RecordBatch[] = [];
  for await (const b of readArrowBatches(file)) batches.push(b);
  return { table: new Table(batches), units, file };
}

type FederationClient = grpc.Client & {
  Join(req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: { accepted: boolean; reason: string; chunk_bytes: number }) => void): void;
  NextTask(req: unknown, opts: grpc.CallOptions): grpc.ClientReadableStream<WireChunk>;
  Submit(opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: { accepted: boolean; reason: string }) => void): grpc.ClientWritableStream<WireChunk>;
  Session(opts: grpc.CallOptions): grpc.ClientDuplexStream<WireChunk, WireChunk>;
};

/** A task's answer, before it is addressed. */
export type TaskResult = Omit<Message, 'taskId' | 'siteId'>;

// FAILED_PRECONDITION ("join first": the aggregator restarted and forgot the site) is not here: the
// site joins again.
const PERMANENT = new Set([grpc.status.PERMISSION_DENIED, grpc.status.UNAUTHENTICATED, grpc.status.INVALID_ARGUMENT, grpc.status.UNIMPLEMENTED]);

export function siteClient(server: string, certsDir: string, siteId: string, insecure = false): FederationClient {
  const Svc = federationService();
  framedWrites();
  const creds = insecure
    ? grpc.credentials.createInsecure()
    : (() => {
        const c = loadCredentials(certsDir, { role: 'site', id: siteId });
        return grpc.credentials.createSsl(c.ca, c.key, c.cert);
      })();
  return new Svc(server, creds, channelOptions()) as unknown as FederationClient;
}

/** Runs the site until the run is done; resolves with the number of tasks answered. */
export async function runSite(o: SiteProcessOptions): Promise<number> {
  const log = o.log ?? (() => {});
  const { table, units, file } = await loadOwnTable(o.data, o.siteId);
  log(`site ${o.siteId}: ${table.numRows} rows from ${file}`);
  const worker = new SiteWorker(o.siteId, table, units);
  const masking = new SiteMasking(o.siteId);
  const client = siteClient(o.server, o.certsDir, o.siteId, o.insecure);
  const connectTimeoutMs = o.connectTimeoutMs ?? 60_000;
  const sessionDeadlineMs = o.sessionDeadlineMs ?? 6 * 3600_000;
  let chunkBytes = 1 << 20;
  let answered = 0;
  let lastContact = Date.now();
  let joined = false;
  try {
    for (;;) {
      try {
        if (!joined) {
          const reply = await new Promise<{ accepted: boolean; reason: string; chunk_bytes: number }>((resolve, reject) =>
            client.Join({ site_id: o.siteId, protocol_version: PROTOCOL_VERSION, fedage_version: FEDAGE_VERSION }, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
          );
          if (!reply.accepted) throw new SiteConnectionError(`site ${o.siteId}: the aggregator refused to admit it: ${reply.reason}`);
          chunkBytes = reply.chunk_bytes || chunkBytes;
          joined = true;
          log(`site ${o.siteId}: joined ${o.server}`);
        }
        await serveSession(client, o.siteId, {
          deadlineMs: sessionDeadlineMs,
          chunkBytes,
          answer: (task) => handle(worker, masking, task),
          onContact: () => (lastContact = Date.now()),
          onAnswered: () => answered++,
        });
        log(`site ${o.siteId}: run finished after ${answered} tasks`);
        return answered;
      } catch (err) {
        if (err instanceof SiteConnectionError || err instanceof InputError) throw err;
        const e = err as grpc.ServiceError;
        if (e.code === grpc.status.UNIMPLEMENTED) {
          throw new SiteConnectionError(`site ${o.siteId}: the aggregator at ${o.server} has no Session call (an earlier fedage release): run the same fedage version on both ends`);
        }
        if (typeof e.code === 'number' && PERMANENT.has(e.code)) {
          throw new SiteConnectionError(`site ${o.siteId}: the aggregator at ${o.server} refused it: ${e.details || e.message}`);
        }
        if (Date.now() - lastContact > connectTimeoutMs) {
          throw new SiteConnectionError(`site ${o.siteId}: no contact with the aggregator at ${o.server} for ${Math.round(connectTimeoutMs / 1000)} s (${e.details || e.message}); check the address, that it runs, and that both use certificates of the same consortium CA`);
        }
        // Whatever broke the session (the aggregator restarted, the connection dropped), the site
        // joins again: a restarted aggregator knows no site until it joins, and what was in flight is lost.
        joined = false;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } finally {
    client.close();
  }
}

export interface SessionHandlers {
  deadlineMs: number;
  chunkBytes: number;
  answer: (task: Message) => Promise<TaskResult> | TaskResult;
  onContact?: () => void;
  onAnswered?: () => void;
}

/**
 * One Session stream: writes "ready", then answers the tasks the aggregator writes, one at a time
 * and in order, on the same stream. Resolves when the aggregator says "done"; rejects when the
 * stream fails (the caller reconnects), with the gRPC error.
 */
export function serveSession(client: FederationClient, siteId: string, h: SessionHandlers): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const call = client.Session({ deadline: Date.now() + h.deadlineMs });
    const tasks: Message[] = [];
    let assembler = new MessageAssembler(DEFAULT_MAX_MESSAGE_BYTES, { readInPlace: true });
    let busy = false;
    let finished = false;
    const fail = (err: Error) => {
      if (finished) return;
      finished = true;
      call.cancel();
      reject(err);
    };
    const pump = async () => {
      if (busy) return;
      busy = true;
      try {
        for (let task = tasks.shift(); task && !finished; task = tasks.shift()) {
          if (task.kind === 'done') {
            finished = true;
            call.end();
            resolve();
            return;
          }
          if (task.kind === 'idle') continue;
          const result = await h.answer(task);
          if (finished) return;
          for (const c of encodeMessage({ ...result, taskId: task.taskId, siteId }, h.chunkBytes)) call.write(c);
          h.onAnswered?.();
        }
      } catch (err) {
        fail(err as Error);
      } finally {
        busy = false;
      }
    };
    call.on('data', (c: WireChunk) => {
      if (finished) return;
      h.onContact?.();
      try {
        const m = assembler.push(c);
        if (!m) return;
        assembler = new MessageAssembler(DEFAULT_MAX_MESSAGE_BYTES, { readInPlace: true });
        tasks.push(m);
        void pump();
      } catch (err) {
        fail(err as Error);
      }
    });
    call.on('error', fail);
    call.on('end', () => fail(Object.assign(new Error('the aggregator closed the session'), { code: grpc.status.UNAVAILABLE })));
    for (const c of encodeMessage({ taskId: '', kind: 'ready', siteId, header: {}, vectors: {} })) call.write(c);
  });
}

async function handle(worker: SiteWorker, masking: SiteMasking, task: Message): Promise<TaskResult> {
  try {
    if (task.kind === 'secagg') {
      const r = await masking.handle(task.header as unknown as SecAggTask);
      return { kind: 'ok', header: { ...r }, vectors: {} };
    }
    if (task.kind === 'prepare') {
      const r = worker.prepare(task.header as unknown as PrepareTask);
      return { kind: 'ok', header: { trainRows: r.trainRows, featureCount: r.featureCount }, vectors: {} };
    }
    if (task.kind === 'train') {
      const vectors: Record<string, Float64Array> = {};
      for (const [name, v] of Object.entries(task.vectors)) if (name.startsWith('v:')) vectors[name.slice(2)] = v;
      const t = task.header as unknown as TrainTask;
      const globalParams = task.vectors.globalParams ?? new Float64Array(0);
      const u = worker.train(t, globalParams, vectors);
      // Secure aggregation: the update stays here; it leaves only masked (site-masking.ts).
      if (t.work.secureAggregation === 'masking') return { kind: 'ok', header: masking.hold(t.work.seed, t.work.arm, t.round, u, globalParams), vectors: {} };
      const out: Record<string, Float64Array> = { params: u.params };
      for (const [name, v] of Object.entries(u.vectors)) out[`v:${name}`] = v;
      return { kind: 'ok', header: { exampleCount: u.exampleCount, trainLoss: u.trainLoss, steps: u.steps, examplesSeen: u.examplesSeen }, vectors: out };
    }
    return { kind: 'error', header: { error: `unknown task kind "${task.kind}"` }, vectors: {} };
  } catch (err) {
    return { kind: 'error', header: { error: (err as Error).message }, vectors: {} };
  }
}
