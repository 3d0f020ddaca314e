import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { brierScore, calibrationBin, expectedCalibrationError } from '../../src/metrics/index.js';
import { assertClose, labeledScores } from './helpers.js';

describe('brierScore', () => {
  test('hand-computed: (0.1² + 0.4² + 0.65² + 0.2²) / 4', () => {
    assertClose(brierScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), (0.01 + 0.16 + 0.4225 + 0.04) / 4, 1e-15);
  });

  test('perfect = 0, a constant 0.5 = 0.25, certain and wrong = 1', () => {
    assert.equal(brierScore([0, 1], [0, 1]), 0);
    assert.equal(brierScore([0, 1, 1], [0.5, 0.5, 0.5]), 0.25);
    assert.equal(brierScore([0, 1], [1, 0]), 1);
  });

  test('null for empty input, NaN scores, or scores outside [0, 1] (not probabilities)', () => {
    assert.equal(brierScore([], []), null);
    assert.equal(brierScore([1], [NaN]), null);
    assert.equal(brierScore([1, 0], [1.2, 0.1]), null);
    assert.equal(brierScore([1, 0], [0.5, -0.1]), null);
  });
});

describe('expectedCalibrationError', () => {
  test('hand-computed: one row per bin, |score − label| averaged', () => {
    assertClose(expectedCalibrationError([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), (0.1 + 0.4 + 0.65 + 0.2) / 4, 1e-15);
  });

  test('weights each bin by its count: |mean score − positive rate| · n_b / n', () => {
    // Bin [0.2, 0.3): scores 0.2, 0.2, 0.2, 0.2 with one positive → |0.2 − 0.25| · 4/5.
    // Bin [0.9, 1]: score 0.9, positive → |0.9 − 1| · 1/5.
    assertClose(expectedCalibrationError([1, 0, 0, 0, 1], [0.2, 0.2, 0.2, 0.2, 0.9]), 0.05 * 0.8 + 0.1 * 0.2, 1e-15);
  });

  test('a score of exactly 1 goes to the last bin', () => {
    assert.equal(calibrationBin(1, 10), 9);
    assert.equal(calibrationBin(0.95, 10), 9);
    assert.equal(calibrationBin(0, 10), 0);
    assert.equal(calibrationBin(0.1, 10), 1);
    // Shared bin: |(1 + 0.9) − 1| / 2 = 0.45 (separate bins would give 0.55).
    assertClose(expectedCalibrationError([0, 1], [1, 0.9]), 0.45, 1e-15);
  });

  test('perfectly calibrated bins give 0', () => {
    const group = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 12 }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 20 }), (groups, bins) => {
        // Each group: k rows scored j/k of which j are positive, so every bin's mean score
        // equals its positive rate however the groups share bins.
        const yTrue: number[] = [];
        const yScore: number[] = [];
        for (const [k, jRaw] of groups) {
          const j = jRaw % (k + 1);
          for (let i = 0; i < k; i++) {
            yTrue.push(i < j ? 1 : 0);
            yScore.push(j / k);
          }
        }
        assertClose(expectedCalibrationError(yTrue, yScore, bins), 0, 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  test('one bin = |mean score − prevalence|; any binning ≤ mean |score − label|', () => {
    fc.assert(
      fc.property(labeledScores({ minLength: 1 }), fc.integer({ min: 1, max: 30 }), ({ yTrue, yScore }, bins) => {
        const n = yTrue.length;
        const meanGap = Math.abs(yScore.reduce((a, b) => a + b, 0) / n - yTrue.reduce((a, b) => a + b, 0) / n);
        assertClose(expectedCalibrationError(yTrue, yScore, 1), meanGap, 1e-12);
        const meanAbsolute = yTrue.reduce((sum, y, i) => sum + Math.abs(yScore[i] - y), 0) / n;
        assert.ok((expectedCalibrationError(yTrue, yScore, bins) as number) <= meanAbsolute + 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  test('null for empty input, NaN scores, or scores outside [0, 1]; bad bins throw', () => {
    assert.equal(expectedCalibrationError([], []), null);
    assert.equal(expectedCalibrationError([0], [NaN]), null);
    assert.equal(expectedCalibrationError([0], [1.5]), null);
    assert.throws(() => expectedCalibrationError([0], [0.5], 0), RangeError);
    assert.throws(() => expectedCalibrationError([0], [0.5], 2.5), RangeError);
  });
});
