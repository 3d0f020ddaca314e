import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { auc } from '../../src/metrics/index.js';
import { groupByScoreDescending } from '../../src/metrics/score-groups.js';
import { referenceAuc } from './reference-auc.js';
import { referenceGroupByScoreDescending } from './reference-score-groups.js';

/**
 * The typed-sort + merge implementation (issue 19) against the previous comparator-sort one,
 * kept verbatim in reference-*.ts: equal groups and a bit-identical AUC on inputs with many
 * ties, continuous scores, ±Infinity, and signed zeros.
 */
const score = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 8 }).map((k) => k / 8) },
  { weight: 4, arbitrary: fc.double({ noNaN: true, min: -1e6, max: 1e6 }) },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, 0, -0, Number.MIN_VALUE, 1 - 2 ** -53) },
);
const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), score), { minLength: 0, maxLength: 400 }).map((r) => ({
  yTrue: Float64Array.from(r.map(([y]) => y)),
  yScore: Float64Array.from(r.map(([, s]) => s)),
}));

describe('score groups and AUC by typed sorts (issue 19)', () => {
  test('groupByScoreDescending equals the comparator-sort implementation group for group', () => {
    fc.assert(
      fc.property(rows, ({ yTrue, yScore }) => {
        const a = groupByScoreDescending(yTrue, yScore);
        const b = referenceGroupByScoreDescending(yTrue, yScore);
        assert.equal(a.count, b.count);
        assert.equal(a.totalPositives, b.totalPositives);
        assert.equal(a.totalNegatives, b.totalNegatives);
        for (let g = 0; g < a.count; g++) {
          // `===`: a group of -0 and 0 may be keyed by either sign; no threshold tells them apart.
          assert.ok(a.scores[g] === b.scores[g], `group ${g}: score ${a.scores[g]} vs ${b.scores[g]}`);
          assert.equal(a.positives[g], b.positives[g]);
          assert.equal(a.negatives[g], b.negatives[g]);
        }
      }),
      { numRuns: 600 },
    );
  });

  test('auc is bit-identical to the comparator-sort implementation (null cases included)', () => {
    fc.assert(
      fc.property(rows, ({ yTrue, yScore }) => {
        assert.ok(Object.is(auc(yTrue, yScore), referenceAuc(yTrue, yScore)));
      }),
      { numRuns: 600 },
    );
  });

  test('bit-identical on a large pooled test set of probabilities (20,000 rows, 3 % ties)', () => {
    let state = 12345;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const n = 20_000;
    const yScore = new Float64Array(n);
    const yTrue = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      yScore[i] = next() < 0.03 ? Math.round(next() * 20) / 20 : next();
      yTrue[i] = next() < 0.2 + 0.5 * yScore[i] ? 1 : 0;
    }
    const value = auc(yTrue, yScore);
    assert.ok(value !== null && value > 0.6);
    assert.ok(Object.is(value, referenceAuc(yTrue, yScore)));
  });
});
