import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { auc } from '../../src/metrics/index.js';
import { assertClose, bothClasses, bruteForceAuc } from './helpers.js';

describe('auc', () => {
  test('sklearn roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75', () => {
    assert.equal(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  });

  test('perfect ranking = 1, inverted = 0, all tied = 0.5', () => {
    assert.equal(auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
    assert.equal(auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]), 0);
    assert.equal(auc([0, 1, 0, 1, 1], [0.7, 0.7, 0.7, 0.7, 0.7]), 0.5);
  });

  test('a tie between a positive and a negative counts ½ (hand count: 2.5 of 4 pairs)', () => {
    // Pairs (pos, neg): (0.5, 0.5) tie = ½; (0.5, 0.2) = 1; (0.9, 0.5) = 1; (0.9, 0.2) = 1 → 3.5 / 4.
    assert.equal(auc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.2]), 3.5 / 4);
    assert.equal(auc([1, 0, 0], [0.3, 0.3, 0.9]), 0.25);
  });

  test('accepts typed arrays and ±Infinity scores', () => {
    assert.equal(auc(new Uint8Array([0, 1, 0, 1]), new Float32Array([-Infinity, Infinity, 0, 1])), 1);
    assert.equal(auc(new Float64Array([0, 1]), new Float64Array([Infinity, Infinity])), 0.5);
  });

  test('null for empty input, one class only, or NaN scores', () => {
    assert.equal(auc([], []), null);
    assert.equal(auc([1, 1, 1], [0.1, 0.2, 0.3]), null);
    assert.equal(auc([0, 0], [0.1, 0.2]), null);
    assert.equal(auc([0, 1, 1], [0.1, NaN, 0.3]), null);
  });

  test('throws a RangeError for caller bugs: length mismatch, labels other than 0/1', () => {
    assert.throws(() => auc([0, 1], [0.5]), RangeError);
    assert.throws(() => auc([0, 2], [0.1, 0.2]), /yTrue\[1\] is 2/);
  });

  test('equals the pairwise definition on random inputs with many ties', () => {
    fc.assert(
      fc.property(bothClasses({ levels: 4 }), ({ yTrue, yScore }) => {
        assertClose(auc(yTrue, yScore), bruteForceAuc(yTrue, yScore), 1e-12);
      }),
      { numRuns: 500 },
    );
  });

  test('AUC(y, s) + AUC(1 − y, s) = 1 and AUC(y, −s) = 1 − AUC(y, s)', () => {
    fc.assert(
      fc.property(bothClasses(), ({ yTrue, yScore }) => {
        const forward = auc(yTrue, yScore) as number;
        assertClose(auc(yTrue.map((y) => 1 - y), yScore), 1 - forward, 1e-12);
        assertClose(auc(yTrue, yScore.map((s) => -s)), 1 - forward, 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  test('invariant under strictly increasing transforms of the scores (ties stay ties)', () => {
    fc.assert(
      fc.property(bothClasses(), ({ yTrue, yScore }) => {
        const logit = yScore.map((s) => Math.log((s + 0.01) / (1.01 - s)));
        const cubic = yScore.map((s) => 1000 * s ** 3 - 5);
        const expected = auc(yTrue, yScore);
        assert.equal(auc(yTrue, logit), expected);
        assert.equal(auc(yTrue, cubic), expected);
      }),
      { numRuns: 300 },
    );
  });

  test('invariant under row order', () => {
    fc.assert(
      fc.property(bothClasses(), fc.integer(), ({ yTrue, yScore }, seed) => {
        const order = yTrue.map((_, i) => i).sort((a, b) => ((a * 2654435761 + seed) % 97) - ((b * 2654435761 + seed) % 97));
        assert.equal(auc(order.map((i) => yTrue[i]), order.map((i) => yScore[i])), auc(yTrue, yScore));
      }),
      { numRuns: 200 },
    );
  });

  test('200 000 rows with heavy ties: equals a counting reference over the distinct scores', () => {
    const n = 200_000;
    const yTrue = new Uint8Array(n);
    const yScore = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      yTrue[i] = i % 3 === 0 ? 1 : 0;
      yScore[i] = ((i * 7919) % 1000) / 1000 + (yTrue[i] ? 0.1 : 0);
    }
    // Independent reference: per distinct score, negatives strictly below and tied.
    const byScore = new Map<number, { pos: number; neg: number }>();
    for (let i = 0; i < n; i++) {
      const c = byScore.get(yScore[i]) ?? { pos: 0, neg: 0 };
      if (yTrue[i]) c.pos++;
      else c.neg++;
      byScore.set(yScore[i], c);
    }
    let negBelow = 0;
    let good = 0;
    let positives = 0;
    for (const score of [...byScore.keys()].sort((a, b) => a - b)) {
      const c = byScore.get(score)!;
      good += c.pos * (negBelow + c.neg / 2);
      negBelow += c.neg;
      positives += c.pos;
    }
    const expected = good / (positives * negBelow);
    assert.ok(Math.abs((auc(yTrue, yScore) as number) - expected) < 1e-12);
  });
});
