import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addInto, fromSafeIntegers, RingPrg, toSignedBigInt, toSignedSafe, transposeTimesVector } from '../../src/vertical/ring64.js';

const safeInt = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const asRing = (v: bigint) => BigInt.asIntN(64, v);

describe('Z_2^64 in 16-bit limbs', () => {
  test('safe integers round-trip, and sums and differences wrap as BigInt.asIntN(64)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(safeInt, safeInt), { minLength: 1, maxLength: 20 }), (pairs) => {
        const a = fromSafeIntegers(pairs.map((p) => p[0]));
        const b = fromSafeIntegers(pairs.map((p) => p[1]));
        const sum = addInto(new Uint16Array(a.length), a, b, 1);
        const diff = addInto(new Uint16Array(a.length), a, b, -1);
        pairs.forEach(([x, y], i) => {
          assert.equal(toSignedBigInt(a, i), BigInt(x));
          assert.equal(toSignedSafe(a, i), x);
          assert.equal(toSignedBigInt(sum, i), asRing(BigInt(x) + BigInt(y)));
          assert.equal(toSignedBigInt(diff, i), asRing(BigInt(x) - BigInt(y)));
        });
      }),
    );
  });

  test('Mᵀv equals the BigInt computation mod 2^64 for full-width (wrapping) elements', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 80, maxLength: 80 }), (rows, cols, pool) => {
        const at = (i: number) => pool[i % pool.length];
        const limbs = (vals: bigint[]) => {
          const out = new Uint16Array(4 * vals.length);
          vals.forEach((v, i) => {
            for (let l = 0; l < 4; l++) out[4 * i + l] = Number((v >> BigInt(16 * l)) & 0xffffn);
          });
          return out;
        };
        const M = Array.from({ length: rows * cols }, (_, i) => at(i));
        const v = Array.from({ length: rows }, (_, i) => at(7 * i + 3));
        const got = transposeTimesVector(limbs(M), limbs(v), rows, cols);
        for (let j = 0; j < cols; j++) {
          let s = 0n;
          for (let k = 0; k < rows; k++) s += M[k * cols + j] * v[k];
          assert.equal(toSignedBigInt(got, j), asRing(s));
        }
      }),
    );
  });

  test('a ring element beyond 2^53 is refused as a safe integer; two PRGs from one seed agree, and differ from another seed', () => {
    const big = fromSafeIntegers([Number.MAX_SAFE_INTEGER]);
    const doubled = addInto(new Uint16Array(4), big, big, 1);
    assert.throws(() => toSignedSafe(doubled, 0), /safe-integer range/);
    const seed = new Uint8Array(16).fill(7);
    const a = new RingPrg(seed);
    const b = new RingPrg(seed.slice());
    assert.deepEqual([...a.next(5), ...a.next(3)], [...b.next(8)]);
    assert.notDeepEqual([...new RingPrg(new Uint8Array(16)).next(4)], [...new RingPrg(seed).next(4)]);
  });
});
