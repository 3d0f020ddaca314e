/** Neighbour graphs: Flower's num_shares / reconstruction_threshold rules; k-regularity and symmetry checked by brute force. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SecAggConfigError } from '../../src/secagg/errors.js';
import { buildGraph, resolveNumShares, resolveThreshold } from '../../src/secagg/graph.js';

describe('neighbour graphs', () => {
  test('complete graph: everyone else, numShares = sites', () => {
    const g = buildGraph(4, { kind: 'complete', reconstructionThreshold: 3, seed: 0 });
    assert.deepEqual(g.neighbours, [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]]);
    assert.equal(g.numShares, 4);
    assert.equal(g.threshold, 3);
  });

  test('k-regular: degree numShares − 1, symmetric, no self loops, reproducible by seed, reshuffled by round', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 60 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
        const k = 2 * Math.floor(((seed % 7) + 3) / 2) + 1; // odd, 3..9
        if (k > n) return;
        const g = buildGraph(n, { kind: 'k-regular', numShares: k, reconstructionThreshold: 2, seed, round: 1 });
        for (let u = 0; u < n; u++) {
          assert.equal(g.neighbours[u].length, Math.min(k - 1, n - 1));
          assert.ok(!g.neighbours[u].includes(u));
          for (const v of g.neighbours[u]) assert.ok(g.neighbours[v].includes(u), `edge ${u}-${v} not symmetric`);
        }
        assert.deepEqual(buildGraph(n, { kind: 'k-regular', numShares: k, reconstructionThreshold: 2, seed, round: 1 }).neighbours, g.neighbours);
      }),
      { numRuns: 60, seed: 3 },
    );
    const a = buildGraph(30, { kind: 'k-regular', numShares: 5, reconstructionThreshold: 3, seed: 1, round: 1 });
    const b = buildGraph(30, { kind: 'k-regular', numShares: 5, reconstructionThreshold: 3, seed: 1, round: 2 });
    assert.notDeepEqual(a.neighbours, b.neighbours);
  });

  test("Flower's resolution rules", () => {
    assert.equal(resolveNumShares(10, 4), 5); // even → odd
    assert.equal(resolveNumShares(10, 10), 10);
    assert.equal(resolveNumShares(10, 0.5), 5);
    assert.equal(resolveNumShares(10, 0.4), 5); // round(4) is even → 5
    assert.equal(resolveNumShares(10, 0.1), 10); // too small → all
    assert.equal(resolveNumShares(10, 1), 10);
    assert.equal(resolveThreshold(5, 0.6), 3);
    assert.equal(resolveThreshold(5, 0.1), 2); // at least 2
    assert.equal(resolveThreshold(5, 1), 5);
    assert.throws(() => resolveNumShares(10, 2), SecAggConfigError);
    assert.throws(() => resolveNumShares(10, 12), /at most the number of sites/);
    assert.throws(() => resolveThreshold(5, 6), /at most numShares/);
    assert.throws(() => resolveThreshold(5, 2.5), SecAggConfigError);
    assert.throws(() => buildGraph(1, { kind: 'complete', reconstructionThreshold: 2, seed: 0 }), /at least 2 sites/);
  });
});
