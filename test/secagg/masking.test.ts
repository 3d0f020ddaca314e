/**
 * The masking protocol end to end: the unmasked sum equals the plaintext fixed-point sum exactly
 * (integers mod 2^k) with no dropouts and with every survivable set of dropouts; below the
 * threshold, and with a tampered share, the round aborts with a typed error and no sum; a
 * masked vector's words look uniform (chi-square); fast-check over random sizes and dropouts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SecureAggregationAborted, SecAggConfigError } from '../../src/secagg/errors.js';
import { FLOWER_FIXED_POINT_DEFAULTS, decodeSum, type FixedPointConfig } from '../../src/secagg/fixed-point.js';
import { buildGraph } from '../../src/secagg/graph.js';
import { MaskingAggregator, maskingDefaults } from '../../src/secagg/masking-aggregator.js';
import type { MaskPrg } from '../../src/secagg/keys.js';
import { MaskingServer } from '../../src/secagg/masking-server.js';
import { MaskingSite, type RoundParameters } from '../../src/secagg/masking-site.js';
import type { DropoutStage } from '../../src/secagg/secure-sum.js';
import { unpackWords } from '../../src/secagg/wire.js';
import { contributorsOf, plaintextQuantizedSum, rngOf, runRound, survivable } from './harness.js';

function updatesOf(n: number, d: number, seed: number, spread = 0.5): Float64Array[] {
  const r = rngOf(seed, 'updates');
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, () => spread * r.normal()));
}

function paramsOf(cfg: FixedPointConfig, graph: ReturnType<typeof buildGraph>, d: number, round = 1, prg: MaskPrg = 'chacha20'): RoundParameters {
  return { ...cfg, round, sites: graph.sites, numShares: graph.numShares, threshold: graph.threshold, dimension: d, prg };
}

const STAGES: DropoutStage[] = ['before-share-keys', 'before-masked-input', 'before-unmask'];

describe('masking protocol: exact sums', () => {
  const cfg = FLOWER_FIXED_POINT_DEFAULTS;
  const n = 6;
  const d = 40;
  const updates = updatesOf(n, d, 1);
  const weights = [120, 300, 80, 999, 1000, 45];

  for (const kind of ['complete', 'k-regular'] as const) {
    const graph = buildGraph(n, { kind, numShares: 5, reconstructionThreshold: 3, seed: 7, round: 1 });
    const params = paramsOf(cfg, graph, d);
    test(`${kind}: every number of dropouts before masked input, 0..${n}: exact sum when survivable, typed abort otherwise`, async () => {
      let exact = 0;
      let aborted = 0;
      for (let m = 0; m <= n; m++) {
        // Drop sites 0..m-1 (a fixed, reproducible choice) after they shared keys.
        const dropouts = new Map<number, DropoutStage>([...Array(m).keys()].map((u) => [u, 'before-masked-input']));
        if (survivable(graph, dropouts)) {
          const out = await runRound(params, graph, updates, weights, 11 + m, dropouts);
          const contributors = contributorsOf(n, dropouts);
          assert.deepEqual(out.contributors, contributors);
          assert.deepEqual(out.words, plaintextQuantizedSum(cfg, updates, weights, contributors, 11 + m));
          assert.deepEqual(out.droppedAfterKeySharing, [...Array(m).keys()]);
          exact++;
        } else {
          await assert.rejects(runRound(params, graph, updates, weights, 11 + m, dropouts), (e: unknown) => e instanceof SecureAggregationAborted && e.reason === 'below-threshold' && e.exitCode === 3);
          aborted++;
        }
      }
      assert.ok(exact >= 3, `at least 0, 1, 2 dropouts survive with t = 3 (found ${exact})`);
      assert.ok(aborted >= 1, 'dropping every site aborts');
    });
  }

  test('dropouts at each stage, mixed, on the complete graph', async () => {
    const graph = buildGraph(n, { kind: 'complete', reconstructionThreshold: 3, seed: 0 });
    const params = paramsOf(cfg, graph, d);
    const dropouts = new Map<number, DropoutStage>([
      [1, 'before-share-keys'],
      [2, 'before-masked-input'],
      [4, 'before-unmask'],
    ]);
    assert.ok(survivable(graph, dropouts));
    const out = await runRound(params, graph, updates, weights, 5, dropouts);
    assert.deepEqual(out.contributors, [0, 3, 4, 5]);
    assert.deepEqual(out.droppedBeforeKeySharing, [1]);
    assert.deepEqual(out.droppedAfterKeySharing, [2]);
    assert.deepEqual(out.droppedAfterInput, [4]);
    assert.deepEqual(out.words, plaintextQuantizedSum(cfg, updates, weights, [0, 3, 4, 5], 5));
  });

  test('the decoded mean is the weighted mean of the updates within the stated bound', async () => {
    const agg = new MaskingAggregator(maskingDefaults({ graph: 'complete', reconstructionThreshold: 4 }), n);
    const r = await agg.sum({ updates, weights, round: 3, rng: rngOf(3) });
    assert.equal(r.contributors.length, n);
    assert.equal(r.clippedCount, 0);
    // The protocol carries weights rounded to multiples of maxWeight / 2^22: use those in the reference.
    const carried = weights.map((w) => (Math.round((w / 1000) * 2 ** 22) / 2 ** 22) * 1000);
    const total = carried.reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(r.weightTotal - total) < 1e-9 * total);
    for (let i = 0; i < d; i++) {
      let ref = 0;
      for (let u = 0; u < n; u++) ref += carried[u] * updates[u][i];
      assert.ok(Math.abs(r.weightedSum[i] - ref) <= r.meanAbsErrorBound * total, `weighted sum ${i}: ${r.weightedSum[i]} vs ${ref}`);
      assert.ok(Math.abs(r.mean[i] - ref / total) <= r.meanAbsErrorBound, `coordinate ${i}: ${r.mean[i]} vs ${ref / total}`);
    }
    // The bound is n quanta over Σ dq: tight enough to matter (a quantum is 2·8/2^22 ≈ 3.8e-6).
    assert.ok(r.meanAbsErrorBound < 1e-4);
  });
});

describe('masking protocol: refusals', () => {
  const cfg = FLOWER_FIXED_POINT_DEFAULTS;
  const n = 5;
  const d = 16;
  const updates = updatesOf(n, d, 2);
  const weights = [10, 20, 30, 40, 50];
  const graph = buildGraph(n, { kind: 'complete', reconstructionThreshold: 3, seed: 0 });
  const params = paramsOf(cfg, graph, d);

  test('a tampered share in an unmask response fails the round (commitment mismatch), no sum', async () => {
    const flip = (site: number, msg: Uint8Array) => {
      if (site !== 2) return msg;
      const m = msg.slice();
      m[m.length - 5] ^= 0x01; // inside the last share's bytes
      return m;
    };
    await assert.rejects(runRound(params, graph, updates, weights, 1, new Map(), { unmaskResponse: flip }), (e: unknown) => e instanceof SecureAggregationAborted && e.reason === 'tampered-share' && /does not match its commitment/.test(e.message));
  });

  test('a tampered share of a dropped site (mask key) fails the round', async () => {
    const dropouts = new Map<number, DropoutStage>([[0, 'before-masked-input']]);
    // Responses list active owners first, then dead ones: the last share is site 0's mask-key share.
    const flip = (_site: number, msg: Uint8Array) => {
      const m = msg.slice();
      m[m.length - 1] ^= 0x80;
      return m;
    };
    await assert.rejects(runRound(params, graph, updates, weights, 1, dropouts, { unmaskResponse: flip }), (e: unknown) => e instanceof SecureAggregationAborted && e.reason === 'tampered-share');
  });

  test('a forwarded share altered in transit is caught by its authentication tag', async () => {
    const flip = (site: number, msg: Uint8Array) => {
      if (site !== 1) return msg;
      const m = msg.slice();
      m[m.length - 20] ^= 0xff;
      return m;
    };
    await assert.rejects(runRound(params, graph, updates, weights, 1, new Map(), { forward: flip }), (e: unknown) => e instanceof SecureAggregationAborted && e.reason === 'tampered-share');
  });

  test('a site refuses to reveal both shares of one neighbour', async () => {
    // Rewrite site 3's request so that site 0 is listed alive and dead.
    const both = (site: number, msg: Uint8Array) => {
      if (site !== 3) return msg;
      const dv = new DataView(msg.buffer, msg.byteOffset);
      const nActive = dv.getUint32(1, true);
      const m = new Uint8Array(msg.length + 4);
      m.set(msg.subarray(0, 5 + 4 * nActive));
      const o = 5 + 4 * nActive;
      new DataView(m.buffer).setUint32(o, 1, true);
      new DataView(m.buffer).setUint32(o + 4, 0, true);
      return m.subarray(0, o + 8);
    };
    await assert.rejects(runRound(params, graph, updates, weights, 1, new Map(), { unmaskRequest: both }), (e: unknown) => e instanceof SecureAggregationAborted && /both shares/.test(e.message));
  });

  test('fewer survivors than the threshold: typed abort (exit 3), from the aggregator too', async () => {
    const agg = new MaskingAggregator(maskingDefaults({ graph: 'complete', reconstructionThreshold: 4 }), n);
    const dropouts = new Map<number, DropoutStage>([
      [0, 'before-unmask'],
      [1, 'before-unmask'],
    ]);
    await assert.rejects(agg.sum({ updates, weights, round: 1, rng: rngOf(1), dropouts }), (e: unknown) => e instanceof SecureAggregationAborted && e.reason === 'below-threshold' && e.exitCode === 3);
  });

  test('settings that could wrap the sum are refused with exit 2', () => {
    assert.throws(() => new MaskingAggregator(maskingDefaults({ modulusRange: 2 ** 24 }), 5), (e: unknown) => e instanceof SecAggConfigError && e.exitCode === 2 && /2\^25/.test(e.message));
    assert.throws(() => new MaskingAggregator(maskingDefaults({ modulusRange: 3e9 }), 5), SecAggConfigError);
    assert.throws(() => new MaskingAggregator(maskingDefaults({ reconstructionThreshold: 9 }), 5), /at most numShares/);
  });

  test('a weight above maxWeight is refused, not wrapped', async () => {
    const agg = new MaskingAggregator(maskingDefaults({ maxWeight: 25 }), n);
    await assert.rejects(agg.sum({ updates, weights, round: 1, rng: rngOf(1) }), (e: unknown) => e instanceof SecAggConfigError && /exceeds maxWeight 25/.test(e.message));
  });

  test('clipping is counted: values beyond ±clippingRange after weighting saturate', async () => {
    const big = updates.map((u) => u.slice());
    big[1][0] = 1e6;
    big[3][5] = -1e6;
    const agg = new MaskingAggregator(maskingDefaults({ maxWeight: 50 }), n);
    const r = await agg.sum({ updates: big, weights, round: 1, rng: rngOf(1) });
    assert.equal(r.clippedCount, 2);
    assert.deepEqual(r.clippedPerSite, [0, 1, 0, 1, 0]);
  });
});

/** Upper 1e-4 quantile of χ²(k) by the Wilson–Hilferty approximation (z = 3.719). */
function chiSquareCritical(k: number): number {
  const z = 3.719;
  const a = 2 / (9 * k);
  return k * (1 - a + z * Math.sqrt(a)) ** 3;
}

