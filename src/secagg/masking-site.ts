/**
 * The site (client) side of the masking protocol: Bonawitz et al., "Practical Secure Aggregation
 * for Privacy-Preserving Machine Learning" (CCS 2017), Figure 4 / §4 in the semi-honest setting,
 * with SecAgg+'s neighbour graph (Bell et al., CCS 2020) and Flower's SecAgg+ message flow
 * (client mod secaggplus_mod.py): setup → share keys → masked input → unmask.
 *
 * Each stage method takes the server's message bytes and returns the reply bytes; calling a stage
 * out of order is a SecAggProtocolError. The site:
 *  - makes two fresh X25519 key pairs per round: (sk1, pk1) for pairwise masks, (sk2, pk2) to
 *    encrypt key shares to neighbours, and a random 32-byte self-mask seed b;
 *  - Shamir-shares b and sk1 among itself and its neighbours (t of numShares), commits to b;
 *  - sends y = x + PRG(b) + Σ_{v<u} PRG(s_uv) − Σ_{v>u} PRG(s_uv) (mod M), for the neighbours v
 *    whose shares reached it (Flower's sign convention: add when u > v);
 *  - at unmask, reveals b-shares of surviving neighbours and sk1-shares of dropped ones, never
 *    both for one neighbour (that would unmask its input: Bonawitz et al. §4, round 4 check).
 */
import { randomBytes } from 'node:crypto';
import { brandMasked, type MaskedInput } from './aggregator.js';
import { SecAggProtocolError, SecureAggregationAborted } from './errors.js';
import { encodeUpdate, modulusBits, modulusMask, type FixedPointConfig, type UniformSource } from './fixed-point.js';
import { MASK_PRGS, agree, applyMask, deriveKey, generateX25519, open, seal, sha256, type MaskPrg, type RawKeyPair } from './keys.js';
import { splitSecret } from './shamir.js';
import { Reader, Writer, packWords } from './wire.js';

export const MSG = { setup: 1, keys: 2, neighbourKeys: 3, shares: 4, forward: 5, masked: 6, unmaskRequest: 7, unmaskResponse: 8 } as const;
export const SHARE_KIND = { selfMaskSeed: 0, maskKey: 1 } as const;
export const SHARE_BYTES = 33; // a 32-byte secret's Shamir share: 32 bytes + the x-coordinate

export interface RoundParameters extends FixedPointConfig {
  round: number;
  sites: number;
  numShares: number;
  threshold: number;
  /** Length d of the update vector (the weight word is added in front). */
  dimension: number;
  /** Stream cipher expanding mask seeds (keys.ts). */
  prg: MaskPrg;
}

export function encodeSetup(p: RoundParameters): Uint8Array {
  return new Writer()
    .u8(MSG.setup)
    .u32(p.round)
    .u32(p.sites)
    .u32(p.numShares)
    .u32(p.threshold)
    .f64(p.clippingRange)
    .u32(p.quantizationRange)
    .u8(modulusBits(p))
    .f64(p.maxWeight)
    .u32(p.dimension)
    .u8(MASK_PRGS.indexOf(p.prg))
    .finish();
}

function expectType(r: Reader, type: number, stage: string): void {
  const t = r.u8();
  if (t !== type) throw new SecAggProtocolError(`secagg ${stage}: expected message type ${type}, found ${t}`);
}

export function decodeSetup(bytes: Uint8Array): RoundParameters {
  const r = new Reader(bytes);
  expectType(r, MSG.setup, 'setup');
  const p = {
    round: r.u32(),
    sites: r.u32(),
    numShares: r.u32(),
    threshold: r.u32(),
    clippingRange: r.f64(),
    quantizationRange: r.u32(),
    modulusRange: 2 ** r.u8(),
    maxWeight: r.f64(),
    dimension: r.u32(),
    prg: MASK_PRGS[r.u8()],
  };
  r.end();
  if (!p.prg) throw new SecAggProtocolError('secagg setup: unknown mask PRG');
  return p;
}

/** HKDF salt of a round: binds every derived key to it. */
export function roundSalt(round: number): Uint8Array {
  return sha256('fedage/secagg/v1/round', String(round));
}

export function pairwiseInfo(u: number, v: number): string {
  return `fedage/secagg/pairwise-mask/${Math.min(u, v)}/${Math.max(u, v)}`;
}
export const SELF_MASK_INFO = 'fedage/secagg/self-mask';
export const SHARE_KEY_INFO = 'fedage/secagg/share-encryption';

