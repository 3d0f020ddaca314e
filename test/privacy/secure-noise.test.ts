/**
 * The Gaussian noise sources: distribution (mean, variance, Kolmogorov–Smirnov, chi-square) for
 * the seeded source at fixed seeds, and for the secure source on a large sample with bounds whose
 * false-alarm probability is about 1e-5; the uniform construction at its extremes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createNoiseSource, SecureGaussianSource, SeededGaussianSource, type NoiseSource } from '../../src/privacy/secure-noise.js';
import { normalCdf } from '../../src/random/normal.js';

function moments(x: Float64Array) {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let m2 = 0;
  let m4 = 0;
  for (const v of x) {
    const d = v - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= x.length - 1;
  m4 /= x.length;
  return { mean, variance: m2, kurtosis: m4 / (m2 * m2) };
}

/** Kolmogorov–Smirnov statistic of x / sd against N(0, 1). */
function ksStatistic(x: Float64Array, sd: number): number {
  const z = Float64Array.from(x, (v) => v / sd).sort();
  let d = 0;
  for (let i = 0; i < z.length; i++) {
    const f = normalCdf(z[i]);
    d = Math.max(d, f - i / z.length, (i + 1) / z.length - f);
  }
  return d;
}

/** Pearson chi-square over 20 equiprobable bins of N(0, sd²) (19 degrees of freedom). */
function chiSquare(x: Float64Array, sd: number): number {
  const bins = 20;
  const counts = new Float64Array(bins);
  for (const v of x) counts[Math.min(bins - 1, Math.floor(normalCdf(v / sd) * bins))]++;
  const expected = x.length / bins;
  let chi = 0;
  for (const c of counts) chi += ((c - expected) * (c - expected)) / expected;
  return chi;
}

function draw(source: NoiseSource, n: number, sd: number): Float64Array {
  const out = new Float64Array(n);
  source.fillGaussian(out, sd);
  return out;
}

describe('seeded Gaussian source (tests and reproducibility only)', () => {
  test('is deterministic per (seed, labels), different across seeds and labels, and says it is not secure', () => {
    const a = draw(new SeededGaussianSource(7, ['site-a']), 1000, 1);
    assert.deepEqual(draw(new SeededGaussianSource(7, ['site-a']), 1000, 1), a);
    assert.notDeepEqual(draw(new SeededGaussianSource(8, ['site-a']), 1000, 1), a);
    assert.notDeepEqual(draw(new SeededGaussianSource(7, ['site-b']), 1000, 1), a);
    const s = createNoiseSource({ seed: 7 });
    assert.equal(s.secure, false);
    assert.match(s.name, /NOT secure/);
  });

  test('N(0, sd²) at fixed seeds: mean, variance, kurtosis, KS (α = 0.001) and chi-square (α = 0.001)', () => {
    const n = 200_000;
    for (const [seed, sd] of [[1, 1], [2, 2.5], [3, 0.01]]) {
      const x = draw(new SeededGaussianSource(seed), n, sd);
      const m = moments(x);
      assert.ok(Math.abs(m.mean) < 4 * sd / Math.sqrt(n), `mean ${m.mean}`);
      assert.ok(Math.abs(m.variance / (sd * sd) - 1) < 4 * Math.sqrt(2 / n), `variance ${m.variance}`);
      assert.ok(Math.abs(m.kurtosis - 3) < 4 * Math.sqrt(24 / n), `kurtosis ${m.kurtosis}`);
      assert.ok(ksStatistic(x, sd) < 1.949 / Math.sqrt(n), `KS ${ksStatistic(x, sd)}`);
      assert.ok(chiSquare(x, sd) < 43.82, `chi-square ${chiSquare(x, sd)}`); // χ²(19) 0.999 quantile
    }
  });

  test('addGaussian adds exactly the draws fillGaussian would write', () => {
    const filled = draw(new SeededGaussianSource(5), 257, 1.5);
    const target = Float64Array.from({ length: 257 }, (_, i) => i);
    new SeededGaussianSource(5).addGaussian(target, 1.5);
    for (let i = 0; i < 257; i++) assert.equal(target[i], i + filled[i]);
  });
});