function chiSquareTopByte(words: Uint32Array, bits: number): number {
  const counts = new Float64Array(256);
  for (const w of words) counts[Math.floor(w / 2 ** (bits - 8))]++;
  const e = words.length / 256;
  let x = 0;
  for (const c of counts) x += ((c - e) * (c - e)) / e;
  return x;
}

describe('masked words look uniform', () => {
  for (const modulusRange of [2 ** 32, 2 ** 26]) {
    const bits = Math.log2(modulusRange);
    test(`chi-square of the top byte of one masked vector (all-zero update, ${bits}-bit words) passes at 1e-4; the unmasked encoding fails`, async () => {
      const n = 4;
      const d = 25600;
      const cfg = { ...FLOWER_FIXED_POINT_DEFAULTS, modulusRange };
      const graph = buildGraph(n, { kind: 'complete', reconstructionThreshold: 2, seed: 0 });
      const params = paramsOf(cfg, graph, d);
      const server = new MaskingServer(params, graph);
      const sites = [0, 1, 2, 3].map((u) => new MaskingSite(u));
      const nk = server.receiveKeys(sites.map((s) => s.setup(server.setupMessage())));
      const shares = [];
      for (const [u, m] of nk) shares.push(await sites[u].shareKeys(m));
      const fwd = server.receiveShares(shares);
      const zero = new Float64Array(d);
      const masked = sites[0].maskedInput(fwd.get(0)!, zero, 100, rngOf(1));
      const words = unpackWords(masked.bytes.subarray(5), d + 1, bits);
      const stat = chiSquareTopByte(words, bits);
      assert.ok(stat < chiSquareCritical(255), `masked: χ² = ${stat.toFixed(1)} vs ${chiSquareCritical(255).toFixed(1)}`);
      // The same test rejects the plaintext encoding (every word is T/2): it can fail.
      const plain = plaintextQuantizedSum(cfg, [zero], [100], [0], 1);
      assert.ok(chiSquareTopByte(plain, bits) > chiSquareCritical(255));
    });
  }
});

