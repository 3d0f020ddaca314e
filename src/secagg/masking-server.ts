/**
 * The server (aggregator) side of the masking protocol: Bonawitz et al. (CCS 2017) §4 with
 * SecAgg+'s neighbour graph (Bell et al., CCS 2020), following Flower's SecAggPlusWorkflow stages.
 *
 * The server routes keys and encrypted shares, adds the MaskedInputs it receives (it accepts no
 * other kind of update), and at the end removes the masks with secrets reconstructed from the
 * survivors' shares: the self-mask seed b of every site whose input is in the sum, and the mask
 * private key sk1 of every site that shared keys but dropped before sending its input (to cancel
 * the pairwise masks its neighbours added against it). Every reconstructed secret is checked
 * against its commitment (hash of b, or pk1 for sk1). The round aborts, with a typed error and
 * no sum, when any secret has fewer than `threshold` shares among the survivors (checked after
 * each stage, as Flower's `_check_threshold`), or a reconstruction fails its check.
 *
 * Unlike Flower, a site that dropped before sharing keys is simply left out (nobody masked with
 * it), rather than failing the unmask stage for lack of its shares.
 */
import type { MaskedInput } from './aggregator.js';
import { SecAggProtocolError, SecureAggregationAborted } from './errors.js';
import { modulusBits, modulusMask } from './fixed-point.js';
import type { NeighbourGraph } from './graph.js';
import { agree, applyMask, deriveKey, equalBytes, x25519PublicOf } from './keys.js';
import { MSG, SELF_MASK_INFO, SHARE_BYTES, SHARE_KIND, encodeSetup, pairwiseInfo, roundSalt, seedCommitment, type RoundParameters } from './masking-site.js';
import { reconstructVerified } from './shamir.js';
import { Reader, Writer, unpackWords } from './wire.js';

type Stage = 'setup' | 'keys' | 'shares' | 'masked' | 'unmask' | 'done';

export interface UnmaskedSum {
  /** Σ over `contributors` of their fixed-point words (weight word first), mod modulusRange. */
  words: Uint32Array;
  /** Sites whose inputs are in the sum. */
  contributors: number[];
  /** Sites that shared keys, then dropped before sending input: their masks were removed from shares. */
  droppedAfterKeySharing: number[];
  /** Sites that never completed key sharing: left out of the round. */
  droppedBeforeKeySharing: number[];
  /** Sites that sent input but no unmask shares (their input is in the sum). */
  droppedAfterInput: number[];
}

export class MaskingServer {
  private stage: Stage = 'setup';
  private readonly pk1 = new Map<number, Uint8Array>();
  private readonly pk2 = new Map<number, Uint8Array>();
  private keyHolders = new Set<number>();
  private readonly commitments = new Map<number, Uint8Array>();
  private contributors = new Set<number>();
  private sum: Uint32Array | null = null;
  private readonly mask: number;
  private readonly bits: number;
  private readonly salt: Uint8Array;

  constructor(
    readonly params: RoundParameters,
    readonly graph: NeighbourGraph,
  ) {
    if (graph.sites !== params.sites || graph.numShares !== params.numShares || graph.threshold !== params.threshold) {
      throw new SecAggProtocolError('secagg server: graph and round parameters disagree');
    }
    this.mask = modulusMask(params);
    this.bits = modulusBits(params);
    this.salt = roundSalt(params.round);
  }

  private enter(from: Stage, to: Stage, what: string): void {
    if (this.stage !== from) throw new SecAggProtocolError(`secagg server: ${what} in stage '${this.stage}', expected '${from}'`);
    this.stage = to;
  }

