/**
 * The group the PSI (psi.ts) works in: Curve25519 through its x-coordinate only, with the X25519
 * function of RFC 7748 §5 as the exponentiation, run natively by node:crypto (OpenSSL's
 * constant-time X25519).
 *
 * Elements are 32-byte little-endian u-coordinates (RFC 7748 §5 encoding). X25519(k, u) is the
 * u-coordinate of [clamp(k)]·P for either point P with u-coordinate u, so exponentiations commute:
 * X25519(b, X25519(a, u)) = X25519(a, X25519(b, u)) = x([clamp(a)·clamp(b)]·P). That is all the
 * Diffie–Hellman PSI needs (equal ids → equal doubly blinded bytes).
 *
 * Hash to the group: try-and-increment, the MapToGroup of Boneh, Lynn & Shacham (2001, "Short
 * signatures from the Weil pairing", ASIACRYPT, §3.3), which Google's Private Join and Compute
 * uses for this very PSI (Ion et al. 2020, "On deploying secure computing: private
 * intersection-sum-with-cardinality", IEEE EuroS&P). For counter = 0, 1, 2, …:
 *   u = OS2IP(SHA-512(len(DST) ‖ DST ‖ I2OSP(counter, 4) ‖ UTF-8(id))) mod p,  p = 2^255 − 19,
 * accepting the first u ≠ 0 for which u³ + 486662·u² + u is a non-zero square mod p (Jacobi
 * symbol 1, computed by the binary algorithm below): u is then the u-coordinate of a point of Curve25519 (not of its quadratic twist).
 * 64 digest bytes make u's deviation from uniform mod p at most 2^-257. Modelling SHA-512 as a
 * random oracle, an accepted u is uniform over the curve's non-zero u-coordinates, i.e. H is a
 * random oracle into the curve group modulo ±1 — and X25519 ignores the sign. About half of the
 * candidates are accepted, so failing 256 tries in a row has probability ≈ 2^-256 (an error).
 *
 * The cofactor: Curve25519 has order 8ℓ (ℓ a 252-bit prime). A clamped scalar is a multiple of
 * 8 (RFC 7748 §5), so the first blinding [clamp(a)]·H(x) lands in the prime-order subgroup, and
 * [8]·H(x) is uniform there (multiplication by 8 maps the group 8-to-1 onto the subgroup).
 * The PSI's security rests on DDH in that subgroup (as X25519 key agreement does, RFC 7748 §7).
 * The clamped scalar 2^254 + 8·k has 251 random bits: one bit of DDH margin less than a uniform
 * scalar mod ℓ, as in every use of X25519.
 *
 * Not constant-time: the number of tries (and the arithmetic of the Jacobi symbol) depends
 * on the id, so timing reveals something about the ids hashed (RFC 9380's security
 * considerations, §10, require constant time of its own maps for this reason). Acceptable here
 * because each party hashes only its own keys, locally and in one batch, and no other party
 * observes the timing of single hashes; a deployment exposing per-id timing to others would
 * need a constant-time map (Elligator 2, RFC 9380 §6.7.1). The blinding itself is
 * OpenSSL's X25519 (a constant-time Montgomery ladder).
 *
 * A peer's element is checked to be a canonical encoding (u < p). Points of the twist or of small
 * order are not rejected up front: X25519 on a twist point lands in the twist's prime-order
 * subgroup and reveals nothing more about the scalar (Curve25519 is twist-secure: Bernstein 2006,
 * "Curve25519: new Diffie-Hellman speed records", PKC, §3), and a small-order input makes the
 * output all-zero, which OpenSSL refuses: that is reported as a protocol error.
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';

/** The field prime 2^255 − 19. */
export const FIELD_P = 2n ** 255n - 19n;
/** Curve25519: v² = u³ + A·u² + u (RFC 7748 §4.1). */
const CURVE_A = 486662n;
/** Bytes of an element (a u-coordinate). */
export const ELEMENT_BYTES = 32;
/** Bytes of a secret key (RFC 7748: 32 random bytes, clamped by X25519). */
export const SECRET_KEY_BYTES = 32;
/** Domain separation tag of this protocol's hash to the group (versioned: a change of map is a new tag). */
export const HASH_TO_GROUP_DST = 'fedage-psi-v2:curve25519-u:SHA-512:try-and-increment';
/** Tries before giving up: each accepts with probability ≈ 1/2. */
export const MAX_HASH_TRIES = 256;

const DST_PREFIX = (() => {
  const dst = Buffer.from(HASH_TO_GROUP_DST, 'utf8');
  return Buffer.concat([Buffer.from([dst.length]), dst]);
})();

/** A peer sent something that is not a valid protocol message. */
export class GroupProtocolError extends Error {}

