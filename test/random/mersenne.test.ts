import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { faker } from '@faker-js/faker/locale/en';
import { MersenneTwister19937, upperAlpha } from '../../src/random/mersenne.js';

test('MT19937 init_by_array matches the reference output (mt19937ar.out: key 0x123, 0x234, 0x345, 0x456)', () => {
  const mt = new MersenneTwister19937([0x123, 0x234, 0x345, 0x456]);
  const first = Array.from({ length: 10 }, () => mt.nextU32());
  assert.deepEqual(first, [1067595299, 955945823, 477289528, 4107218783, 4228976476, 3344332714, 3355579695, 227628506, 810200273, 2591290167]);
  // The 1,000th output of the reference listing.
  for (let i = 10; i < 999; i++) mt.nextU32();
  assert.equal(mt.nextU32(), 3460025646);
});

test('genrand_res53 is (a·2^26 + b) / 2^53 of two draws, in [0, 1)', () => {
  const a = new MersenneTwister19937([7, 8]);
  const b = new MersenneTwister19937([7, 8]);
  for (let i = 0; i < 100; i++) {
    const x = a.nextRes53();
    assert.equal(x, ((b.nextU32() >>> 5) * 67108864 + (b.nextU32() >>> 6)) / 2 ** 53);
    assert.ok(x >= 0 && x < 1);
  }
});

test('upperAlpha draws the same letters as faker 9 seeded with the same key (the patient-id prefix of generated files)', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 12 }), (key, length) => {
      faker.seed(key);
      assert.equal(upperAlpha(key, length), faker.string.alpha({ length, casing: 'upper' }));
    }),
    { numRuns: 300 },
  );
});
