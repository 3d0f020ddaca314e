import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { largestRemainder, normalizeFractions, stratifiedSplit } from '../../../src/data/prepare/split.js';
import { SPLIT_EXCLUDED, SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION } from '../../../src/data/prepare/types.js';
import { UsageError } from '../../../src/errors.js';

const CODES = [SPLIT_TRAIN, SPLIT_VALIDATION, SPLIT_TEST];

/** labels (0/1) and validity from a compact description. */
const labelsArb = fc
  .array(fc.constantFrom(0, 1, -1), { minLength: 0, maxLength: 400 })
  .map((xs) => ({ labels: Float64Array.from(xs, (v) => (v < 0 ? Number.NaN : v)), valid: Uint8Array.from(xs, (v) => (v < 0 ? 0 : 1)) }));

const fractionsArb = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .filter(([a, b, c]) => a + b + c > 0)
  .map(([a, b, c]) => ({ train: a, validation: b, test: c }));

describe('stratifiedSplit', () => {
  test('per class, every split holds its exact share within one row; unlabeled rows are excluded', () => {
    fc.assert(
      fc.property(labelsArb, fractionsArb, fc.integer(), fc.string({ minLength: 1, maxLength: 8 }), ({ labels, valid }, fr, seed, site) => {
        const split = stratifiedSplit(labels, valid, fr, seed, site);
        assert.equal(split.length, labels.length);
        const f = normalizeFractions(fr);
        for (let i = 0; i < labels.length; i++) if (!valid[i]) assert.equal(split[i], SPLIT_EXCLUDED);
        for (const cls of [0, 1]) {
          const rows = [...labels.keys()].filter((i) => valid[i] && labels[i] === cls);
          let total = 0;
          CODES.forEach((code, k) => {
            const count = rows.filter((i) => split[i] === code).length;
            total += count;
            assert.ok(Math.abs(count - f[k] * rows.length) < 1 + 1e-9, `class ${cls} split ${code}: ${count} vs exact ${f[k] * rows.length}`);
            if (f[k] === 0) assert.equal(count, 0);
          });
          assert.equal(total, rows.length, 'every labeled row gets a split');
        }
      }),
      { numRuns: 200 },
    );
  });

  test('60/20/20 of 1,000 rows with 10% positives: 540/180/180 negatives, 60/20/20 positives', () => {
    const labels = Float64Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const split = stratifiedSplit(labels, new Uint8Array(1000).fill(1), { train: 0.6, validation: 0.2, test: 0.2 }, 7, 'a');
    const count = (code: number, cls: number) => [...split.keys()].filter((i) => split[i] === code && labels[i] === cls).length;
    assert.deepEqual(
      CODES.map((c) => [count(c, 0), count(c, 1)]),
      [
        [540, 60],
        [180, 20],
        [180, 20],
      ],
    );
  });

  test('deterministic in (seed, site id, labels); another seed or site id gives another split', () => {
    const labels = Float64Array.from({ length: 500 }, (_, i) => (i * 7919) % 5 === 0 ? 1 : 0);
    const valid = new Uint8Array(500).fill(1);
    const fr = { train: 0.7, validation: 0.15, test: 0.15 };
    const a = stratifiedSplit(labels, valid, fr, 3, 'site-a');
    assert.deepEqual(stratifiedSplit(labels, valid, fr, 3, 'site-a'), a);
    assert.notDeepEqual(stratifiedSplit(labels, valid, fr, 4, 'site-a'), a);
    assert.notDeepEqual(stratifiedSplit(labels, valid, fr, 3, 'site-b'), a);
  });

  test('the label value of an unlabeled row does not matter', () => {
    const labels = Float64Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const valid = Uint8Array.from({ length: 300 }, (_, i) => (i % 11 === 0 ? 0 : 1));
    const a = stratifiedSplit(labels, valid, { train: 0.5, validation: 0.25, test: 0.25 }, 1, 's');
    const labels2 = labels.map((v, i) => (valid[i] ? v : 1 - v));
    assert.deepEqual(stratifiedSplit(labels2, valid, { train: 0.5, validation: 0.25, test: 0.25 }, 1, 's'), a);
  });

  test('fractions are normalized; negative or all-zero fractions are a UsageError', () => {
    assert.deepEqual(normalizeFractions({ train: 3, validation: 1, test: 1 }), [0.6, 0.2, 0.2]);
    assert.throws(() => normalizeFractions({ train: -0.1, validation: 0.6, test: 0.5 }), UsageError);
    assert.throws(() => normalizeFractions({ train: 0, validation: 0, test: 0 }), UsageError);
    assert.throws(() => normalizeFractions({ train: Number.NaN, validation: 0, test: 1 }), UsageError);
  });

  test('largestRemainder: floor or ceiling of each quota, summing to n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fractionsArb, (n, fr) => {
        const f = normalizeFractions(fr);
        const counts = largestRemainder(n, f);
        assert.equal(counts.reduce((a, b) => a + b, 0), n);
        counts.forEach((c, k) => assert.ok(c >= Math.floor(f[k] * n - 1e-9) && c <= Math.ceil(f[k] * n + 1e-9)));
      }),
    );
  });
});