  /** The secrets of `owners` must each have ≥ threshold holders among `alive` (itself included). */
  private checkThreshold(owners: Iterable<number>, alive: Set<number>, when: string): void {
    for (const u of owners) {
      let holders = alive.has(u) ? 1 : 0;
      for (const v of this.graph.neighbours[u]) if (alive.has(v)) holders++;
      if (holders < this.params.threshold) {
        throw new SecureAggregationAborted(
          'below-threshold',
          `secure aggregation aborted ${when}: site ${u}'s secrets have ${holders} surviving holder(s), the reconstruction threshold is ${this.params.threshold}; no sum is released`,
        );
      }
    }
  }

  /** Stage 0 message, the same for every site. */
  setupMessage(): Uint8Array {
    return encodeSetup(this.params);
  }

  /** Receives (pk1, pk2) from the sites that answered; returns each one's neighbour-keys message. */
  receiveKeys(messages: readonly Uint8Array[]): Map<number, Uint8Array> {
    this.enter('setup', 'keys', 'receiveKeys');
    for (const m of messages) {
      const r = new Reader(m);
      if (r.u8() !== MSG.keys) throw new SecAggProtocolError('secagg server: expected a keys message');
      const id = r.u32();
      this.pk1.set(id, r.raw(32));
      this.pk2.set(id, r.raw(32));
      r.end();
    }
    const alive = new Set(this.pk1.keys());
    this.checkThreshold(alive, alive, 'after setup');
    const out = new Map<number, Uint8Array>();
    for (const u of alive) {
      const nb = this.graph.neighbours[u].filter((v) => alive.has(v));
      const w = new Writer().u8(MSG.neighbourKeys).u32(nb.length);
      for (const v of nb) w.u32(v).raw(this.pk1.get(v)!).raw(this.pk2.get(v)!);
      out.set(u, w.finish());
    }
    return out;
  }

