import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { averagePrecision } from '../../src/metrics/index.js';
import { assertClose, bothClasses, bruteForceAveragePrecision } from './helpers.js';

describe('averagePrecision', () => {
  test('sklearn average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333…', () => {
    // Thresholds 0.8: P=1, R=½; 0.4: R unchanged; 0.35: P=⅔, R=1 → ½·1 + ½·⅔ = 5/6.
    assertClose(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 5 / 6, 1e-15);
  });

  test('tied scores form one threshold: a constant score gives the prevalence (sklearn test_average_precision_constant_values)', () => {
    assert.equal(averagePrecision([1, 0, 0, 0], [0.5, 0.5, 0.5, 0.5]), 0.25);
    // Not 1: a step at each row inside a tie would depend on row order.
    assert.equal(averagePrecision([1, 0], [0.3, 0.3]), 0.5);
    assert.equal(averagePrecision([0, 1], [0.3, 0.3]), 0.5);
  });

  test('perfect ranking = 1; inverted ranking = mean of k/rank over the positives', () => {
    assert.equal(averagePrecision([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
    // Ranked: 0, 0, 1, 1 → precision at the positives 1/3 and 2/4.
    assertClose(averagePrecision([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]), (1 / 3 + 2 / 4) / 2, 1e-15);
  });

  test('null for empty input, one class only, or NaN scores', () => {
    assert.equal(averagePrecision([], []), null);
    assert.equal(averagePrecision([0, 0], [0.2, 0.3]), null);
    assert.equal(averagePrecision([1, 1], [0.2, 0.3]), null);
    assert.equal(averagePrecision([0, 1], [NaN, 0.3]), null);
  });

  test('equals the step-wise definition by counting, on random inputs with many ties', () => {
    fc.assert(
      fc.property(bothClasses({ levels: 5 }), ({ yTrue, yScore }) => {
        assertClose(averagePrecision(yTrue, yScore), bruteForceAveragePrecision(yTrue, yScore), 1e-12);
      }),
      { numRuns: 500 },
    );
  });

  test('lies between the prevalence-ish floor 0 and 1, and is invariant under increasing transforms', () => {
    fc.assert(
      fc.property(bothClasses(), ({ yTrue, yScore }) => {
        const value = averagePrecision(yTrue, yScore) as number;
        assert.ok(value > 0 && value <= 1 + 1e-15);
        assert.equal(averagePrecision(yTrue, yScore.map((s) => Math.exp(4 * s))), value);
      }),
      { numRuns: 200 },
    );
  });
});
