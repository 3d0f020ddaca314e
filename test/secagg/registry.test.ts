/**
 * The round plug: both kinds through the registry; a seeded run is reproducible (same mean, same
 * dropouts, same bytes) although keys and masks are fresh random every time; masking and CKKS
 * agree with each other and with plaintext FedAvg within their bounds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SECURE_AGGREGATION_KINDS, createSecureAggregator, secureAggregationDefaults, secureSum } from '../../src/secagg/registry.js';
import { maskingDefaults } from '../../src/secagg/masking-aggregator.js';
import { ckksDefaults } from '../../src/secagg/ckks-aggregator.js';
import { rngOf } from './harness.js';

const n = 6;
const d = 500;
const r = rngOf(12, 'registry');
const updates = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => 0.1 * r.normal()));
const weights = [50, 60, 70, 80, 90, 100];

function fedavg(sites: number[]): Float64Array {
  const tot = sites.reduce((a, s) => a + weights[s], 0);
  const m = new Float64Array(d);
  for (const s of sites) for (let i = 0; i < d; i++) m[i] += (weights[s] * updates[s][i]) / tot;
  return m;
}

describe('secure aggregation registry', () => {
  test('kinds and defaults', () => {
    assert.deepEqual(SECURE_AGGREGATION_KINDS, ['masking', 'ckks']);
    assert.equal(secureAggregationDefaults('masking').kind, 'masking');
    assert.equal(secureAggregationDefaults('ckks').kind, 'ckks');
  });

  test('masking with simulated dropouts: a seed reproduces the round exactly; the mean matches FedAvg over the contributors', async () => {
    const config = maskingDefaults({ graph: 'k-regular', numShares: 5, reconstructionThreshold: 3, dropoutProbability: 0.2, graphSeed: 4 });
    const a = await secureSum(updates, weights, config, rngOf(77), 5);
    const b = await secureSum(updates, weights, config, rngOf(77), 5);
    assert.deepEqual(a.mean, b.mean);
    assert.deepEqual(a.dropouts, b.dropouts);
    assert.deepEqual(a.bytesUpPerSite, b.bytesUpPerSite);
    assert.deepEqual(a.bytesDownPerSite, b.bytesDownPerSite);
    assert.equal(a.contributors.length + a.dropouts.length, n);
    const ref = fedavg(a.contributors);
    for (let i = 0; i < d; i++) assert.ok(Math.abs(a.mean[i] - ref[i]) <= a.meanAbsErrorBound + 1e-12);
    // Upload: the masked vector (d + 1 words of 32 bits, 5-byte header) plus keys and shares.
    for (const s of a.contributors) assert.ok(a.bytesUpPerSite[s] > 4 * (d + 1) + 5 && a.bytesUpPerSite[s] < 4 * (d + 1) + 5 + 2000);
    assert.deepEqual(Object.keys(a.stageTimesMs), ['setup', 'shareKeys', 'maskedInput', 'unmask']);
  });

  test('masking and CKKS agree with plaintext FedAvg and with each other', async () => {
    const masked = await secureSum(updates, weights, maskingDefaults({ reconstructionThreshold: 4 }), rngOf(1));
    const agg = await createSecureAggregator(ckksDefaults(), n);
    try {
      const enc = await agg.sum({ updates, weights, round: 1, rng: rngOf(1) });
      const ref = fedavg([...Array(n).keys()]);
      for (let i = 0; i < d; i++) {
        assert.ok(Math.abs(enc.mean[i] - ref[i]) <= enc.meanAbsErrorBound);
        assert.ok(Math.abs(masked.mean[i] - enc.mean[i]) <= masked.meanAbsErrorBound + enc.meanAbsErrorBound);
      }
      assert.ok(enc.meanAbsErrorBound < masked.meanAbsErrorBound, 'CKKS at scale 2^40 is finer than 22-bit fixed point');
    } finally {
      agg.dispose();
    }
  });
});
