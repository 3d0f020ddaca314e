import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pairedDifference, studentTQuantile, summarize } from '../../src/metrics/index.js';
import { assertClose } from './helpers.js';

describe('summarize', () => {
  test('hand-computed: [1, 2, 3, 4, 5] → mean 3, sd √2.5, CI 3 ± 2.776445·√2.5/√5', () => {
    const summary = summarize([1, 2, 3, 4, 5]);
    assert.ok(summary && summary.sd !== null && summary.ci95 !== null);
    assert.equal(summary.n, 5);
    assert.equal(summary.mean, 3);
    assertClose(summary.sd, Math.sqrt(2.5), 1e-15);
    const halfWidth = 2.776445105 * Math.sqrt(2.5 / 5);
    assertClose(summary.ci95[0], 3 - halfWidth, 1e-8);
    assertClose(summary.ci95[1], 3 + halfWidth, 1e-8);
  });

  test('two seeds use t with 1 df (12.706), not 1.96', () => {
    const summary = summarize([0.8, 0.82]);
    assert.ok(summary?.ci95);
    // sd = 0.02/√2, se = sd/√2 = 0.01.
    assertClose(summary.ci95[1] - summary.mean, 12.706204736 * 0.01, 1e-9);
  });

  test('nulls are skipped; n = 1 → sd and ci null; nothing → null', () => {
    assert.deepEqual(summarize([null, 0.7, null]), { n: 1, mean: 0.7, sd: null, ci95: null });
    assert.equal(summarize([]), null);
    assert.equal(summarize([null, null]), null);
    assert.equal(summarize([null, 1, 3])?.mean, 2);
  });

  test('identical values → sd 0 and a zero-width interval', () => {
    assert.deepEqual(summarize([0.75, 0.75, 0.75]), { n: 3, mean: 0.75, sd: 0, ci95: [0.75, 0.75] });
  });

  test('NaN or infinite values are a caller bug and throw', () => {
    assert.throws(() => summarize([0.5, NaN]), /values\[1\] is NaN/);
    assert.throws(() => summarize([Infinity]), RangeError);
  });

  test('small spread around a large mean keeps its precision (two-pass variance)', () => {
    const summary = summarize([1e6 + 0.8312, 1e6 + 0.8316, 1e6 + 0.8308]);
    assertClose(summary?.sd ?? null, 0.0004, 1e-8);
  });

  test('the interval contains the mean and its width is 2·t·sd/√n', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 20 }), (values) => {
        const summary = summarize(values);
        assert.ok(summary?.sd != null && summary.ci95);
        const [lo, hi] = summary.ci95;
        assert.ok(lo <= summary.mean && summary.mean <= hi);
        const expected = (2 * studentTQuantile(0.975, values.length - 1) * summary.sd) / Math.sqrt(values.length);
        assertClose(hi - lo, expected, 1e-12);
      }),
      { numRuns: 200 },
    );
  });
});

describe('pairedDifference', () => {
  test('summarizes a_i − b_i over the indices where both are present', () => {
    const summary = pairedDifference([0.8, null, 0.9, 0.7], [0.75, 0.6, null, 0.6]);
    assert.equal(summary?.n, 2);
    assertClose(summary?.mean ?? null, (0.05 + 0.1) / 2, 1e-15);
  });

  test('removes the shared seed effect: a constant difference has sd 0', () => {
    const b = [0.7, 0.8, 0.75, 0.9];
    const a = b.map((x) => x + 0.25);
    const summary = pairedDifference(a, b);
    assertClose(summary?.mean ?? null, 0.25, 1e-12);
    assertClose(summary?.sd ?? null, 0, 1e-12);
  });

  test('no overlapping pair → null; different lengths throw', () => {
    assert.equal(pairedDifference([null, 1], [1, null]), null);
    assert.throws(() => pairedDifference([1, 2], [1]), RangeError);
  });
});
