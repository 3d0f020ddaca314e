import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareIds, sortById, weightedAverage, weightedAverageScalar, weightedCombination, type WeightedVector } from '../../src/federated/aggregate.js';
import { sameBits } from './toy-models.js';

describe('aggregate: weighted averaging (McMahan et al. 2017)', () => {
  test('weights by example count, hand-computed', () => {
    const out = weightedAverage([
      { id: 'b', weight: 3, values: Float64Array.of(5, 6, -2) },
      { id: 'a', weight: 1, values: Float64Array.of(1, 2, 2) },
    ]);
    // (1·[1,2,2] + 3·[5,6,−2]) / 4 = [4, 5, −1]
    assert.deepEqual([...out], [4, 5, -1]);
  });

  test('a lone client comes back bit for bit (also −0, subnormals, huge values)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 1e6 }), (vals, n) => {
        const values = Float64Array.from(vals);
        return sameBits(weightedAverage([{ id: 'only', weight: n, values }]), values);
      }),
    );
  });

  test('bit-identical for any input order', () => {
    const item = fc.record({
      weight: fc.integer({ min: 1, max: 1000 }),
      values: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 4, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 1e9 }), (raw, seed) => {
        const items: WeightedVector[] = raw.map((r, k) => ({ id: `site-${k}`, weight: r.weight, values: Float64Array.from(r.values) }));
        const shuffled = [...items];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2147483648;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        return sameBits(weightedAverage(items), weightedAverage(shuffled)) && sameBits(weightedAverage(items), weightedAverage([...items].reverse()));
      }),
    );
  });

  test('weightedCombination divides by the given denominator (SCAFFOLD population weights)', () => {
    const out = weightedCombination(
      [
        { id: 'x', weight: 2, values: Float64Array.of(4) },
        { id: 'y', weight: 6, values: Float64Array.of(1) },
      ],
      16,
    );
    assert.equal(out[0], (2 / 16) * 4 + (6 / 16) * 1);
  });

  test('weightedAverageScalar, hand-computed', () => {
    assert.equal(weightedAverageScalar([{ id: 'a', weight: 1, value: 2 }, { id: 'b', weight: 3, value: 6 }]), 5);
  });

  test('rejects duplicates, empty input, zero total weight, negative weights and ragged vectors', () => {
    const v = Float64Array.of(1);
    assert.throws(() => weightedAverage([{ id: 'a', weight: 1, values: v }, { id: 'a', weight: 1, values: v }]), /duplicate/);
    assert.throws(() => weightedAverage([]), RangeError);
    assert.throws(() => weightedAverage([{ id: 'a', weight: 0, values: v }]), /total weight is 0/);
    assert.throws(() => weightedAverage([{ id: 'a', weight: -1, values: v }]), />= 0/);
    assert.throws(() => weightedAverage([{ id: 'a', weight: 1, values: v }, { id: 'b', weight: 1, values: Float64Array.of(1, 2) }]), /expected 1/);
  });

  test('ids sort by code unit, independent of locale', () => {
    assert.deepEqual(sortById([{ id: 'b' }, { id: 'B' }, { id: 'a' }, { id: 'Z' }]).map((x) => x.id), ['B', 'Z', 'a', 'b']);
    assert.equal(compareIds('site-10', 'site-9'), -1);
  });
});
