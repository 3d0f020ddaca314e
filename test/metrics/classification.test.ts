import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { accuracy, confusionAtThreshold, f1, precision, recall, selectF1Threshold } from '../../src/metrics/index.js';
import { countAt, distinctDescending, labeledScores } from './helpers.js';

describe('confusionAtThreshold', () => {
  test('score ≥ threshold is positive (the row at the threshold counts)', () => {
    assert.deepEqual(confusionAtThreshold([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1], 0.5), {
      truePositives: 2,
      falsePositives: 1,
      trueNegatives: 1,
      falseNegatives: 0,
    });
  });

  test('null for empty input or NaN scores; a NaN threshold is a caller bug', () => {
    assert.equal(confusionAtThreshold([], [], 0.5), null);
    assert.equal(confusionAtThreshold([1], [NaN], 0.5), null);
    assert.throws(() => confusionAtThreshold([1], [0.2], NaN), RangeError);
  });
});

describe('precision, recall, f1, accuracy', () => {
  // y = [1, 1, 0, 0, 1], predicted positive at 0.5: rows 0, 2, 4 → TP 2, FP 1, FN 1, TN 1.
  const yTrue = [1, 1, 0, 0, 1];
  const yScore = [0.9, 0.3, 0.6, 0.2, 0.5];

  test('hand-computed values', () => {
    assert.equal(precision(yTrue, yScore, 0.5), 2 / 3);
    assert.equal(recall(yTrue, yScore, 0.5), 2 / 3);
    assert.equal(f1(yTrue, yScore, 0.5), 4 / 6);
    assert.equal(accuracy(yTrue, yScore, 0.5), 3 / 5);
  });

  test('zero division follows sklearn zero_division="warn": 0', () => {
    // Nothing predicted positive: precision 0/0 → 0; F1 = 2·0/(0 + 0 + 3) = 0.
    assert.equal(precision(yTrue, yScore, 0.95), 0);
    assert.equal(f1(yTrue, yScore, 0.95), 0);
    // No actual positives: recall 0/0 → 0.
    assert.equal(recall([0, 0], [0.9, 0.1], 0.5), 0);
    // Neither predicted nor actual positives: F1 0/0 → 0 (sklearn ≥ 1.3), accuracy 1.
    assert.equal(f1([0, 0], [0.1, 0.2], 0.5), 0);
    assert.equal(accuracy([0, 0], [0.1, 0.2], 0.5), 1);
  });

  test('null for empty input or NaN scores', () => {
    for (const metric of [precision, recall, f1, accuracy]) {
      assert.equal(metric([], [], 0.5), null);
      assert.equal(metric([0, 1], [0.2, NaN], 0.5), null);
    }
  });

  test('F1 is the harmonic mean of precision and recall when both are positive', () => {
    fc.assert(
      fc.property(labeledScores({ minLength: 1 }), fc.integer({ min: 0, max: 6 }), ({ yTrue, yScore }, level) => {
        const threshold = level / 6;
        const p = precision(yTrue, yScore, threshold) as number;
        const r = recall(yTrue, yScore, threshold) as number;
        const value = f1(yTrue, yScore, threshold) as number;
        if (p > 0 && r > 0) assert.ok(Math.abs(value - (2 * p * r) / (p + r)) < 1e-12);
        else assert.equal(value, 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('selectF1Threshold', () => {
  test('hand-computed: thresholds 0.8 → ⅔, 0.4 → ½, 0.35 → 0.8, 0.1 → ⅔; best 0.35', () => {
    assert.deepEqual(selectF1Threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), { threshold: 0.35, f1: 0.8 });
  });

  test('a tie in F1 goes to the higher threshold', () => {
    // 0.9 → 2/3, 0.8 → 1/2, 0.7 → 2/5, 0.6 → 4/6 = 2/3: tie between 0.9 and 0.6.
    assert.deepEqual(selectF1Threshold([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6]), { threshold: 0.9, f1: 2 / 3 });
  });

  test('all positives → the lowest score (F1 = 1); null without positives, rows or with NaN', () => {
    assert.deepEqual(selectF1Threshold([1, 1], [0.2, 0.7]), { threshold: 0.2, f1: 1 });
    assert.equal(selectF1Threshold([0, 0], [0.2, 0.7]), null);
    assert.equal(selectF1Threshold([], []), null);
    assert.equal(selectF1Threshold([1, 0], [NaN, 0.7]), null);
  });

  test('equals trying every distinct score with f1() (ties → higher threshold)', () => {
    fc.assert(
      fc.property(labeledScores({ minLength: 1 }), ({ yTrue, yScore }) => {
        const selected = selectF1Threshold(yTrue, yScore);
        if (!yTrue.includes(1)) {
          assert.equal(selected, null);
          return;
        }
        let best = { threshold: NaN, f1: -1 };
        for (const threshold of distinctDescending(yScore)) {
          const { tp, fp, fn } = countAt(yTrue, yScore, threshold);
          const value = (2 * tp) / (2 * tp + fp + fn);
          if (value > best.f1) best = { threshold, f1: value };
        }
        assert.deepEqual(selected, best);
        assert.equal(f1(yTrue, yScore, best.threshold), best.f1);
      }),
      { numRuns: 500 },
    );
  });
});
