/**
 * A site's side of secure aggregation by masking in a distributed run: Bonawitz et al.,
 * "Practical Secure Aggregation for Privacy-Preserving Machine Learning" (CCS 2017), §4, run by
 * the site process itself (secagg/masking-site.ts). After local training the site keeps its
 * update here and sends the aggregator only its example count and training scalars; the update
 * leaves the site only as a masked vector (uniform on Z_M^(d+1) to anyone without the masks).
 * Shares for other sites travel sealed (X25519 + HKDF + AEAD keyed site to site) through the
 * aggregator, which cannot open them.
 *
 * The vector masked is exactly what the in-process wrapper sums (bench/wrapped-aggregation.ts
 * `flatten`: [y − x, extra vectors in key order]), rounded with the site's own stream
 * `secaggSiteRng(seed, arm, round, site)`, so the decoded sum is bit-identical to the in-process run.
 */
import type { ClientUpdate } from '../federated/strategy.js';
import { flatten, secaggSiteRng } from '../bench/wrapped-aggregation.js';
import { MaskingSite } from '../secagg/masking-site.js';
import { ProtocolError } from './codec.js';

/** The "secagg" task's header (aggregator → site). */
export interface SecAggTask {
  op: 'setup' | 'share-keys' | 'masked-input' | 'unmask';
  seed: number;
  arm: string;
  round: number;
  /** This site's index in the round's protocol (its position among the sorted participants). */
  index: number;
  /** The server's protocol message for this stage (secagg/wire.ts bytes). */
  message: Uint8Array;
}

/** The site's answer: its protocol message; `clipped` with the masked input. */
export interface SecAggReply {
  message: Uint8Array;
  clipped?: number;
}

interface Held {
  round: number;
  update: ClientUpdate;
  globalParams: Float64Array;
  protocol: MaskingSite | null;
}

export class SiteMasking {
  /** By (seed, arm): one round at a time per arm, the newest replaces the last. */
  private readonly held = new Map<string, Held>();

  constructor(readonly siteId: string) {}

  /** Keeps a round's update for the protocol; returns what the aggregator may learn: scalars and vector lengths. */
  hold(seed: number, arm: string, round: number, update: ClientUpdate, globalParams: Float64Array): Record<string, unknown> {
    this.held.set(`${seed}\u0000${arm}`, { round, update, globalParams, protocol: null });
    const vectorLengths = Object.fromEntries(Object.entries(update.vectors).map(([k, v]) => [k, v.length]));
    return { exampleCount: update.exampleCount, trainLoss: update.trainLoss, steps: update.steps, examplesSeen: update.examplesSeen, held: true, vectorLengths };
  }

  async handle(t: SecAggTask): Promise<SecAggReply> {
    if (!(t.message instanceof Uint8Array)) throw new ProtocolError('secagg task without a protocol message');
    const key = `${t.seed}\u0000${t.arm}`;
    const h = this.held.get(key);
    if (!h || h.round !== t.round) throw new ProtocolError(`site ${this.siteId} holds no update of ${t.arm} seed ${t.seed} round ${t.round} (restarted since training?)`);
    if (t.op === 'setup') {
      if (!Number.isInteger(t.index) || t.index < 0) throw new ProtocolError(`secagg setup: bad site index ${t.index}`);
      h.protocol = new MaskingSite(t.index);
      return { message: h.protocol.setup(t.message) };
    }
    const p = h.protocol;
    if (!p || p.id !== t.index) throw new ProtocolError(`secagg ${t.op} before setup for ${t.arm} round ${t.round}`);
    if (t.op === 'share-keys') return { message: await p.shareKeys(t.message) };
    if (t.op === 'masked-input') {
      const keys = Object.keys(h.update.vectors).sort();
      const v = flatten(h.update, h.globalParams, keys);
      const masked = p.maskedInput(t.message, v, h.update.exampleCount, secaggSiteRng(t.seed, t.arm, t.round, this.siteId));
      // The plaintext update is no longer needed: only the protocol's secrets stay for unmasking.
      h.update = { ...h.update, params: new Float64Array(0), vectors: {} };
      return { message: masked.bytes, clipped: p.clippedCount };
    }
    if (t.op === 'unmask') {
      const out = p.unmask(t.message);
      this.held.delete(key);
      return { message: out };
    }
    throw new ProtocolError(`unknown secagg op "${String(t.op)}"`);
  }
}
