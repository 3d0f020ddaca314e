/**
 * Entity alignment by private set intersection: Diffie–Hellman (ECDH) PSI, after Meadows (1986,
 * "A more efficient cryptographic matchmaking protocol", IEEE S&P) and Huberman, Franklin & Hogg
 * (1999, "Enhancing privacy and trust in electronic communities", ACM EC), over the prime-order
 * group ristretto255 (RFC 9496) with hash-to-group by RFC 9380 (hash_to_ristretto255,
 * expand_message_xmd with SHA-512), from @noble/curves (audited, constant-time `multiply`).
 *
 * Between the label holder L (join keys X, secret scalar a) and one other party P (Y, secret b):
 *   1. L → P  A  = [H(x)^a : x ∈ X], in an order L shuffled (computed once, sent to every P)
 *   2. P → L  B  = [H(y)^b : y ∈ Y], in P's row order
 *   3. P → L  A' = [(H(x)^a)^b], in the order of A
 *   4. L computes B' = [(H(y)^b)^a] = [H(y)^(ab)] and matches it against A': a match is a key in
 *      X ∩ Y, with its row at L and its row at P.
 *   5. L → P  |X ∩ Y| (a count, 8 bytes)
 *
 * What each party learns (semi-honest parties, H a random oracle, DDH hard in ristretto255):
 *   - L learns X ∩ Y (as its own rows and P's row numbers for them) and |Y|; for y ∉ X it sees
 *     H(y)^b and H(y)^(ab), pseudorandom elements that reveal nothing about y.
 *   - P learns |X| (the length of A) and |X ∩ Y| (step 5), nothing about which of its keys
 *     matched: A is pseudorandom to P, and P never sees L's exponent of its own keys.
 *   - Not covered: a malicious party can put any identifier it likes into its set and so test
 *     whether a chosen person is held by the other (inherent to any PSI with output); both learn
 *     the set sizes. Training on the aligned rows afterwards tells each P which of its records
 *     are used (align.ts): that is a disclosure of the training, not of this protocol.
 *
 * Each party's secret scalar is drawn from a CSPRNG (node:crypto randomBytes, or a seeded
 * generator in tests): 64 random bytes reduced modulo the group order ℓ (bias ≤ 2^-259), never 0.
 * Group elements travel as their 32-byte canonical encodings; equal elements have equal bytes.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';

/** Domain separation tag (RFC 9380 §3.1): this protocol's use of hash_to_ristretto255. */
export const PSI_DST = 'fedage-psi-v1:ristretto255_XMD:SHA-512_R255MAP_RO_';
/** Bytes of an encoded ristretto255 element. */
export const ELEMENT_BYTES = 32;
/** Bytes of the final count message (a 64-bit integer). */
export const COUNT_BYTES = 8;

const Point = ristretto255.Point;
/** The operations PSI needs of a ristretto255 element (noble's class is not exported by name). */
export interface GroupElement {
  multiply(scalar: bigint): GroupElement;
  toBytes(): Uint8Array;
}
type RistrettoPoint = GroupElement;
const ORDER = Point.Fn.ORDER;
const encoder = new TextEncoder();

/** A source of cryptographically secure random bytes (node:crypto's by default). */
export type RandomBytes = (n: number) => Uint8Array;

/** A secret scalar in [1, ℓ): 64 uniform bytes reduced modulo ℓ. */
export function randomScalar(random: RandomBytes): bigint {
  for (;;) {
    const bytes = random(64);
    let x = 0n;
    for (let i = 0; i < bytes.length; i++) x = (x << 8n) | BigInt(bytes[i]);
    const s = x % ORDER;
    if (s !== 0n) return s;
  }
}

/** H(id): RFC 9380 hash_to_ristretto255 of the id's UTF-8 bytes under PSI_DST. */
export function hashToGroup(id: string): RistrettoPoint {
  return ristretto255_hasher.hashToCurve(encoder.encode(id), { DST: PSI_DST }) as unknown as RistrettoPoint;
}

