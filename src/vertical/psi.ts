/**
 * Entity alignment by private set intersection: Diffie–Hellman (ECDH) PSI, after Meadows (1986,
 * "A more efficient cryptographic matchmaking protocol", IEEE S&P) and Huberman, Franklin & Hogg
 * (1999, "Enhancing privacy and trust in electronic communities", ACM EC), in the prime-order
 * subgroup of Curve25519 through X25519 (RFC 7748, native in node:crypto), with a try-and-increment
 * hash to the curve (Boneh, Lynn & Shacham 2001), as in Google's Private Join and Compute (Ion et
 * al. 2020, IEEE EuroS&P). The group, the hash and their caveats: x25519-group.ts.
 *
 * Between the label holder L (join keys X, secret key a) and one other party P (Y, secret b),
 * writing H(x)^a for X25519(a, H(x)):
 *   1. L → P  A  = [H(x)^a : x ∈ X], in an order L shuffled (computed once, sent to every P)
 *   2. P → L  B  = [H(y)^b : y ∈ Y], in P's row order
 *   3. P → L  A' = [(H(x)^a)^b], in the order of A
 *   4. L computes B' = [(H(y)^b)^a] = [H(y)^(ab)] and matches it against A': a match is a key in
 *      X ∩ Y, with its row at L and its row at P.
 *   5. L → P  |X ∩ Y| (a count, 8 bytes)
 *
 * What each party learns (semi-honest parties, SHA-512 a random oracle, DDH hard in the
 * prime-order subgroup of Curve25519 — the assumption X25519 key agreement rests on):
 *   - L learns X ∩ Y (as its own rows and P's row numbers for them) and |Y|; for y ∉ X it sees
 *     H(y)^b and H(y)^(ab), pseudorandom elements that reveal nothing about y.
 *   - P learns |X| (the length of A) and |X ∩ Y| (step 5), nothing about which of its keys
 *     matched: A is pseudorandom to P, and P never sees L's exponent of its own keys.
 *   - Not covered: a malicious party can put any identifier it likes into its set and so test
 *     whether a chosen person is held by the other (inherent to any PSI with output), or send
 *     elements that are not hashes at all; both learn the set sizes. The hash is not
 *     constant-time (x25519-group.ts): each party hashes only its own keys, locally. Training on
 *     the aligned rows afterwards tells each P which of its records are used (align.ts): that is
 *     a disclosure of the training, not of this protocol.
 *
 * Each party's secret key is 32 bytes from a CSPRNG (node:crypto randomBytes, or a seeded
 * generator in tests), clamped by X25519 (RFC 7748 §5). Elements travel as 32-byte
 * u-coordinates; equal elements have equal bytes, and a collision of distinct keys needs
 * H(x) = ±H(y) up to a point of order dividing 8: probability below 2^-249 per pair.
 *
 * runPsi simulates the parties in this thread (tests, small inputs); psi-parallel.ts runs each
 * party in its own worker threads with the same steps and messages.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { ELEMENT_BYTES, GroupProtocolError, SECRET_KEY_BYTES, SecretKey, isCanonical } from './x25519-group.js';

export { ELEMENT_BYTES, HASH_TO_GROUP_DST as PSI_DST, hashToGroup } from './x25519-group.js';
/** Bytes of the final count message (a 64-bit integer). */
export const COUNT_BYTES = 8;

/** A source of cryptographically secure random bytes (node:crypto's by default). */
export type RandomBytes = (n: number) => Uint8Array;

/** A party's secret key: 32 bytes from the random source. */
export function randomSecretKey(random: RandomBytes): Uint8Array {
  const secret = random(SECRET_KEY_BYTES);
  if (secret.length !== SECRET_KEY_BYTES) throw new Error(`internal: the random source gave ${secret.length} bytes, not ${SECRET_KEY_BYTES}`);
  return secret;
}

/** Checks a message of concatenated elements and returns them as views; a bad length or encoding is a protocol error. */
export function decodeElements(message: Uint8Array): Uint8Array[] {
  if (message.length % ELEMENT_BYTES !== 0) throw new GroupProtocolError(`PSI: a message of ${message.length} bytes is not a list of ${ELEMENT_BYTES}-byte elements`);
  const out = new Array<Uint8Array>(message.length / ELEMENT_BYTES);
  for (let i = 0; i < out.length; i++) {
    if (!isCanonical(message, i * ELEMENT_BYTES)) throw new GroupProtocolError(`PSI: element ${i} is not a canonical u-coordinate (u < 2^255 - 19)`);
    out[i] = message.subarray(i * ELEMENT_BYTES, (i + 1) * ELEMENT_BYTES);
  }
  return out;
}

/** A uniformly random order of 0..n-1 (Fisher–Yates) from the random source. */
export function shuffledOrder(n: number, random: RandomBytes): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const r = random(4);
    const j = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
    const k = j % (i + 1);
    const t = order[i];
    order[i] = order[k];
    order[k] = t;
  }
  return order;
}

/** The bytes of element i as a map key (latin1: one character per byte, cheaper than hex). */
const keyOf = (bytes: Uint8Array, i: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + i * ELEMENT_BYTES, ELEMENT_BYTES).toString('latin1');

/**
 * Step 4's matching at L: A' (in the order of A, whose position i is L's row rowOfPosition[i])
 * against B' (P's keys doubly blinded, in P's row order). Matched rows sorted by L's row.
 */
