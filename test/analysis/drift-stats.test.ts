/** Drift statistics against closed forms and brute force. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { categoricalChangePoint, kolmogorovQ, ksTest, psi, psiOfCounts, updateDrift } from '../../src/analysis/drift-stats.js';
import { chiSquareQuantile } from '../../src/analysis/enrollment-drift.js';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('psi', () => {
  test('counts: sum (a - e) ln(a / e) by hand', () => {
    const e = [50, 30, 20];
    const a = [30, 30, 40];
    const want = (0.3 - 0.5) * Math.log(0.3 / 0.5) + 0 + (0.4 - 0.2) * Math.log(0.4 / 0.2);
    close(psiOfCounts(e, a) as number, want, 1e-12);
  });

  test('the same sample gives 0; a shifted normal sample gives a large PSI', () => {
    const x = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    close(psi(x, x) as number, 0, 1e-12);
    assert.ok((psi(x, x.map((v) => v + 0.5)) as number) > 1);
  });
});

describe('ksTest', () => {
  test('statistic equals the brute-force sup |F_a - F_b| over all sample points', () => {
    const a = [0.1, 0.4, 0.4, 0.9, 1.3, 2.0];
    const b = [0.2, 0.4, 1.0, 1.1];
    const F = (s: number[], t: number) => s.filter((x) => x <= t).length / s.length;
    const brute = Math.max(...[...a, ...b].map((t) => Math.abs(F(a, t) - F(b, t))));
    close(ksTest(a, b)!.statistic, brute, 1e-15);
  });

  test('Q_KS at the 5 % critical value 1.358 is 0.05', () => {
    close(kolmogorovQ(1.3581), 0.05, 5e-4);
    close(kolmogorovQ(1.6276), 0.01, 2e-4);
  });
});

describe('categoricalChangePoint', () => {
  test('finds the period where the category mix switches', () => {
    const before = [90, 10, 0];
    const after = [0, 10, 90];
    const counts = [before, before, before, after, after];
    assert.equal(categoricalChangePoint(counts)!.period, 3);
  });

  test('chi-square quantile (Wilson-Hilferty) is within 1 % of the table: 99.9 % with 7 df is 24.32', () => {
    close(chiSquareQuantile(7, 3.0902), 24.32, 0.25);
  });
});

describe('updateDrift', () => {
  test('norm, distance and cosine of updates relative to the global model', () => {
    const g = Float64Array.of(1, 1);
    const d = updateDrift(g, Float64Array.of(2, 1), Float64Array.of(1, 2));
    close(d.norm, 1, 1e-15);
    close(d.distance, Math.SQRT2, 1e-15);
    close(d.cosine as number, 0, 1e-15);
    assert.equal(updateDrift(g, g, g).cosine, null);
  });
});