function encodeAll(points: readonly RistrettoPoint[]): Uint8Array {
  const out = new Uint8Array(points.length * ELEMENT_BYTES);
  points.forEach((p, i) => out.set(p.toBytes(), i * ELEMENT_BYTES));
  return out;
}

/** Decodes a message of concatenated elements; a bad length or encoding is a protocol error. */
export function decodeElements(message: Uint8Array): RistrettoPoint[] {
  if (message.length % ELEMENT_BYTES !== 0) throw new Error(`PSI: a message of ${message.length} bytes is not a list of ${ELEMENT_BYTES}-byte elements`);
  const out = new Array<RistrettoPoint>(message.length / ELEMENT_BYTES);
  for (let i = 0; i < out.length; i++) out[i] = Point.fromBytes(message.subarray(i * ELEMENT_BYTES, (i + 1) * ELEMENT_BYTES)) as unknown as RistrettoPoint;
  return out;
}

const hexOf = (bytes: Uint8Array, i: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + i * ELEMENT_BYTES, ELEMENT_BYTES).toString('hex');

/** The label holder's side. Its scalar and keys never leave the object. */
export class PsiLabelHolder {
  readonly #scalar: bigint;
  /** Position in A → L's row. */
  readonly #rowOfPosition: Int32Array;
  readonly #blinded: Uint8Array;

  constructor(
    private readonly keys: readonly string[],
    random: RandomBytes = cryptoRandomBytes,
  ) {
    this.#scalar = randomScalar(random);
    // A random order for A, so P cannot relate positions in A to anything about L's table.
    const order = Int32Array.from(keys, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const r = random(4);
      const j = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
      const k = j % (i + 1);
      const t = order[i];
      order[i] = order[k];
      order[k] = t;
    }
    this.#rowOfPosition = order;
    this.#blinded = encodeAll(Array.from(order, (row) => hashToGroup(keys[row]).multiply(this.#scalar)));
  }

  /** Step 1: A, the same message for every party. */
  blindedSet(): Uint8Array {
    return this.#blinded;
  }

  get size(): number {
    return this.keys.length;
  }