export function matchDoublyBlinded(reblinded: Uint8Array, rowOfPosition: Int32Array, doublyBlinded: Uint8Array): { labelRows: Int32Array; partyRows: Int32Array; count: number } {
  const rowOfDoubly = new Map<string, number>();
  for (let i = 0; i < rowOfPosition.length; i++) rowOfDoubly.set(keyOf(reblinded, i), rowOfPosition[i]);
  const pairs: [number, number][] = [];
  const n = doublyBlinded.length / ELEMENT_BYTES;
  for (let j = 0; j < n; j++) {
    const row = rowOfDoubly.get(keyOf(doublyBlinded, j));
    if (row !== undefined) pairs.push([row, j]);
  }
  pairs.sort((u, v) => u[0] - v[0]);
  return { labelRows: Int32Array.from(pairs, (p) => p[0]), partyRows: Int32Array.from(pairs, (p) => p[1]), count: pairs.length };
}

/** The label holder's side. Its secret key and keys never leave the object. */
export class PsiLabelHolder {
  readonly #key: SecretKey;
  /** Position in A → L's row. */
  readonly #rowOfPosition: Int32Array;
  readonly #blinded: Uint8Array;

  constructor(
    private readonly keys: readonly string[],
    random: RandomBytes = cryptoRandomBytes,
  ) {
    this.#key = new SecretKey(randomSecretKey(random));
    // A random order for A, so P cannot relate positions in A to anything about L's table.
    this.#rowOfPosition = shuffledOrder(keys.length, random);
    this.#blinded = this.#key.hashAndBlind(Array.from(this.#rowOfPosition, (row) => keys[row]));
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
    if (reblinded.length !== this.#blinded.length) throw new GroupProtocolError(`PSI: A' has ${reblinded.length / ELEMENT_BYTES} elements, A had ${this.keys.length}`);
    decodeElements(reblinded);
    return matchDoublyBlinded(reblinded, this.#rowOfPosition, this.#key.blindAll(partyBlinded));
  }
}

/** What a non-label party knows at the end of the protocol: two sizes, nothing else. */
export interface PsiPartyView {
  labelSetSize: number;
  intersectionSize: number;
}

/** A non-label party's side. */
export class PsiParty {
  readonly #key: SecretKey;
  #view: Partial<PsiPartyView> = {};

  constructor(
    private readonly keys: readonly string[],
    random: RandomBytes = cryptoRandomBytes,
  ) {
    this.#key = new SecretKey(randomSecretKey(random));
  }

  /** Step 2: B, its own keys blinded, in its row order. */
  blindedSet(): Uint8Array {
    return this.#key.hashAndBlind(this.keys);
  }

  /** Step 3: A' from L's A. */
  reblind(labelBlinded: Uint8Array): Uint8Array {
    const out = this.#key.blindAll(labelBlinded);
    this.#view.labelSetSize = labelBlinded.length / ELEMENT_BYTES;
    return out;
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

/** One pair's outcome at L, and what crossed the wire (for the report). */
export interface PsiPairOutcome {
  id: string;
  partySetSize: number;
  match: { labelRows: Int32Array; partyRows: Int32Array; count: number };
  bytes: { labelToParty: number; partyToLabel: number };
  partyView: PsiPartyView;
}

/** L's rows matched by every party, in L's row order, with each party's row for them. */
export function combinePairs(label: PsiInput, outcomes: readonly PsiPairOutcome[]): PsiResult {
  const hits = new Uint8Array(label.keys.length);
  const partyRowAt = outcomes.map((o) => {
    const at = new Int32Array(label.keys.length).fill(-1);
    o.match.labelRows.forEach((row, k) => {
      hits[row]++;
      at[row] = o.match.partyRows[k];
    });
    return at;
  });
  const labelRows: number[] = [];
  for (let row = 0; row < hits.length; row++) if (hits[row] === outcomes.length) labelRows.push(row);
  const partyRows = Object.fromEntries(outcomes.map((o, k) => [o.id, Int32Array.from(labelRows, (row) => partyRowAt[k][row])]));
  const pairs: PsiPairReport[] = outcomes.map((o) => ({
    party: o.id,
    labelSetSize: label.keys.length,
    partySetSize: o.partySetSize,
    intersectionSize: o.match.count,
    bytes: o.bytes,
    partyView: o.partyView,
  }));
  const bytesTotal = pairs.reduce((s, p) => s + p.bytes.labelToParty + p.bytes.partyToLabel, 0);
  return { labelParty: label.id, labelRows: Int32Array.from(labelRows), partyRows, pairs, bytesTotal };
}

/**
 * Runs the protocol between the label holder and each other party (the parties are simulated in
 * this thread; only the messages above pass between the objects) and intersects the results at
 * L: the rows every party holds, in L's row order. runPsiParallel (psi-parallel.ts) gives the same
 * intersection with each party in its own threads.
 */
export function runPsi(label: PsiInput, others: readonly PsiInput[], random: RandomBytes = cryptoRandomBytes, onProgress?: (party: string) => void): PsiResult {
  const holder = new PsiLabelHolder(label.keys, random);
  const a = holder.blindedSet();
  const outcomes: PsiPairOutcome[] = [];
  for (const other of others) {
    onProgress?.(other.id);
    const party = new PsiParty(other.keys, random);
    const b = party.blindedSet();
    const aPrime = party.reblind(a);
    const match = holder.intersect(b, aPrime);
    party.receiveCount(match.count);
    outcomes.push({ id: other.id, partySetSize: other.keys.length, match, bytes: { labelToParty: a.length + COUNT_BYTES, partyToLabel: b.length + aPrime.length }, partyView: party.view() });
  }
  return combinePairs(label, outcomes);
}
