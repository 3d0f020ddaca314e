import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aucHalfWidth95, verticalReaderNotes } from '../../src/report/vertical-text.js';
import type { VerticalBenchResult } from '../../src/vertical/run-vertical.js';

test('Hanley–McNeil interval at AUC 0.5 is the Mann–Whitney null variance (nA + nN + 1) / (12 nA nN)', () => {
  for (const [p, n] of [[11, 76], [20, 20], [200, 1800]]) {
    const nullSd = Math.sqrt((p + n + 1) / (12 * p * n));
    assert.ok(Math.abs(aucHalfWidth95(0.5, p, n) - 1.96 * nullSd) < 1e-12);
  }
  // Narrower with more data, and narrower near a perfect AUC.
  assert.ok(aucHalfWidth95(0.8, 200, 1800) < aucHalfWidth95(0.8, 20, 180));
  assert.ok(aucHalfWidth95(0.95, 20, 180) < aucHalfWidth95(0.75, 20, 180));
});

function result(testPositives: number, testRows: number, aucs: Record<string, number>): VerticalBenchResult {
  return {
    vertical: {
      alignment: { testRows, positives: { test: testPositives, train: 30 } },
      arms: Object.entries(aucs).map(([arm, auc]) => ({ arm, auc })),
    },
  } as unknown as VerticalBenchResult;
}

test('reader notes: a small test set and an arm above central are called noise; a large clean run has none', () => {
  const small = verticalReaderNotes(result(11, 87, { central: 0.861, 'split-learning': 0.807, 'vertical-lr': 0.906 }));
  assert.equal(small.length, 2);
  assert.match(small[0], /Only 11 positive test rows \(76 negative\).*±0\.\d\d/);
  assert.match(small[1], /vertical-lr \(0\.906\) scored above central \(0\.861\)/);
  assert.doesNotMatch(small[1], /split-learning/);
  assert.deepEqual(verticalReaderNotes(result(400, 4000, { central: 0.86, 'split-learning': 0.85 })), []);
});