  /** Receives commitments and encrypted shares; returns each key holder's forwarded shares. */
  receiveShares(messages: readonly Uint8Array[]): Map<number, Uint8Array> {
    this.enter('keys', 'shares', 'receiveShares');
    const inbox = new Map<number, { src: number; sealed: Uint8Array }[]>();
    for (const m of messages) {
      const r = new Reader(m);
      if (r.u8() !== MSG.shares) throw new SecAggProtocolError('secagg server: expected a shares message');
      const src = r.u32();
      if (!this.pk1.has(src)) throw new SecAggProtocolError(`secagg server: shares from ${src}, which sent no keys`);
      this.commitments.set(src, r.raw(32));
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const dst = r.u32();
        const sealed = r.bytes();
        const list = inbox.get(dst) ?? [];
        list.push({ src, sealed });
        inbox.set(dst, list);
      }
      r.end();
      this.keyHolders.add(src);
    }
    this.checkThreshold(this.keyHolders, this.keyHolders, 'after key sharing');
    const out = new Map<number, Uint8Array>();
    for (const u of this.keyHolders) {
      const list = (inbox.get(u) ?? []).filter((x) => this.keyHolders.has(x.src));
      const w = new Writer().u8(MSG.forward).u32(list.length);
      for (const { src, sealed } of list) w.u32(src).bytes(sealed);
      out.set(u, w.finish());
    }
    return out;
  }

  /** Adds the masked inputs (nothing else is accepted); returns each contributor's unmask request. */
  receiveMaskedInputs(inputs: readonly MaskedInput[]): Map<number, Uint8Array> {
    this.enter('shares', 'masked', 'receiveMaskedInputs');
    const d1 = this.params.dimension + 1;
    const sum = new Uint32Array(d1);
    for (const input of inputs) {
      const r = new Reader(input.bytes);
      if (r.u8() !== MSG.masked) throw new SecAggProtocolError('secagg server: expected a masked-input message');
      const from = r.u32();
      if (from !== input.from || !this.keyHolders.has(from) || this.contributors.has(from)) {
        throw new SecAggProtocolError(`secagg server: unexpected masked input from ${from}`);
      }
      const words = unpackWords(r.rest(), d1, this.bits);
      for (let i = 0; i < d1; i++) sum[i] = ((sum[i] + words[i]) & this.mask) >>> 0;
      this.contributors.add(from);
    }
    this.sum = sum;
    // The unmask stage needs, for every key holder, t shares among the contributors.
    this.checkThreshold(this.keyHolders, this.contributors, 'after masked input');
    const dead = new Set([...this.keyHolders].filter((u) => !this.contributors.has(u)));
    const out = new Map<number, Uint8Array>();
    for (const u of this.contributors) {
      const nb = this.graph.neighbours[u].filter((v) => this.keyHolders.has(v));
      const active = [u, ...nb.filter((v) => this.contributors.has(v))];
      const gone = nb.filter((v) => dead.has(v));
      out.set(u, new Writer().u8(MSG.unmaskRequest).u32s(active).u32s(gone).finish());
    }
    return out;
  }

  /** Reconstructs and removes every mask; returns the sum of the contributors' encodings. */
  async unmask(responses: readonly Uint8Array[]): Promise<UnmaskedSum> {
    this.enter('masked', 'unmask', 'unmask');
    const seedShares = new Map<number, Uint8Array[]>();
    const keyShares = new Map<number, Uint8Array[]>();
    const responders = new Set<number>();
    for (const m of responses) {
      const r = new Reader(m);
      if (r.u8() !== MSG.unmaskResponse) throw new SecAggProtocolError('secagg server: expected an unmask response');
      const from = r.u32();
      if (!this.contributors.has(from) || responders.has(from)) throw new SecAggProtocolError(`secagg server: unexpected unmask response from ${from}`);
      responders.add(from);
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const owner = r.u32();
        const kind = r.u8();
        const share = r.raw(SHARE_BYTES);
        const bucket = kind === SHARE_KIND.selfMaskSeed ? seedShares : keyShares;
        const list = bucket.get(owner) ?? [];
        list.push(share);
        bucket.set(owner, list);
      }
      r.end();
    }
    const sum = this.sum!;
    const t = this.params.threshold;
    const dead = [...this.keyHolders].filter((u) => !this.contributors.has(u)).sort((a, b) => a - b);
    const contributors = [...this.contributors].sort((a, b) => a - b);
    // All reconstructions first: nothing is released unless every secret is verified.
    const seeds = new Map<number, Uint8Array>();
    for (const u of contributors) {
      const commitment = this.commitments.get(u)!;
      seeds.set(u, await reconstructVerified(seedShares.get(u) ?? [], t, (b) => equalBytes(seedCommitment(this.params.round, u, b), commitment), `self-mask seed of site ${u}`));
    }
    const keys = new Map<number, Uint8Array>();
    for (const u of dead) {
      const pk1 = this.pk1.get(u)!;
      keys.set(u, await reconstructVerified(keyShares.get(u) ?? [], t, (sk) => equalBytes(x25519PublicOf(sk), pk1), `mask private key of dropped site ${u}`));
    }
    const prg = this.params.prg;
    for (const u of contributors) applyMask(sum, deriveKey(seeds.get(u)!, this.salt, SELF_MASK_INFO), -1, this.mask, prg);
    for (const d of dead) {
      for (const v of this.graph.neighbours[d]) {
        if (!this.contributors.has(v)) continue;
        // v added +PRG(s) if v > d, −PRG(s) otherwise: take it back.
        const s = agree(keys.get(d)!, this.pk1.get(v)!);
        applyMask(sum, deriveKey(s, this.salt, pairwiseInfo(v, d)), v > d ? -1 : 1, this.mask, prg);
      }
    }
    this.stage = 'done';
    this.sum = null;
    const all = [...Array(this.params.sites).keys()];
    return {
      words: sum,
      contributors,
      droppedAfterKeySharing: dead,
      droppedBeforeKeySharing: all.filter((u) => !this.keyHolders.has(u)),
      droppedAfterInput: contributors.filter((u) => !responders.has(u)),
    };
  }
}