export function seedCommitment(round: number, site: number, seed: Uint8Array): Uint8Array {
  return sha256('fedage/secagg/self-mask-seed-commitment', String(round), String(site), seed);
}

export function shareAad(round: number, src: number, dst: number): Uint8Array {
  return sha256('fedage/secagg/share-aad', String(round), String(src), String(dst));
}

type Stage = 'new' | 'setup' | 'keys-shared' | 'input-sent' | 'done';

export class MaskingSite {
  private stage: Stage = 'new';
  private params!: RoundParameters;
  private salt!: Uint8Array;
  private k1!: RawKeyPair;
  private k2!: RawKeyPair;
  private seed!: Uint8Array;
  private neighbourKeys = new Map<number, { pk1: Uint8Array; pk2: Uint8Array }>();
  /** Shares this site holds, by owner: [b-share, sk1-share]. */
  private held = new Map<number, [Uint8Array, Uint8Array]>();
  /** Neighbours whose shares arrived: exactly those this site masks with. */
  private maskedWith: number[] = [];
  /** Coordinates clipped in this site's update (reported, never secret-dependent beyond a count). */
  clippedCount = 0;

  constructor(readonly id: number) {}

  private enter(from: Stage, to: Stage, stage: string): void {
    if (this.stage !== from) throw new SecAggProtocolError(`secagg site ${this.id}: ${stage} called in stage '${this.stage}', expected '${from}'`);
    this.stage = to;
  }

  /** Stage 0: read the settings, make keys, return (pk1, pk2). */
  setup(setupMessage: Uint8Array): Uint8Array {
    this.enter('new', 'setup', 'setup');
    this.params = decodeSetup(setupMessage);
    this.salt = roundSalt(this.params.round);
    this.k1 = generateX25519();
    this.k2 = generateX25519();
    this.seed = new Uint8Array(randomBytes(32));
    return new Writer().u8(MSG.keys).u32(this.id).raw(this.k1.publicKey).raw(this.k2.publicKey).finish();
  }

