/**
 * The PSI of psi.ts with every party on its own threads, so the protocol uses the machine's cores
 * the way four organisations' computers would run it side by side:
 *   - each non-label party P is one worker thread (psi-worker.ts, role 'party') that draws its
 *     own secret key there and exchanges only the protocol's messages (B, A, A', the count);
 *   - the label holder L is this thread (its key, its row order, the matching) plus `labelThreads`
 *     worker threads of its own that it gives its key to and that do its group operations
 *     (hashing and blinding its keys for A, blinding each B into B'), split in equal chunks.
 * The steps, messages and what each party learns are those of psi.ts; L's and every P's steps
 * overlap in time (P's B while L computes A; each P's A' while L blinds the B's that arrived).
 * Secret keys come from node:crypto's CSPRNG; for a seeded run use runPsi (same intersection).
 * The threads share one process: this simulates the parties' separation (nothing but the
 * messages is passed), it does not enforce it.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ELEMENT_BYTES, GroupProtocolError } from './x25519-group.js';
import { COUNT_BYTES, combinePairs, decodeElements, matchDoublyBlinded, randomSecretKey, shuffledOrder, type PsiInput, type PsiPairOutcome, type PsiResult } from './psi.js';
import type { FromPsiWorker, PsiWorkerData, ToPsiWorker } from './psi-worker.js';
import { workerModuleUrl } from '../package-root.js';

const WORKER_URL = workerModuleUrl('vertical/psi-worker.js');

/** One worker thread with a FIFO of awaited answers (a worker answers its messages in order). */
class PsiThread {
  readonly #worker: Worker;
  readonly #waiting: { type: FromPsiWorker['type']; resolve: (m: FromPsiWorker) => void; reject: (e: Error) => void }[] = [];

  constructor(data: PsiWorkerData) {
    this.#worker = new Worker(WORKER_URL, { workerData: data });
    this.#worker.on('message', (m: FromPsiWorker) => {
      const w = this.#waiting.shift();
      if (!w) return;
      if (m.type === 'error') w.reject(m.protocol ? new GroupProtocolError(m.message) : new Error(m.message));
      else if (m.type !== w.type) w.reject(new Error(`internal: a PSI thread answered '${m.type}', expected '${w.type}'`));
      else w.resolve(m);
    });
    const failAll = (e: Error) => {
      for (const w of this.#waiting.splice(0)) w.reject(e);
    };
    this.#worker.on('error', failAll);
    this.#worker.on('exit', (code) => failAll(new Error(`internal: a PSI thread exited (code ${code})`)));
  }

  /** The next answer of the given type (after those already awaited). */
  expect<T extends FromPsiWorker['type']>(type: T): Promise<Extract<FromPsiWorker, { type: T }>> {
    return new Promise((resolve, reject) => this.#waiting.push({ type, resolve: resolve as (m: FromPsiWorker) => void, reject }));
  }

  request<T extends FromPsiWorker['type']>(message: ToPsiWorker, type: T): Promise<Extract<FromPsiWorker, { type: T }>> {
    const answer = this.expect(type);
    this.#worker.postMessage(message);
    return answer;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/** Splits n items into `parts` contiguous ranges of near-equal size. */
function ranges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < parts; k++) out.push([Math.floor((n * k) / parts), Math.floor((n * (k + 1)) / parts)]);
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export interface PsiParallelOptions {
  /** The label holder's compute threads (default 2). */
  labelThreads?: number;
  /** Called when L starts matching with a party. */
  onProgress?: (party: string) => void;
}

/** runPsi (psi.ts) with each party in its own threads; the same intersection, rows and bytes. */
export async function runPsiParallel(label: PsiInput, others: readonly PsiInput[], opts: PsiParallelOptions = {}): Promise<PsiResult> {
  const labelThreads = Math.max(1, Math.floor(opts.labelThreads ?? 2));
  // L's secrets: its key and its shuffle of A (psi.ts, step 1).
  const secret = randomSecretKey(cryptoRandomBytes);
  const order = shuffledOrder(label.keys.length, cryptoRandomBytes);
  const lThreads = Array.from({ length: labelThreads }, () => new PsiThread({ role: 'label', secret }));
  const parties = others.map((o) => new PsiThread({ role: 'party', keys: [...o.keys] }));
  /** Spreads one of L's jobs over its threads, in equal contiguous chunks, and reassembles it. */
  const onLabelThreads = async (n: number, chunk: (from: number, to: number) => ToPsiWorker): Promise<Uint8Array> =>
    concat(await Promise.all(ranges(n, labelThreads).map(([from, to], k) => lThreads[k].request(chunk(from, to), 'elements').then((m) => m.message))));
  try {
    // Step 2 starts in every party's thread as it starts; step 1 on L's threads meanwhile.
    const blinded = parties.map((p) => p.expect('blinded'));
    const orderedKeys = Array.from(order, (row) => label.keys[row]);
    const a = await onLabelThreads(orderedKeys.length, (from, to) => ({ type: 'hashAndBlind', keys: orderedKeys.slice(from, to) }));
    // Step 3: A to every party (a copy each: the same message sent to each organisation).
    const reblinded = parties.map((p) => p.request({ type: 'labelSet', message: a }, 'reblinded'));
    // Keep rejections of messages not yet awaited from going unhandled while an earlier one fails.
    for (const p of [...blinded, ...reblinded]) p.catch(() => undefined);
    const outcomes: PsiPairOutcome[] = await Promise.all(
      others.map(async (other, k): Promise<PsiPairOutcome> => {
        const b = (await blinded[k]).message;
        if (b.length !== other.keys.length * ELEMENT_BYTES) throw new GroupProtocolError(`PSI: ${other.id} sent ${b.length / ELEMENT_BYTES} elements for ${other.keys.length} keys`);
        opts.onProgress?.(other.id);
        // Step 4: B' = B blinded by L (on its threads, checked there), matched against A'.
        const bPrime = await onLabelThreads(b.length / ELEMENT_BYTES, (from, to) => ({ type: 'blind', message: b.slice(from * ELEMENT_BYTES, to * ELEMENT_BYTES) }));
        const aPrime = (await reblinded[k]).message;
        if (aPrime.length !== a.length) throw new GroupProtocolError(`PSI: A' from ${other.id} has ${aPrime.length / ELEMENT_BYTES} elements, A had ${label.keys.length}`);
        decodeElements(aPrime);
        const match = matchDoublyBlinded(aPrime, order, bPrime);
        // Step 5.
        const { view } = await parties[k].request({ type: 'count', count: match.count }, 'view');
        return { id: other.id, partySetSize: other.keys.length, match, bytes: { labelToParty: a.length + COUNT_BYTES, partyToLabel: b.length + aPrime.length }, partyView: view };
      }),
    );
    return combinePairs(label, outcomes);
  } finally {
    await Promise.all([...lThreads, ...parties].map((t) => t.close()));
  }
}