describe('fast-check: random sizes, graphs and dropouts', () => {
  test('the round either returns the exact plaintext quantized sum or aborts below threshold, as the survivability rule says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 7 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom<'complete' | 'k-regular'>('complete', 'k-regular'),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 7, maxLength: 7 }),
        fc.constantFrom(2 ** 26, 2 ** 32),
        fc.constantFrom<MaskPrg>('chacha20', 'aes-256-ctr'),
        async (n, d, kind, seed, dropCodes, modulusRange, prg) => {
          const cfg: FixedPointConfig = { ...FLOWER_FIXED_POINT_DEFAULTS, modulusRange };
          const graph = buildGraph(n, { kind, numShares: 3, reconstructionThreshold: 2, seed, round: seed });
          const params = paramsOf(cfg, graph, d, seed, prg);
          const updates = updatesOf(n, d, seed, 3);
          const weights = Array.from({ length: n }, (_, u) => 1 + ((seed * 7 + u * 13) % 1000));
          const dropouts = new Map<number, DropoutStage>();
          for (let u = 0; u < n; u++) if (dropCodes[u] > 0) dropouts.set(u, STAGES[dropCodes[u] - 1]);
          if (survivable(graph, dropouts)) {
            const out = await runRound(params, graph, updates, weights, seed, dropouts);
            const contributors = contributorsOf(n, dropouts);
            assert.deepEqual(out.words, plaintextQuantizedSum(cfg, updates, weights, contributors, seed));
            // Decoding the exact words gives the same floats as decoding the plaintext reference.
            assert.deepEqual(decodeSum(out.words, contributors.length, cfg).mean, decodeSum(plaintextQuantizedSum(cfg, updates, weights, contributors, seed), contributors.length, cfg).mean);
          } else {
            await assert.rejects(runRound(params, graph, updates, weights, seed, dropouts), (e: unknown) => e instanceof SecureAggregationAborted && e.reason === 'below-threshold');
          }
        },
      ),
      { numRuns: 40, seed: 14 },
    );
  });
});

describe('the aggregator accepts masked inputs only (checked by the compiler)', () => {
  test('plain vectors or bytes do not type-check as inputs of the server or the CKKS aggregator', () => {
    const graph = buildGraph(3, { kind: 'complete', reconstructionThreshold: 2, seed: 0 });
    const server = new MaskingServer(paramsOf(FLOWER_FIXED_POINT_DEFAULTS, graph, 2), graph);
    const typeChecks = () => {
      // @ts-expect-error a plaintext update is not a MaskedInput
      server.receiveMaskedInputs([Float64Array.of(1, 2)]);
      // @ts-expect-error nor are bytes without the brand (only MaskingSite.maskedInput makes one)
      server.receiveMaskedInputs([{ from: 0, bytes: new Uint8Array(8) }]);
    };
    // Not run (the server is in the wrong stage anyway): tsc failing on a missing error is the test.
    assert.equal(typeof typeChecks, 'function');
  });
});
