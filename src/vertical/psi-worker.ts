/**
 * Worker-thread entry of the parallel PSI (psi-parallel.ts). A worker is one party's computer:
 *   - 'party': a non-label party P. It draws its own secret key here (node:crypto's CSPRNG), so
 *     the key never leaves this thread; it sends B, answers A with A', and records the count
 *     (steps 2, 3 and 5 of psi.ts).
 *   - 'label': one of the label holder's own compute threads, given L's secret key by L; it
 *     hashes and blinds L's keys (step 1) or blinds a B (step 4) and returns the elements.
 * Only protocol messages (and, for L's threads, L's own data) cross the thread boundary.
 */
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { ELEMENT_BYTES, GroupProtocolError, SecretKey } from './x25519-group.js';
import { randomSecretKey, type PsiPartyView } from './psi.js';

export type PsiWorkerData = { role: 'party'; keys: string[] } | { role: 'label'; secret: Uint8Array };

export type ToPsiWorker =
  | { type: 'labelSet'; message: Uint8Array }
  | { type: 'count'; count: number }
  | { type: 'hashAndBlind'; keys: string[] }
  | { type: 'blind'; message: Uint8Array };

export type FromPsiWorker =
  | { type: 'blinded'; message: Uint8Array }
  | { type: 'reblinded'; message: Uint8Array }
  | { type: 'view'; view: PsiPartyView }
  | { type: 'elements'; message: Uint8Array }
  | { type: 'error'; message: string; protocol: boolean };

const port = parentPort!;
const data = workerData as PsiWorkerData;

function send(m: FromPsiWorker): void {
  if (m.type === 'blinded' || m.type === 'reblinded' || m.type === 'elements') port.postMessage(m, [m.message.buffer as ArrayBuffer]);
  else port.postMessage(m);
}

function guarded(work: () => void): void {
  try {
    work();
  } catch (e) {
    send({ type: 'error', message: (e as Error).message, protocol: e instanceof GroupProtocolError });
  }
}

if (data.role === 'party') {
  const key = new SecretKey(randomSecretKey(randomBytes));
  const keys = data.keys;
  let labelSetSize: number | undefined;
  guarded(() => send({ type: 'blinded', message: key.hashAndBlind(keys) }));
  port.on('message', (m: ToPsiWorker) =>
    guarded(() => {
      if (m.type === 'labelSet') {
        const message = key.blindAll(m.message);
        labelSetSize = m.message.length / ELEMENT_BYTES;
        send({ type: 'reblinded', message });
      } else if (m.type === 'count') {
        if (labelSetSize === undefined) throw new Error('PSI: a count before the label set');
        send({ type: 'view', view: { labelSetSize, intersectionSize: m.count } });
      } else throw new Error(`internal: a party thread got '${m.type}'`);
    }),
  );
} else {
  const key = new SecretKey(data.secret);
  port.on('message', (m: ToPsiWorker) =>
    guarded(() => {
      if (m.type === 'hashAndBlind') send({ type: 'elements', message: key.hashAndBlind(m.keys) });
      else if (m.type === 'blind') send({ type: 'elements', message: key.blindAll(m.message) });
      else throw new Error(`internal: a label-holder thread got '${m.type}'`);
    }),
  );
}