  /** Stage 1: receive neighbours' public keys; return encrypted shares of (b, sk1) and a commitment to b. */
  async shareKeys(neighbourKeysMessage: Uint8Array): Promise<Uint8Array> {
    this.enter('setup', 'keys-shared', 'shareKeys');
    const r = new Reader(neighbourKeysMessage);
    expectType(r, MSG.neighbourKeys, 'share keys');
    const n = r.u32();
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const id = r.u32();
      const pk1 = r.raw(32);
      const pk2 = r.raw(32);
      if (id === this.id) throw new SecAggProtocolError(`secagg site ${this.id}: the server listed this site among its own neighbours`);
      for (const k of [pk1, pk2]) {
        const hex = Buffer.from(k).toString('hex');
        if (seen.has(hex)) throw new SecAggProtocolError(`secagg site ${this.id}: two neighbours share a public key`);
        seen.add(hex);
      }
      this.neighbourKeys.set(id, { pk1, pk2 });
    }
    r.end();
    const { numShares, threshold, round } = this.params;
    if (this.neighbourKeys.size + 1 < threshold) {
      throw new SecureAggregationAborted('below-threshold', `secure aggregation aborted: site ${this.id} has ${this.neighbourKeys.size} live neighbour(s), the reconstruction threshold ${threshold} needs at least ${threshold - 1}`);
    }
    const bShares = await splitSecret(this.seed, numShares, threshold);
    const skShares = await splitSecret(this.k1.privateKey, numShares, threshold);
    this.held.set(this.id, [bShares[0], skShares[0]]);
    const w = new Writer().u8(MSG.shares).u32(this.id).raw(seedCommitment(round, this.id, this.seed)).u32(this.neighbourKeys.size);
    let j = 1;
    for (const [v, { pk2 }] of this.neighbourKeys) {
      const key = deriveKey(agree(this.k2.privateKey, pk2), this.salt, SHARE_KEY_INFO);
      const plain = new Writer().u32(this.id).u32(v).raw(bShares[j]).raw(skShares[j]).finish();
      w.u32(v).bytes(seal(key, plain, shareAad(round, this.id, v)));
      j++;
    }
    return w.finish();
  }

  /**
   * Stage 2: receive the shares neighbours sent this site; return the masked update. `update`
   * has `dimension` values; `weight` is the site's example count (≤ maxWeight).
   */
  maskedInput(forwardMessage: Uint8Array, update: ArrayLike<number>, weight: number, rng: UniformSource): MaskedInput {
    this.enter('keys-shared', 'input-sent', 'maskedInput');
    const { round, threshold, dimension } = this.params;
    const r = new Reader(forwardMessage);
    expectType(r, MSG.forward, 'masked input');
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const src = r.u32();
      const sealed = r.bytes();
      const nk = this.neighbourKeys.get(src);
      if (!nk) throw new SecAggProtocolError(`secagg site ${this.id}: received shares from ${src}, which is not a neighbour`);
      const key = deriveKey(agree(this.k2.privateKey, nk.pk2), this.salt, SHARE_KEY_INFO);
      const plain = open(key, sealed, shareAad(round, src, this.id));
      if (!plain) throw new SecureAggregationAborted('tampered-share', `secure aggregation aborted: site ${this.id} could not authenticate the shares forwarded from site ${src}`);
      const pr = new Reader(plain);
      const from = pr.u32();
      const to = pr.u32();
      if (from !== src || to !== this.id) throw new SecureAggregationAborted('tampered-share', `secure aggregation aborted: site ${this.id} received shares addressed ${from}→${to} via ${src}`);
      this.held.set(src, [pr.raw(SHARE_BYTES), pr.raw(SHARE_BYTES)]);
      pr.end();
      this.maskedWith.push(src);
    }
    r.end();
    if (this.maskedWith.length + 1 < threshold) {
      throw new SecureAggregationAborted('below-threshold', `secure aggregation aborted: site ${this.id} holds shares from ${this.maskedWith.length} neighbour(s), the reconstruction threshold ${threshold} needs at least ${threshold - 1}`);
    }
    if (update.length !== dimension) throw new SecAggProtocolError(`secagg site ${this.id}: update has ${update.length} values, the round expects ${dimension}`);
    const enc = encodeUpdate(update, weight, this.params, rng);
    this.clippedCount = enc.clippedCount;
    const mask = modulusMask(this.params);
    const words = enc.words;
    const prg = this.params.prg;
    applyMask(words, deriveKey(this.seed, this.salt, SELF_MASK_INFO), 1, mask, prg);
    for (const v of this.maskedWith) {
      const s = agree(this.k1.privateKey, this.neighbourKeys.get(v)!.pk1);
      applyMask(words, deriveKey(s, this.salt, pairwiseInfo(this.id, v)), this.id > v ? 1 : -1, mask, prg);
    }
    const bytes = new Writer().u8(MSG.masked).u32(this.id).raw(packWords(words, modulusBits(this.params))).finish();
    return brandMasked(this.id, bytes);
  }

  /** Stage 3: reveal b-shares of surviving neighbours and sk1-shares of dropped ones. */
  unmask(requestMessage: Uint8Array): Uint8Array {
    this.enter('input-sent', 'done', 'unmask');
    const r = new Reader(requestMessage);
    expectType(r, MSG.unmaskRequest, 'unmask');
    const active = r.u32s();
    const dead = r.u32s();
    r.end();
    const activeSet = new Set(active);
    for (const d of dead) {
      if (activeSet.has(d)) throw new SecureAggregationAborted('tampered-share', `secure aggregation aborted: the server asked site ${this.id} for both shares of site ${d}, which would unmask its input`);
      if (!this.held.has(d) || d === this.id) throw new SecAggProtocolError(`secagg site ${this.id}: asked for the mask key share of ${d}, whose shares it does not hold`);
    }
    for (const a of active) if (!this.held.has(a)) throw new SecAggProtocolError(`secagg site ${this.id}: asked for the seed share of ${a}, whose shares it does not hold`);
    if (active.length < this.params.threshold) {
      throw new SecureAggregationAborted('below-threshold', `secure aggregation aborted: site ${this.id} sees ${active.length} surviving neighbour(s) including itself, below the reconstruction threshold ${this.params.threshold}`);
    }
    const w = new Writer().u8(MSG.unmaskResponse).u32(this.id).u32(active.length + dead.length);
    for (const a of active) w.u32(a).u8(SHARE_KIND.selfMaskSeed).raw(this.held.get(a)![0]);
    for (const d of dead) w.u32(d).u8(SHARE_KIND.maskKey).raw(this.held.get(d)![1]);
    return w.finish();
  }
}
