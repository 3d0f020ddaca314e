import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { evaluateBinary, type BinaryEvaluation } from '../../src/metrics/index.js';
import { assertClose, labeledScores } from './helpers.js';

const NUMERIC_FIELDS = ['auc', 'auprc', 'f1', 'precision', 'recall', 'accuracy', 'brier', 'ece'] as const;

describe('evaluateBinary', () => {
  test('all metrics on the sklearn example, no warnings', () => {
    const result = evaluateBinary([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.35);
    assert.equal(result.n, 4);
    assert.equal(result.positives, 2);
    assert.equal(result.auc, 0.75);
    assertClose(result.auprc, 5 / 6, 1e-15);
    assert.equal(result.f1, 0.8);
    assert.equal(result.precision, 2 / 3);
    assert.equal(result.recall, 1);
    assert.equal(result.accuracy, 0.75);
    assertClose(result.brier, 0.158125, 1e-15);
    assertClose(result.ece, 0.3375, 1e-15);
    assert.equal(result.threshold, 0.35);
    assert.deepEqual(result.warnings, []);
  });

  test('single-class labels: ranking metrics null with a reason; zero-division values 0 with a warning', () => {
    const result = evaluateBinary([0, 0, 0], [0.1, 0.4, 0.3], 0.5);
    assert.equal(result.auc, null);
    assert.equal(result.auprc, null);
    assert.equal(result.f1, 0);
    assert.equal(result.precision, 0);
    assert.equal(result.recall, 0);
    assert.equal(result.accuracy, 1);
    assert.deepEqual(result.warnings, [
      'auc, auprc undefined: all 3 labels are 0 (no positives)',
      'precision set to 0: no row scored ≥ the threshold 0.5 (sklearn zero_division)',
      'recall set to 0: no actual positives (sklearn zero_division)',
      'f1 set to 0: no predicted and no actual positives (sklearn zero_division)',
    ]);
  });

  test('empty input: every metric null, each explained', () => {
    const result = evaluateBinary([], [], 0.5);
    for (const field of NUMERIC_FIELDS) assert.equal(result[field], null, field);
    assert.deepEqual(result.warnings, [
      'auc, auprc undefined: no rows to evaluate',
      'f1, precision, recall, accuracy undefined: no rows to evaluate',
      'brier, ece undefined: no rows to evaluate',
    ]);
  });

  test('NaN scores: every metric null, never NaN', () => {
    const result = evaluateBinary([0, 1], [NaN, 0.5], 0.5);
    for (const field of NUMERIC_FIELDS) assert.equal(result[field], null, field);
    assert.ok(result.warnings.every((w) => w.endsWith('some scores are NaN')));
  });

  test('no threshold: threshold metrics null and said so; scores outside [0, 1]: Brier/ECE null', () => {
    const result = evaluateBinary([0, 1], [-2.3, 4.1], null);
    assert.equal(result.auc, 1);
    assert.equal(result.f1, null);
    assert.equal(result.brier, null);
    assert.equal(result.ece, null);
    assert.deepEqual(result.warnings, [
      'f1, precision, recall, accuracy undefined: no decision threshold was given',
      'brier, ece undefined: some scores lie outside [0, 1], so they are not probabilities',
    ]);
  });

  test('caller bugs throw: length mismatch, bad labels, NaN threshold, bad ECE bins', () => {
    assert.throws(() => evaluateBinary([0, 1], [0.2], 0.5), RangeError);
    assert.throws(() => evaluateBinary([0, 0.5], [0.2, 0.3], 0.5), RangeError);
    assert.throws(() => evaluateBinary([0, 1], [0.2, 0.3], NaN), RangeError);
    assert.throws(() => evaluateBinary([0, 1], [0.2, 0.3], 0.5, { eceBins: 0 }), RangeError);
  });

  test('never NaN: every value is null or finite, and every null has a warning', () => {
    const score = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(NaN), fc.constantFrom(0, 0.5, 1));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), score), { maxLength: 20 }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        (rows, threshold) => {
          const result: BinaryEvaluation = evaluateBinary(rows.map((r) => r[0]), rows.map((r) => r[1]), threshold);
          for (const field of NUMERIC_FIELDS) {
            const value = result[field];
            assert.ok(value === null || Number.isFinite(value), `${field} = ${value}`);
            if (value === null) assert.ok(result.warnings.some((w) => w.includes(field)), `${field} null without a warning`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('pooled AUC is not the mean of per-site AUCs (the architecture rule, as a reminder)', () => {
    // Site A ranks perfectly in a low score range, site B in a high one; pooled, A's positives
    // fall below B's negatives.
    const siteA = { yTrue: [0, 1], yScore: [0.1, 0.2] };
    const siteB = { yTrue: [0, 1], yScore: [0.8, 0.9] };
    const pooled = evaluateBinary([...siteA.yTrue, ...siteB.yTrue], [...siteA.yScore, ...siteB.yScore], 0.5);
    assert.equal(evaluateBinary(siteA.yTrue, siteA.yScore, 0.5).auc, 1);
    assert.equal(evaluateBinary(siteB.yTrue, siteB.yScore, 0.5).auc, 1);
    assert.equal(pooled.auc, 0.75);
  });

  test('random inputs: fields agree with the single-metric functions', () => {
    fc.assert(
      fc.property(labeledScores({ minLength: 1 }), ({ yTrue, yScore }) => {
        const result = evaluateBinary(yTrue, yScore, 0.5);
        assert.equal(result.n, yTrue.length);
        assert.equal(result.positives, yTrue.filter((y) => y === 1).length);
      }),
      { numRuns: 100 },
    );
  });
});