describe('secure Gaussian source (node:crypto)', () => {
  test('is the default, reports secure = true, and two sources draw different noise', () => {
    const s = createNoiseSource();
    assert.equal(s.secure, true);
    assert.match(s.name, /node:crypto/);
    assert.notDeepEqual(draw(s, 64, 1), draw(createNoiseSource(), 64, 1));
  });

  test('a large sample is N(0, sd²): mean, variance, KS and chi-square within bounds of false-alarm rate ~1e-5', () => {
    const n = 1_000_000;
    const sd = 3;
    const x = draw(new SecureGaussianSource(), n, sd);
    const m = moments(x);
    assert.ok(Math.abs(m.mean) < 4.5 * sd / Math.sqrt(n), `mean ${m.mean}`);
    assert.ok(Math.abs(m.variance / (sd * sd) - 1) < 4.5 * Math.sqrt(2 / n), `variance ${m.variance}`);
    assert.ok(Math.abs(m.kurtosis - 3) < 5 * Math.sqrt(24 / n), `kurtosis ${m.kurtosis}`);
    assert.ok(ksStatistic(x, sd) < 2.45 / Math.sqrt(n), `KS ${ksStatistic(x, sd)}`); // P(√n D > 2.45) ≈ 1.2e-5
    assert.ok(chiSquare(x, sd) < 60, `chi-square ${chiSquare(x, sd)}`); // χ²(19) upper 2e-6 point ≈ 60
    // Box–Muller pairs are independent: lag-1 correlation ~ N(0, 1/n).
    let c = 0;
    for (let i = 1; i < n; i++) c += x[i] * x[i - 1];
    assert.ok(Math.abs(c / (n * sd * sd)) < 4.5 / Math.sqrt(n), `lag-1 correlation ${c / (n * sd * sd)}`);
  });

  test('uniforms use 52 bits and stay inside the open interval (0, 1) at the extreme words', () => {
    const zeros = new SecureGaussianSource((w) => w.fill(0));
    assert.equal(zeros.uniform(), 2 ** -53);
    const ones = new SecureGaussianSource((w) => w.fill(0xffffffff));
    const u = ones.uniform();
    assert.ok(u < 1, String(u));
    assert.equal(u, 1 - 2 ** -53);
    // Consecutive k are distinct doubles: the grid is exact.
    const k1 = new SecureGaussianSource((w) => w.fill(0).fill(1 << 6, 1, 2)).uniform(); // low word 64 → k = 1
    assert.equal(k1, 1.5 * 2 ** -52);
    // The largest |z| Box–Muller can produce: √(−2 ln(2^−53)) ≈ 8.57; it is finite.
    const z = new SecureGaussianSource((w) => w.fill(0)).normal();
    assert.ok(Number.isFinite(z) && Math.abs(z - Math.sqrt(-2 * Math.log(2 ** -53))) < 1e-9, String(z));
  });

  test('words are consumed across refills without reuse', () => {
    let calls = 0;
    let counter = 0;
    const src = new SecureGaussianSource((w) => {
      calls++;
      for (let i = 0; i < w.length; i++) w[i] = Math.imul(counter++, 2654435761) >>> 0;
    });
    const x = draw(src, 5000, 1); // 4 words per pair of normals: 10,000 words, 3 refills of 4096
    assert.equal(calls, 3);
    assert.equal(new Set(x).size, 5000);
  });

  test('a negative or non-finite sd is rejected', () => {
    assert.throws(() => createNoiseSource().fillGaussian(new Float64Array(2), -1), /sd: expected/);
    assert.throws(() => createNoiseSource({ seed: 1 }).addGaussian(new Float64Array(2), NaN), /sd: expected/);
    assert.throws(() => createNoiseSource({ seed: 1.5 }), /seed/);
  });
});
