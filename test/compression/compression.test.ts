/**
 * Compressors against closed forms: QSGD-style quantizers are unbiased (mean over many draws)
 * with variance equal to its exact per-coordinate value and within QSGD's bound; message sizes
 * equal their formulas; top-k's error feedback carries exactly what was not sent; random-k's
 * coordinates are shared and its estimate unbiased; fast-check over random sizes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { QsgdCompressor } from '../../src/compression/qsgd.js';
import { RandKCompressor, sharedCoordinates } from '../../src/compression/randk.js';
import { compressRound, createCompressor } from '../../src/compression/registry.js';
import { TopKCompressor } from '../../src/compression/topk.js';
import { IncompatibleOptionsError } from '../../src/compression/compatibility.js';
import { Xoshiro128, streamState } from '../../src/random/rng.js';

const rngOf = (seed: number, label = 'compression') => new Xoshiro128(streamState(seed, label));
const ctxOf = (seed: number, round = 1, site = 0) => ({ round, site, sharedSeed: 99, rng: rngOf(seed, `site-${site}`) });

describe('QSGD-style stochastic quantization', () => {
  for (const bits of [8, 4, 2] as const) {
    test(`q${bits}: unbiased, variance as computed per coordinate and within QSGD's bound`, () => {
      const q = new QsgdCompressor(bits, 16);
      const r = rngOf(bits, 'vector');
      const d = 48;
      const v = Float64Array.from({ length: d }, () => r.normal());
      v[5] = 0; // an exact zero stays zero
      const ctx = ctxOf(bits);
      const trials = 3000;
      const sum = new Float64Array(d);
      let sqErr = 0;
      for (let t = 0; t < trials; t++) {
        const x = q.decode(q.encode(v, q.newState(), ctx), d);
        for (let i = 0; i < d; i++) {
          sum[i] += x[i];
          sqErr += (x[i] - v[i]) ** 2;
        }
      }
      // Exact variance per coordinate: (m/s)² p(1 − p), m the bucket's float32 max-norm scale.
      const s = q.levels;
      let exactVar = 0;
      for (let i = 0; i < d; i++) {
        const start = Math.floor(i / 16) * 16;
        let m = 0;
        for (let j = start; j < start + 16; j++) m = Math.max(m, Math.abs(v[j]));
        m = Math.fround(m) < m ? Math.fround(m * (1 + 2 ** -23)) : Math.fround(m);
        const rr = (Math.abs(v[i]) / m) * s;
        const p = rr - Math.floor(rr);
        const var_i = (m / s) ** 2 * p * (1 - p);
        exactVar += var_i;
        const mean = sum[i] / trials;
        assert.ok(Math.abs(mean - v[i]) <= 5 * Math.sqrt(var_i / trials) + 1e-12, `q${bits} coordinate ${i}: mean ${mean} vs ${v[i]}`);
      }
      const empirical = sqErr / trials;
      assert.ok(Math.abs(empirical - exactVar) < 0.1 * exactVar + 1e-12, `q${bits}: E‖Q−v‖² ${empirical} vs exact ${exactVar}`);
      assert.ok(exactVar <= q.varianceBound(v), `q${bits}: ${exactVar} vs QSGD bound ${q.varianceBound(v)}`);
      assert.ok(empirical > 0, 'stochastic quantization moved something');
    });
  }

  test('message size is header + a float32 per bucket + bits per value, from the encoded bytes', () => {
    const d = 100_000;
    const v = Float64Array.from({ length: d }, (_, i) => Math.sin(i));
    for (const bits of [8, 4, 2] as const) {
      const q = new QsgdCompressor(bits);
      const msg = q.encode(v, q.newState(), ctxOf(1));
      assert.equal(msg.length, 1 + 4 + 1 + 4 + 4 * Math.ceil(d / 256) + Math.ceil((d * bits) / 8));
    }
    // q8 against a float32 upload: (1 + 4/256) / 4 ≈ 0.254 of the bytes.
    const q8 = new QsgdCompressor(8).encode(v, { residual: null }, ctxOf(1)).length;
    assert.ok(q8 / (4 * d) < 0.26);
  });
});

describe('top-k with error feedback', () => {
  test('sends the k largest |update + residual|; the residual carries exactly what was not sent', () => {
    const c = new TopKCompressor(0.25);
    const st = c.newState(8);
    const u1 = Float64Array.of(0.1, -5, 0.3, 2, -0.2, 0.05, 0.4, -0.35);
    const x1 = c.decode(c.encode(u1, st, ctxOf(1)), 8);
    assert.deepEqual([...x1], [0, -5, 0, 2, 0, 0, 0, 0]);
    assert.deepEqual([...st.residual!], [0.1, 0, 0.3, 0, -0.2, 0.05, 0.4, -0.35]);
    // Round 2: small update; the residual of coordinate 6 (0.4) plus 0.3 now wins.
    const u2 = Float64Array.of(0, 0, 0, 0, 0, 0, 0.3, 0);
    const x2 = c.decode(c.encode(u2, st, ctxOf(1)), 8);
    assert.equal(x2[6], Math.fround(0.7));
    assert.equal(x2[7], Math.fround(-0.35));
  });

  test('over many rounds, Σ decoded + residual = Σ updates (nothing is lost)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 1, max: 6 }), fc.integer(), (d, f, rounds, seed) => {
        const c = new TopKCompressor(f);
        const st = c.newState(d);
        const r = rngOf(seed);
        const sent = new Float64Array(d);
        const total = new Float64Array(d);
        for (let t = 0; t < rounds; t++) {
          const u = Float64Array.from({ length: d }, () => r.normal());
          const msg = c.encode(u, st, ctxOf(1));
          const k = Math.max(1, Math.min(d, Math.ceil(f * d)));
          const x = c.decode(msg, d);
          assert.ok(x.filter((v) => v !== 0).length <= k);
          for (let i = 0; i < d; i++) {
            sent[i] += x[i];
            total[i] += u[i];
          }
        }
        for (let i = 0; i < d; i++) assert.ok(Math.abs(sent[i] + st.residual![i] - total[i]) < 1e-9, `coordinate ${i}`);
      }),
      { numRuns: 60, seed: 8 },
    );
  });

  test('message bytes: header + k + varint gaps + float32 values', () => {
    const d = 100_000;
    const c = new TopKCompressor(0.01);
    const v = Float64Array.from({ length: d }, (_, i) => Math.sin(i * 1.3));
    const msg = c.encode(v, c.newState(d), ctxOf(1));
    // 1000 values: 4000 bytes; 1000 gaps averaging 100 need 1–2 varint bytes: between 9 and 10 kB overall.
    assert.ok(msg.length > 1 + 4 + 4 + 4000 + 1000 && msg.length < 1 + 4 + 4 + 4000 + 2000, `${msg.length}`);
  });
});

describe('random-k with a shared seed', () => {
  test('every site uses the same coordinates in a round; rounds differ; no index is sent', () => {
    const c = new RandKCompressor(0.1);
    const d = 1000;
    const a = sharedCoordinates(d, 100, 99, 3);
    assert.deepEqual(a, sharedCoordinates(d, 100, 99, 3));
    assert.notDeepEqual(a, sharedCoordinates(d, 100, 99, 4));
    assert.equal(new Set(a).size, 100);
    const v = Float64Array.from({ length: d }, (_, i) => i + 1);
    const msg = c.encode(v, c.newState(), ctxOf(1, 3, 0));
    assert.equal(msg.length, 1 + 4 + 4 + 4 * 100);
    const x = c.decode(msg, d, ctxOf(7, 3, 5)); // another site's context: same round, same seed
    for (const i of a) assert.equal(x[i], Math.fround(v[i] * 10));
  });

  test('unbiased: the mean over rounds of decode(encode(x)) tends to x', () => {
    const c = new RandKCompressor(0.2);
    const d = 20;
    const v = Float64Array.from({ length: d }, (_, i) => (i % 3) - 1 + 0.25);
    const rounds = 4000;
    const sum = new Float64Array(d);
    for (let t = 0; t < rounds; t++) {
      const x = c.decode(c.encode(v, c.newState(), ctxOf(1, t)), d, ctxOf(1, t));
      for (let i = 0; i < d; i++) sum[i] += x[i];
    }
    // Each coordinate is v·(d/k) with probability k/d: sd = |v|·√(d/k − 1).
    for (let i = 0; i < d; i++) assert.ok(Math.abs(sum[i] / rounds - v[i]) < (5 * Math.abs(v[i]) * 2) / Math.sqrt(rounds) + 1e-6, `coordinate ${i}`);
  });
});

describe('fast-check: every compressor on random sizes', () => {
  test('messages decode to the right dimension, sizes match what was sent, support rules hold', () => {
    fc.assert(
      fc.property(fc.constantFrom('q8', 'q4', 'q2', 'topk:0.1', 'randk:0.3', 'topk:1', 'randk:1'), fc.integer({ min: 1, max: 2000 }), fc.integer(), (spec, d, seed) => {
        const c = createCompressor(spec);
        const r = rngOf(seed);
        const updates = [0, 1, 2].map(() => Float64Array.from({ length: d }, () => r.normal()));
        const states = updates.map(() => c.newState(d));
        const out = compressRound(c, updates, states, 2, 5, [rngOf(1), rngOf(2), rngOf(3)]);
        for (const [u, x] of out.decoded.entries()) {
          assert.equal(x.length, d);
          if (spec.endsWith(':1')) for (let i = 0; i < d; i++) assert.equal(x[i], Math.fround(updates[u][i]));
        }
        if (c.sharedSupport) {
          const nz = (x: Float64Array) => [...x.keys()].filter((i) => x[i] !== 0).join();
          assert.equal(nz(out.decoded[0]), nz(out.decoded[1]));
        }
        assert.ok(out.bytesUpPerSite.every((b) => b > 0));
      }),
      { numRuns: 80, seed: 21 },
    );
  });

  test('bad specs are input errors (exit 2)', () => {
    for (const bad of ['q3', 'topk', 'topk:0', 'topk:1.5', 'randk:x', 'q8:1', 'zip']) {
      assert.throws(() => createCompressor(bad), (e: unknown) => e instanceof IncompatibleOptionsError && e.exitCode === 2, bad);
    }
  });
});