/** Limbs of the Jacobi symbol's working numbers: 10 × 28 bits (7 hex digits each) ≥ 255 bits. */
const LIMB_BITS = 28;
const LIMB_MASK = (1 << LIMB_BITS) - 1;
const LIMBS = 10;
const HEX_PER_LIMB = LIMB_BITS / 4;
const limbsA = new Int32Array(LIMBS);
const limbsB = new Int32Array(LIMBS);

function toLimbs(x: bigint, out: Int32Array): Int32Array {
  const hex = x.toString(16).padStart(LIMBS * HEX_PER_LIMB, '0');
  for (let i = 0; i < LIMBS; i++) {
    const end = hex.length - i * HEX_PER_LIMB;
    out[i] = parseInt(hex.slice(end - HEX_PER_LIMB, end), 16);
  }
  return out;
}

/**
 * The Jacobi symbol (a/n) for odd 0 < n < 2^280, by the binary algorithm (Shallit & Sorenson
 * 1993, "A binary algorithm for the Jacobi symbol", ACM SIGSAM Bulletin 27(1)): strip the factors
 * 2 of a ((2/n) = −1 iff n ≡ 3, 5 mod 8), swap a < n by quadratic reciprocity (a sign change iff
 * both ≡ 3 mod 4), subtract. On 28-bit limbs in an Int32Array, measured 1.2–1.5× faster here
 * than BigInt arithmetic. For n prime it is the Legendre symbol: 1 for a non-zero square mod n,
 * −1 for a non-square, 0 for a ≡ 0.
 */
export function jacobi(a: bigint, n: bigint): -1 | 0 | 1 {
  if (n <= 0n || (n & 1n) === 0n || n >= 1n << BigInt(LIMBS * LIMB_BITS)) throw new Error(`internal: Jacobi symbol modulo ${n}: not odd in (0, 2^280)`);
  let x = toLimbs(((a % n) + n) % n, limbsA);
  let y = toLimbs(n, limbsB);
  let len = LIMBS;
  while (len > 1 && x[len - 1] === 0 && y[len - 1] === 0) len--;
  let negative = false;
  for (;;) {
    let top = len - 1;
    while (top >= 0 && x[top] === 0) top--;
    if (top < 0) {
      // x = 0: y is gcd(a, n); the symbol is 0 unless it is 1.
      for (let i = 1; i < len; i++) if (y[i] !== 0) return 0;
      return y[0] !== 1 ? 0 : negative ? -1 : 1;
    }
    // Strip the factors 2 of x: whole limbs first, then the low limb's trailing zeros.
    let zeros = 0;
    let k = 0;
    while (x[k] === 0) k++;
    if (k > 0) {
      for (let i = 0; i < len - k; i++) x[i] = x[i + k];
      for (let i = len - k; i < len; i++) x[i] = 0;
      zeros += k * LIMB_BITS;
    }
    const z = 31 - Math.clz32(x[0] & -x[0]);
    if (z > 0) {
      const up = LIMB_BITS - z;
      for (let i = 0; i < len - 1; i++) x[i] = (x[i] >>> z) | ((x[i + 1] << up) & LIMB_MASK);
      x[len - 1] >>>= z;
      zeros += z;
    }
    if ((zeros & 1) === 1) {
      const r = y[0] & 7;
      if (r === 3 || r === 5) negative = !negative;
    }
    // Both odd now: make x ≥ y, by reciprocity if x < y.
    let i = len - 1;
    while (i > 0 && x[i] === y[i]) i--;
    if (x[i] < y[i]) {
      if ((x[0] & 3) === 3 && (y[0] & 3) === 3) negative = !negative;
      const t = x;
      x = y;
      y = t;
    }
    // (x/y) = ((x − y)/y); x − y is even (or 0).
    let borrow = 0;
    for (let j = 0; j < len; j++) {
      let d = x[j] - y[j] - borrow;
      borrow = d < 0 ? 1 : 0;
      if (borrow) d += 1 << LIMB_BITS;
      x[j] = d;
    }
    while (len > 1 && x[len - 1] === 0 && y[len - 1] === 0) len--;
  }
}

/** u³ + A·u² + u mod p: zero or a square iff u is the u-coordinate of a curve point. */
export function curveRhs(u: bigint): bigint {
  return ((((u + CURVE_A) * u + 1n) % FIELD_P) * u) % FIELD_P;
}

/** Whether u (in [0, p)) is accepted by the hash: u ≠ 0 and u³ + A·u² + u a non-zero square. */
export function isAcceptedCurveU(u: bigint): boolean {
  return u !== 0n && jacobi(curveRhs(u), FIELD_P) === 1;
}

