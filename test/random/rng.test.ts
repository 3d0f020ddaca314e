import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalCdf } from '../../src/random/normal.js';
import { SiteStreams, Xoshiro128, streamState } from '../../src/random/rng.js';

function take(r: Xoshiro128, n: number): number[] {
  return Array.from({ length: n }, () => r.nextU32());
}

describe('stream derivation', () => {
  test('same labels give the same sequence (fresh objects, SiteStreams and raw states)', () => {
    const a = new Xoshiro128(streamState(42, 'site-a', 'age'));
    const b = new Xoshiro128(streamState(42, 'site-a', 'age'));
    assert.deepEqual(take(a, 1000), take(b, 1000));
    const s1 = new SiteStreams(42, 'site-a');
    const s2 = new SiteStreams(42, 'site-a');
    const u1 = Array.from({ length: 500 }, () => s1.get('mri').normal());
    const u2 = Array.from({ length: 500 }, () => s2.get('mri').normal());
    assert.deepEqual(u1, u2);
    assert.equal(s1.get('mri'), s1.get('mri'), 'a named stream is created once and then continues');
  });

  test('different site ids, seeds or stream names give different sequences', () => {
    const ref = take(new Xoshiro128(streamState(42, 'site-a', 'age')), 64);
    for (const other of [streamState(42, 'site-b', 'age'), streamState(43, 'site-a', 'age'), streamState(42, 'site-a', 'sex')]) {
      const seq = take(new Xoshiro128(other), 64);
      assert.notDeepEqual(seq, ref);
      // Not merely different: essentially no position agrees (chance 64 * 2^-32).
      assert.equal(seq.filter((v, i) => v === ref[i]).length, 0);
    }
  });

  test('labels are not ambiguous when concatenated (site "a-b"+"c" vs "a"+"b-c")', () => {
    const x = take(new Xoshiro128(streamState(1, 'a-b', 'c')), 8);
    const y = take(new Xoshiro128(streamState(1, 'a', 'b-c')), 8);
    assert.notDeepEqual(x, y);
  });

  test('nextU32 returns unsigned 32-bit integers', () => {
    const r = new Xoshiro128(streamState(5, 's', 'u32'));
    for (let i = 0; i < 100_000; i++) {
      const v = r.nextU32();
      assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
    }
  });
});

describe('uniform()', () => {
  test('stays strictly inside (0, 1) even for the extreme 32-bit outputs', () => {
    class Fixed extends Xoshiro128 {
      constructor(private readonly v: number) {
        super(new Uint32Array([1, 2, 3, 4]));
      }
      override nextU32(): number {
        return this.v;
      }
    }
    for (const v of [0, 0xffffffff]) {
      const u = new Fixed(v).uniform();
      assert.ok(u > 0 && u < 1, `uniform() = ${u} for nextU32 = ${v}`);
    }
  });

  test('1e6 draws in (0,1), mean 1/2 and KS distance to U(0,1) below the 1 % critical value', () => {
    const n = 1_000_000;
    const r = new Xoshiro128(streamState(2024, 'test', 'uniform'));
    const u = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = r.uniform();
      assert.ok(x > 0 && x < 1);
      u[i] = x;
      sum += x;
    }
    // SE of the mean of U(0,1) = sqrt(1/12 / n) = 2.9e-4; allow 5 SE.
    assert.ok(Math.abs(sum / n - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${sum / n}`);
    u.sort();
    let d = 0;
    for (let i = 0; i < n; i++) d = Math.max(d, (i + 1) / n - u[i], u[i] - i / n);
    assert.ok(d < 1.63 / Math.sqrt(n), `KS D = ${d}`);
  });
});

describe('ziggurat normal()', () => {
  const n = 1_000_000;
  const r = new Xoshiro128(streamState(777, 'test', 'ziggurat'));
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = r.normal();

  test('mean, variance, skewness and excess kurtosis of 1e6 draws', () => {
    let s1 = 0;
    for (let i = 0; i < n; i++) s1 += z[i];
    const mean = s1 / n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      const d = z[i] - mean;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    const skew = m3 / m2 ** 1.5;
    const exKurt = m4 / (m2 * m2) - 3;
    // Large-sample SEs for N(0,1): mean 1/sqrt(n) = 0.001, variance sqrt(2/n) = 0.0014,
    // skewness sqrt(6/n) = 0.0024, excess kurtosis sqrt(24/n) = 0.0049. Tolerance: 5 SE each.
    assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `variance ${m2}`);
    assert.ok(Math.abs(skew) < 5 * Math.sqrt(6 / n), `skewness ${skew}`);
    assert.ok(Math.abs(exKurt) < 5 * Math.sqrt(24 / n), `excess kurtosis ${exKurt}`);
  });

  test('Kolmogorov-Smirnov distance to normalCdf below 1.63/sqrt(n) (1 % critical value)', () => {
    const sorted = Float64Array.from(z).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = normalCdf(sorted[i]);
      d = Math.max(d, (i + 1) / n - f, f - i / n);
    }
    assert.ok(d < 1.63 / Math.sqrt(n), `KS D = ${d}, critical ${1.63 / Math.sqrt(n)}`);
  });

  test('tail beyond the base strip (|z| > 3.4426) has the right mass: the slow path works', () => {
    // P(|Z| > 3.442619855899) = 2 Phi(-3.4426) = 5.76e-4: ~576 of 1e6, binomial SD ~24.
    const R = 3.442619855899;
    const p = 2 * normalCdf(-R);
    let count = 0;
    let maxAbs = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(z[i]);
      if (a > R) count++;
      if (a > maxAbs) maxAbs = a;
    }
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(count - n * p) < 5 * sd, `tail count ${count}, expected ${n * p} +- ${sd}`);
    assert.ok(maxAbs > 4 && maxAbs < 7, `max |z| = ${maxAbs}`);
  });

  test('bin frequencies over [-4, 4] in 0.25 steps: chi-square below the 0.1 % critical value', () => {
    // 32 inner bins + 2 tails = 34 cells, 33 df; chi2(0.999, 33) = 63.9.
    const edges: number[] = [];
    for (let x = -4; x <= 4 + 1e-9; x += 0.25) edges.push(x);
    const counts = new Float64Array(edges.length + 1);
    for (let i = 0; i < n; i++) {
      const v = z[i];
      let k = 0;
      while (k < edges.length && v >= edges[k]) k++;
      counts[k]++;
    }
    let chi2 = 0;
    for (let k = 0; k <= edges.length; k++) {
      const lo = k === 0 ? 0 : normalCdf(edges[k - 1]);
      const hi = k === edges.length ? 1 : normalCdf(edges[k]);
      const e = n * (hi - lo);
      chi2 += (counts[k] - e) ** 2 / e;
    }
    assert.ok(chi2 < 63.9, `chi-square ${chi2}`);
  });

  test('normalByInversion: mean and variance of 2e5 draws', () => {
    const q = new Xoshiro128(streamState(9, 'test', 'inversion'));
    const m = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < m; i++) {
      const v = q.normalByInversion();
      s += v;
      s2 += v * v;
    }
    assert.ok(Math.abs(s / m) < 5 / Math.sqrt(m));
    assert.ok(Math.abs(s2 / m - 1) < 5 * Math.sqrt(2 / m));
  });
});
