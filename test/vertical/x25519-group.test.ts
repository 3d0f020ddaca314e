/**
 * The PSI's group (src/vertical/x25519-group.ts): node:crypto's X25519 against the RFC 7748
 * vectors and against an independent implementation (@noble/curves), the Jacobi symbol against
 * Euler's criterion, and the try-and-increment hash re-derived candidate by candidate.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { x25519 } from '@noble/curves/ed25519.js';
import { FIELD_P, GroupProtocolError, MAX_HASH_TRIES, SecretKey, curveRhs, decodeU, encodeU, hashCandidate, hashToGroup, hashToGroupCounted, isCanonical, jacobi } from '../../src/vertical/x25519-group.js';

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** RFC 7748's X25519 masks the top bit of u; the protocol instead refuses such encodings. */
const masked = (u: Uint8Array) => Uint8Array.from(u, (b, i) => (i === 31 ? b & 0x7f : b));
const native = (k: Uint8Array, u: Uint8Array): Uint8Array => new SecretKey(k).blindAll(masked(u));
const basePoint = encodeU(9n);

/** Square-and-multiply, written independently of the code under test. */
function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  base %= m;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % m;
    base = (base * base) % m;
    exp >>= 1n;
  }
  return result;
}
/** Euler's criterion: a^((p−1)/2) mod p is 1 for a non-zero square, p − 1 for a non-square. */
const euler = (a: bigint, p: bigint): -1 | 0 | 1 => {
  const r = modPow(((a % p) + p) % p, (p - 1n) / 2n, p);
  return r === 0n ? 0 : r === 1n ? 1 : -1;
};
const fieldElement = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => BigInt(`0x${Buffer.from(b).toString('hex')}`) % FIELD_P);
const secretKey = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('X25519 through node:crypto', () => {
  test('RFC 7748 §5.2 test vectors, including 1,000 iterations', () => {
    assert.equal(hex(native(fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'))), 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
    assert.equal(hex(native(fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'), fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'))), '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
    let k = basePoint;
    let u = basePoint;
    for (let i = 1; i <= 1000; i++) {
      [k, u] = [native(k, u), k];
      if (i === 1) assert.equal(hex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    assert.equal(hex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  test('RFC 7748 §6.1 Diffie–Hellman: both public keys and the shared secret, both ways', () => {
    const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const alicePublic = native(alice, basePoint);
    const bobPublic = native(bob, basePoint);
    assert.equal(hex(alicePublic), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    assert.equal(hex(bobPublic), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    assert.equal(hex(native(alice, bobPublic)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    assert.equal(hex(native(bob, alicePublic)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  test('property: the native path equals @noble/curves x25519, and blinding commutes on hashed elements', () => {
    fc.assert(
      fc.property(secretKey, secretKey, fc.string({ maxLength: 12 }), (a, b, id) => {
        const h = hashToGroup(id);
        const ha = native(a, h);
        assert.equal(hex(ha), hex(x25519.scalarMult(a, h)));
        assert.equal(hex(native(b, ha)), hex(native(a, native(b, h))));
      }),
      { numRuns: 30 },
    );
  });

  test('non-canonical encodings and small-order elements are protocol errors, not crashes', () => {
    const key = new SecretKey(new Uint8Array(32).fill(7));
    const p = encodeU(FIELD_P - 1n);
    assert.ok(isCanonical(p));
    const atP = Uint8Array.from(p, (b, i) => (i === 0 ? b + 1 : b)); // u = p
    assert.ok(!isCanonical(atP));
    assert.ok(!isCanonical(new Uint8Array(32).fill(0xff)));
    assert.throws(() => key.blindAll(atP), GroupProtocolError);
    assert.throws(() => key.blindAll(new Uint8Array(33)), GroupProtocolError);
    // u = 0 (order 2) and u = 1 (order 4): a clamped scalar, a multiple of 8, sends them to zero.
    assert.throws(() => key.blindAll(encodeU(0n)), GroupProtocolError);
    assert.throws(() => key.blindAll(encodeU(1n)), GroupProtocolError);
  });
});

describe('the Jacobi symbol and the hash to the curve', () => {
  test('property: jacobi(a, p) equals Euler’s criterion mod 2^255 − 19 (random, zero, squares) and for small primes', () => {
    fc.assert(
      fc.property(fieldElement, (a) => {
        assert.equal(jacobi(a, FIELD_P), euler(a, FIELD_P));
        assert.equal(jacobi((a * a) % FIELD_P, FIELD_P), a === 0n ? 0 : 1);
      }),
      { numRuns: 200 },
    );
    assert.equal(jacobi(0n, FIELD_P), 0);
    assert.equal(jacobi(-1n, FIELD_P), 1, 'p ≡ 1 (mod 4): −1 is a square');
    assert.equal(jacobi(2n, FIELD_P), -1, 'p ≡ 5 (mod 8): 2 is not a square');
    for (const q of [3n, 5n, 7n, 11n, 13n, 101n, 65537n]) for (let a = -3n; a < 40n; a++) assert.equal(jacobi(a, q), euler(a, q), `(${a}/${q})`);
    // Composite n: the product of the Legendre symbols of its prime factors (the definition).
    for (const [n, factors] of [[9n, [3n, 3n]], [15n, [3n, 5n]], [105n, [3n, 5n, 7n]]] as const) {
      for (let a = 0n; a < 40n; a++) assert.equal(jacobi(a, n), factors.reduce((s, q) => s * euler(a, q), 1) + 0, `(${a}/${n})`); // + 0: no −0
    }
    assert.throws(() => jacobi(1n, 8n), /not odd/);
  });

  test('H(id) is the first candidate on the curve (re-derived with Euler’s criterion), canonical, with about half the candidates accepted', () => {
    let tries = 0;
    const ids = Array.from({ length: 300 }, (_, i) => `patient-${i}`);
    for (const id of ids) {
      const h = hashToGroupCounted(id);
      assert.ok(h.tries >= 1 && h.tries <= MAX_HASH_TRIES);
      for (let c = 0; c < h.tries - 1; c++) {
        const u = hashCandidate(id, c);
        assert.ok(u === 0n || euler(curveRhs(u), FIELD_P) !== 1, `candidate ${c} of ${id} is on the curve but was skipped`);
      }
      const u = decodeU(h.element);
      assert.equal(u, hashCandidate(id, h.tries - 1));
      assert.ok(u !== 0n && u < FIELD_P && isCanonical(h.element));
      // On the curve, not its twist: v² = u³ + 486662u² + u has a solution v ≠ 0.
      assert.equal(euler(curveRhs(u), FIELD_P), 1);
      tries += h.tries;
    }
    const accepted = ids.length / tries;
    assert.ok(accepted > 0.4 && accepted < 0.6, `acceptance rate ${accepted}`);
    assert.notEqual(hex(hashToGroup('patient-1')), hex(hashToGroup('patient-2')));
    assert.equal(hex(hashToGroup('patient-1')), hex(hashToGroup('patient-1')), 'H is a function');
  });

  test('encodeU and decodeU are inverse little-endian encodings', () => {
    fc.assert(fc.property(fieldElement, (u) => assert.equal(decodeU(encodeU(u)), u)), { numRuns: 100 });
    assert.equal(hex(encodeU(9n)), `09${'00'.repeat(31)}`);
  });
});