/** The counter-th candidate u for an id (before the curve test). */
export function hashCandidate(id: string, counter: number): bigint {
  const counterBytes = Buffer.alloc(4);
  counterBytes.writeUInt32BE(counter);
  const digest = createHash('sha512').update(DST_PREFIX).update(counterBytes).update(id, 'utf8').digest('hex');
  return BigInt(`0x${digest}`) % FIELD_P;
}

/** u ∈ [0, p) → its 32-byte little-endian encoding. */
export function encodeU(u: bigint, out: Uint8Array = new Uint8Array(ELEMENT_BYTES), offset = 0): Uint8Array {
  const be = Buffer.from(u.toString(16).padStart(2 * ELEMENT_BYTES, '0'), 'hex');
  for (let i = 0; i < ELEMENT_BYTES; i++) out[offset + i] = be[ELEMENT_BYTES - 1 - i];
  return out;
}

/** A 32-byte little-endian encoding → u (no reduction; see isCanonical). */
export function decodeU(bytes: Uint8Array, offset = 0): bigint {
  let hex = '';
  for (let i = ELEMENT_BYTES - 1; i >= 0; i--) hex += bytes[offset + i].toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

/** H(id) with the number of candidates it took (tests look at the acceptance rate). */
export function hashToGroupCounted(id: string): { element: Uint8Array; tries: number } {
  for (let counter = 0; counter < MAX_HASH_TRIES; counter++) {
    const u = hashCandidate(id, counter);
    if (isAcceptedCurveU(u)) return { element: encodeU(u), tries: counter + 1 };
  }
  throw new Error(`PSI: no curve point after ${MAX_HASH_TRIES} tries (probability about 2^-${MAX_HASH_TRIES}): the hash is broken`);
}

/** H(id): the u-coordinate of a Curve25519 point, 32 bytes little-endian. */
export function hashToGroup(id: string): Uint8Array {
  return hashToGroupCounted(id).element;
}

/** Whether 32 bytes at offset encode u < p with the top bit clear (RFC 7748 canonical form). */
export function isCanonical(bytes: Uint8Array, offset = 0): boolean {
  const top = bytes[offset + 31];
  if (top < 0x7f) return true;
  if (top > 0x7f) return false;
  // top = 0x7f: u ≥ p iff bytes 30..1 are all 0xff and byte 0 ≥ 0xed.
  for (let i = 30; i >= 1; i--) if (bytes[offset + i] !== 0xff) return true;
  return bytes[offset] < 0xed;
}

/** PKCS#8 DER header of an X25519 private key (RFC 8410 §7): 16 bytes, then the 32-byte key. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A party's secret exponent: 32 random bytes, as an X25519 private key (clamped by X25519 itself). */
export class SecretKey {
  readonly #key: KeyObject;

  constructor(secret: Uint8Array) {
    if (secret.length !== SECRET_KEY_BYTES) throw new Error(`internal: an X25519 secret key has ${SECRET_KEY_BYTES} bytes, not ${secret.length}`);
    this.#key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  }

  /** X25519(k, u) for the element at `offset` of `elements`, written to `out` at `outOffset`. */
  blindInto(elements: Uint8Array, offset: number, out: Uint8Array, outOffset: number): void {
    if (!isCanonical(elements, offset)) throw new GroupProtocolError('PSI: an element is not a canonical u-coordinate (u < 2^255 - 19)');
    const x = Buffer.from(elements.buffer, elements.byteOffset + offset, ELEMENT_BYTES).toString('base64url');
    // The JWK path: several times faster than importing a DER SubjectPublicKeyInfo.
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: this.#key, publicKey });
    } catch (e) {
      // OpenSSL refuses an all-zero result: the input had small order (RFC 7748 §6.1).
      throw new GroupProtocolError(`PSI: an element of small order (X25519 gives all zeros): ${(e as Error).message}`);
    }
    out.set(shared, outOffset);
  }

  /** X25519(k, ·) of every element of a message of concatenated elements. */
  blindAll(elements: Uint8Array): Uint8Array {
    if (elements.length % ELEMENT_BYTES !== 0) throw new GroupProtocolError(`PSI: a message of ${elements.length} bytes is not a list of ${ELEMENT_BYTES}-byte elements`);
    const out = new Uint8Array(elements.length);
    for (let at = 0; at < elements.length; at += ELEMENT_BYTES) this.blindInto(elements, at, out, at);
    return out;
  }

  /** X25519(k, H(id)) of every id, concatenated in order. */
  hashAndBlind(ids: readonly string[]): Uint8Array {
    const out = new Uint8Array(ids.length * ELEMENT_BYTES);
    ids.forEach((id, i) => this.blindInto(hashToGroup(id), 0, out, i * ELEMENT_BYTES));
    return out;
  }
}