  /**
   * Step 4: from P's B (its keys blinded, in its row order) and A' (A re-blinded by P), the
   * intersection as matched rows, sorted by L's row. Returns the count for step 5 as well.
   */
  intersect(partyBlinded: Uint8Array, reblinded: Uint8Array): { labelRows: Int32Array; partyRows: Int32Array; count: number } {
    if (reblinded.length !== this.#blinded.length) throw new Error(`PSI: A' has ${reblinded.length / ELEMENT_BYTES} elements, A had ${this.keys.length}`);
    const rowOfDoubly = new Map<string, number>();
    for (let i = 0; i < this.keys.length; i++) rowOfDoubly.set(hexOf(reblinded, i), this.#rowOfPosition[i]);
    const pairs: [number, number][] = [];
    decodeElements(partyBlinded).forEach((p, j) => {
      const row = rowOfDoubly.get(Buffer.from(p.multiply(this.#scalar).toBytes()).toString('hex'));
      if (row !== undefined) pairs.push([row, j]);
    });
    pairs.sort((u, v) => u[0] - v[0]);
    return { labelRows: Int32Array.from(pairs, (p) => p[0]), partyRows: Int32Array.from(pairs, (p) => p[1]), count: pairs.length };
  }
}

/** What a non-label party knows at the end of the protocol: two sizes, nothing else. */
export interface PsiPartyView {
  labelSetSize: number;
  intersectionSize: number;
}

/** A non-label party's side. */
export class PsiParty {
  readonly #scalar: bigint;
  #view: Partial<PsiPartyView> = {};

  constructor(
    private readonly keys: readonly string[],
    random: RandomBytes = cryptoRandomBytes,
  ) {
    this.#scalar = randomScalar(random);
  }

  /** Step 2: B, its own keys blinded, in its row order. */
  blindedSet(): Uint8Array {
    return encodeAll(this.keys.map((k) => hashToGroup(k).multiply(this.#scalar)));
  }

  /** Step 3: A' from L's A. */
  reblind(labelBlinded: Uint8Array): Uint8Array {
    const points = decodeElements(labelBlinded);
    this.#view.labelSetSize = points.length;
    return encodeAll(points.map((p) => p.multiply(this.#scalar)));
  }

  /** Step 5: the count L sends back. */
  receiveCount(count: number): void {
    this.#view.intersectionSize = count;
  }

  /** Everything this party learned from the protocol. */
  view(): PsiPartyView {
    if (this.#view.labelSetSize === undefined || this.#view.intersectionSize === undefined) throw new Error('PSI: the protocol has not finished');
    return { labelSetSize: this.#view.labelSetSize, intersectionSize: this.#view.intersectionSize };
  }
}

export interface PsiPairReport {
  party: string;
  labelSetSize: number;
  partySetSize: number;
  intersectionSize: number;
  /** Bytes L sent to P (A and the count) and P sent to L (B and A'). */
  bytes: { labelToParty: number; partyToLabel: number };
  /** What P learned (PsiParty.view). */
  partyView: PsiPartyView;
}

export interface PsiResult {
  labelParty: string;
  /** L's rows held by every party, ascending: the aligned order. */
  labelRows: Int32Array;
  /** Per other party: its row for each aligned row. */
  partyRows: Record<string, Int32Array>;
  pairs: PsiPairReport[];
  bytesTotal: number;
}

export interface PsiInput {
  id: string;
  /** Join keys in the party's row order (distinct). */
  keys: readonly string[];
}

/**
 * Runs the protocol between the label holder and each other party (the parties are simulated in
 * one process; only the messages above pass between the objects) and intersects the results at
 * L: the rows every party holds, in L's row order.
 */
export function runPsi(label: PsiInput, others: readonly PsiInput[], random: RandomBytes = cryptoRandomBytes, onProgress?: (party: string) => void): PsiResult {
  const holder = new PsiLabelHolder(label.keys, random);
  const a = holder.blindedSet();
  const pairs: PsiPairReport[] = [];
  const matches: { id: string; labelRows: Int32Array; partyRows: Int32Array }[] = [];
  for (const other of others) {
    onProgress?.(other.id);
    const party = new PsiParty(other.keys, random);
    const b = party.blindedSet();
    const aPrime = party.reblind(a);
    const m = holder.intersect(b, aPrime);
    party.receiveCount(m.count);
    matches.push({ id: other.id, ...m });
    pairs.push({
      party: other.id,
      labelSetSize: label.keys.length,
      partySetSize: other.keys.length,
      intersectionSize: m.count,
      bytes: { labelToParty: a.length + COUNT_BYTES, partyToLabel: b.length + aPrime.length },
      partyView: party.view(),
    });
  }
  // Rows of L matched by every party.
  const hits = new Uint8Array(label.keys.length);
  const partyRowAt = matches.map((m) => {
    const at = new Int32Array(label.keys.length).fill(-1);
    m.labelRows.forEach((row, k) => {
      hits[row]++;
      at[row] = m.partyRows[k];
    });
    return at;
  });
  const labelRows: number[] = [];
  for (let row = 0; row < hits.length; row++) if (hits[row] === others.length) labelRows.push(row);
  const partyRows = Object.fromEntries(matches.map((m, k) => [m.id, Int32Array.from(labelRows, (row) => partyRowAt[k][row])]));
  const bytesTotal = pairs.reduce((s, p) => s + p.bytes.labelToParty + p.bytes.partyToLabel, 0);
  return { labelParty: label.id, labelRows: Int32Array.from(labelRows), partyRows, pairs, bytesTotal };
}
