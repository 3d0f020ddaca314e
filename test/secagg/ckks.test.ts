/**
 * CKKS sums: the decrypted sum is within the stated error bound of the plaintext sum (and the
 * bound is not vacuous); the aggregator adds without keys; parameters SEAL rejects, values that
 * would wrap, and foreign ciphertexts are refused with typed errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CKKS_ADDITION_DEFAULTS, CkksAggregator, CkksContext, CkksSite, ckksSumErrorBound, generateCkksKeys } from '../../src/secagg/ckks.js';
import { CkksSecureAggregator, ckksDefaults } from '../../src/secagg/ckks-aggregator.js';
import { SecAggConfigError, SecureAggregationAborted } from '../../src/secagg/errors.js';
import { brandEncrypted } from '../../src/secagg/aggregator.js';
import { rngOf } from './harness.js';

describe('CKKS sums (node-seal 6.0.3)', () => {
  let ctx: CkksContext;
  before(async () => {
    ctx = await CkksContext.create(CKKS_ADDITION_DEFAULTS);
  });
  after(() => ctx.dispose());

  test('the sum of 5 sites × 5000 values (2 ciphertexts each) is within the error bound', () => {
    const keys = generateCkksKeys(ctx);
    const n = 5;
    const d = 5000;
    const r = rngOf(4, 'ckks');
    const xs = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => 8 * (2 * r.uniform() - 1)));
    const truth = new Float64Array(d);
    for (const x of xs) for (let i = 0; i < d; i++) truth[i] += x[i];
    const agg = new CkksAggregator(ctx, d);
    const sites = xs.map((_, u) => new CkksSite(ctx, u, keys));
    for (const s of sites) agg.add(s.encrypt(xs[s.id]));
    const out = sites[0].decrypt(agg.result());
    let maxErr = 0;
    for (let i = 0; i < d; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - truth[i]));
    const bound = ckksSumErrorBound(CKKS_ADDITION_DEFAULTS, n);
    assert.ok(maxErr <= bound, `max error ${maxErr} vs bound ${bound}`);
    assert.ok(bound < 1e-6, `the bound is useful for float32-scale models (${bound})`);
    assert.ok(maxErr > 0, 'CKKS is approximate: an exact result would mean no encryption happened');
    for (const s of sites) s.dispose();
    agg.dispose();
  });

  test('the aggregator: weighted mean within its bound, bytes of real ciphertexts, dropouts left out', async () => {
    const agg = await CkksSecureAggregator.create(ckksDefaults({ release: 'server', maxWeight: 500 }));
    try {
      const n = 4;
      const d = 300;
      const r = rngOf(9, 'ckks-agg');
      const updates = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => r.normal()));
      const weights = [100, 250, 400, 50];
      const res = await agg.sum({ updates, weights, round: 1, rng: rngOf(1), dropouts: new Map([[2, 'before-masked-input']]) });
      assert.deepEqual(res.contributors, [0, 1, 3]);
      let maxErr = 0;
      for (let i = 0; i < d; i++) {
        const ref = (100 * updates[0][i] + 250 * updates[1][i] + 50 * updates[3][i]) / 400;
        maxErr = Math.max(maxErr, Math.abs(res.mean[i] - ref));
      }
      assert.ok(maxErr <= res.meanAbsErrorBound, `${maxErr} vs ${res.meanAbsErrorBound}`);
      assert.ok(Math.abs(res.weightTotal - 400) < 1e-3);
      // One ciphertext per site (d + 1 ≤ 4096 slots), about 32 bytes per slot at N = 8192, q0 = 60 bits.
      for (const u of [0, 1, 3]) assert.ok(res.bytesUpPerSite[u] > 100_000 && res.bytesUpPerSite[u] < 140_000, `${res.bytesUpPerSite[u]}`);
      assert.equal(res.bytesUpPerSite[2], 0);
      // Release to the server: site 0 downloads the encrypted sum and uploads float32 (d + 1 values).
      assert.ok(res.bytesUpPerSite[0] - res.bytesUpPerSite[1] > 0 || res.bytesDownPerSite[0] > 0);
      assert.equal(res.bytesDownPerSite[1], 0);
    } finally {
      agg.dispose();
    }
  });

  test("release to sites only: every contributor downloads the encrypted sum; the server's view has no plaintext", async () => {
    const agg = await CkksSecureAggregator.create(ckksDefaults({ release: 'sites' }));
    try {
      assert.equal(agg.serverSeesSum, false);
      const updates = [Float64Array.of(1, 2), Float64Array.of(3, 4)];
      const res = await agg.sum({ updates, weights: [1, 1], round: 1, rng: rngOf(1) });
      assert.ok(res.bytesDownPerSite.every((b) => b > 100_000));
      // Weights 1 of maxWeight 1000 encode as r = 0.001: CKKS's absolute error is divided by Σr = 0.002.
      assert.ok(Math.abs(res.mean[0] - 2) <= res.meanAbsErrorBound && Math.abs(res.mean[1] - 3) <= res.meanAbsErrorBound);
      assert.ok(res.meanAbsErrorBound < 1e-3, `${res.meanAbsErrorBound}`);
    } finally {
      agg.dispose();
    }
  });

  test('values that could wrap modulo q0 are refused (exit 2)', async () => {
    const agg = await CkksSecureAggregator.create(ckksDefaults({ maxWeight: 1 }));
    try {
      await assert.rejects(agg.sum({ updates: [Float64Array.of(1e6), Float64Array.of(0)], weights: [1, 1], round: 1, rng: rngOf(1) }), (e: unknown) => e instanceof SecAggConfigError && e.exitCode === 2);
    } finally {
      agg.dispose();
    }
  });

  test('parameters beyond 128-bit security are refused (exit 2)', async () => {
    await assert.rejects(CkksContext.create({ polyModulusDegree: 4096, coeffModulusBits: [60, 60], scaleBits: 40 }), (e: unknown) => e instanceof SecAggConfigError && /at most 109/.test(e.message));
  });

  test('a ciphertext that does not load fails the round with a typed error', () => {
    const agg = new CkksAggregator(ctx, 10);
    try {
      assert.throws(() => agg.add(brandEncrypted(0, [new Uint8Array(64)])), (e: unknown) => e instanceof SecureAggregationAborted && e.reason === 'bad-ciphertext');
    } finally {
      agg.dispose();
    }
  });
});
