/**
 * DP preprocessing statistics (privacy/dp-statistics.ts) against closed forms: the sensitivity by
 * brute force over neighbouring data sets, the RDP of the Gaussian mechanism (Mironov 2017,
 * Prop. 7) against the accountant at q = 1, the exact privacy profile of the Gaussian mechanism
 * (Balle & Wang 2018, Thm 8) against the Dwork & Roth 2014 Thm A.1 calibration and against the
 * RDP-derived ε, the noise scale per component, and the post-processing algebra.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  centredSums,
  dworkRothNoiseMultiplier,
  gaussianRdp,
  MissingBoundsError,
  releaseSiteStatistics,
  statisticsSensitivity,
  type SiteStatistics,
} from '../../src/privacy/dp-statistics.js';
import { computeRdp } from '../../src/privacy/accountant/rdp.js';
import { epsilonOfHistory } from '../../src/privacy/accountant/accountant.js';
import { erfc } from '../../src/random/normal.js';
import { BENCH_ORDERS } from '../../src/bench/privacy-arms.js';
import { assertNormalWithSd, SeededGaussianNoise } from './seeded-noise.js';

const Phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
/** Exact δ(ε) of the Gaussian mechanism with sensitivity 1 and noise sd σ (Balle & Wang 2018, Thm 8). */
const gaussianDelta = (epsilon: number, sigma: number) => Phi(1 / (2 * sigma) - epsilon * sigma) - Math.exp(epsilon) * Phi(-1 / (2 * sigma) - epsilon * sigma);

interface Record_ {
  num: (number | null)[];
  cat: number[]; // level index, -1 missing
}
const BOUNDS: [number, number][] = [
  [40, 110],
  [0, 30],
];
const LEVELS = 3;

/** The exact released vector, each entry divided by its per-record bound (1, h, h²). */
function normalizedVector(records: Record_[], numericCount: number, categoricalCount: number): number[] {
  const out: number[] = [records.length];
  for (let j = 0; j < numericCount; j++) {
    const [lo, hi] = BOUNDS[j];
    const h = (hi - lo) / 2;
    const s = centredSums(records.map((r) => r.num[j]).filter((v): v is number => v !== null), lo, hi);
    out.push(s.count, s.sum / h, s.sumSquares / (h * h));
  }
  for (let j = 0; j < categoricalCount; j++) {
    const counts = new Array<number>(LEVELS + 1).fill(0);
    for (const r of records) counts[r.cat[j] < 0 ? LEVELS : r.cat[j]]++;
    out.push(...counts);
  }
  return out;
}

const recordArb = fc.record({
  num: fc.tuple(fc.option(fc.double({ min: -500, max: 500, noNaN: true }), { nil: null }), fc.option(fc.double({ min: -100, max: 100, noNaN: true }), { nil: null })),
  cat: fc.tuple(fc.integer({ min: -1, max: LEVELS - 1 })),
});

describe('statisticsSensitivity', () => {
  test('no neighbour (one record added) moves the normalized vector further than Δ = √(1 + 3·numeric + categorical) (brute force)', () => {
    const delta = statisticsSensitivity(2, 1);
    assert.equal(delta, Math.sqrt(8));
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 12 }), recordArb, (base, extra) => {
        const a = normalizedVector(base as Record_[], 2, 1);
        const b = normalizedVector([...(base as Record_[]), extra as Record_], 2, 1);
        const dist = Math.hypot(...a.map((x, i) => x - b[i]));
        return dist <= delta * (1 + 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  test('a record at a bound in every column attains Δ exactly (the bound is tight)', () => {
    const worst: Record_ = { num: [110, 0], cat: [1] };
    const a = normalizedVector([], 2, 1);
    const b = normalizedVector([worst], 2, 1);
    assert.ok(Math.abs(Math.hypot(...a.map((x, i) => x - b[i])) - statisticsSensitivity(2, 1)) < 1e-12);
  });
});

describe('the Gaussian mechanism accounting', () => {
  test('RDP α/(2σ²) equals the accountant\'s sampled Gaussian at q = 1, one step, at every order', () => {
    for (const sigma of [0.5, 1, 3.7, 18.75]) {
      const rdp = computeRdp({ noiseMultiplier: sigma, sampleRate: 1, steps: 1, orders: BENCH_ORDERS });
      BENCH_ORDERS.forEach((alpha, i) => assert.ok(Math.abs(rdp[i] - gaussianRdp(alpha, sigma)) <= 1e-12 * Math.max(1, rdp[i]), `σ ${sigma} α ${alpha}: ${rdp[i]}`));
    }
  });

  test('classic conversion of one release is the closed form min over α of α/(2σ²) + ln(1/δ)/(α − 1), above the continuous optimum 1/(2σ²) + √(2 ln(1/δ))/σ', () => {
    for (const sigma of [2, 5, 18.75]) {
      const delta = 1e-5;
      const eps = epsilonOfHistory([{ noiseMultiplier: sigma, sampleRate: 1, steps: 1 }], delta, { orders: BENCH_ORDERS, conversion: 'classic' }).epsilon;
      const byHand = Math.min(...BENCH_ORDERS.map((a) => a / (2 * sigma * sigma) + Math.log(1 / delta) / (a - 1)));
      assert.ok(Math.abs(eps - byHand) <= 1e-12 * byHand, `${eps} vs ${byHand}`);
      const optimum = 1 / (2 * sigma * sigma) + Math.sqrt(2 * Math.log(1 / delta)) / sigma;
      assert.ok(eps >= optimum - 1e-12 && eps <= optimum * 1.05, `${eps} vs continuous optimum ${optimum}`);
    }
  });

  test('the ε the bench composes for one release is a valid (ε, δ) bound: the exact privacy profile δ(ε) is at most δ (Balle & Wang 2018)', () => {
    for (const sigma of [1, 4, 18.75, 50]) {
      for (const delta of [1e-5, 1e-7]) {
        const eps = epsilonOfHistory([{ noiseMultiplier: sigma, sampleRate: 1, steps: 1 }], delta, { orders: BENCH_ORDERS }).epsilon;
        assert.ok(gaussianDelta(eps, sigma) <= delta, `σ ${sigma}, δ ${delta}: exact δ(${eps}) = ${gaussianDelta(eps, sigma)}`);
        // and not absurdly loose: at 0.8 ε the exact δ already exceeds δ for these σ
        assert.ok(gaussianDelta(0.8 * eps, sigma) > delta, `σ ${sigma}: the bound is loose by more than 25 %`);
      }
    }
  });

  test('Dwork & Roth Thm A.1: σ = √(2 ln(1.25/δ))/ε is (ε, δ)-DP for ε < 1 (exact profile), and the RDP accountant needs no more noise', () => {
    for (const [epsilon, delta] of [
      [0.5, 1e-5],
      [0.1, 1e-6],
      [0.9, 1e-3],
    ]) {
      const sigma = dworkRothNoiseMultiplier(epsilon, delta);
      assert.equal(sigma, Math.sqrt(2 * Math.log(1.25 / delta)) / epsilon);
      assert.ok(gaussianDelta(epsilon, sigma) <= delta);
      const rdpEps = epsilonOfHistory([{ noiseMultiplier: sigma, sampleRate: 1, steps: 1 }], delta, { orders: BENCH_ORDERS }).epsilon;
      assert.ok(rdpEps <= epsilon, `RDP ε ${rdpEps} > ${epsilon} at the Thm A.1 σ`);
    }
    assert.throws(() => dworkRothNoiseMultiplier(1.5, 1e-5), /\(0, 1\)/);
  });
});

const exactStats = (values: number[], rows: number): SiteStatistics => ({
  siteId: 's',
  rows,
  numeric: { age_years: { count: values.length, sum: values.reduce((a, v) => a + v, 0), sumSquares: values.reduce((a, v) => a + v * v, 0), missing: rows - values.length } },
  categorical: { sex: { levels: ['F', 'M'], counts: [3, 2], missing: 1 } },
});
const constantNoise = (z: number) => ({ secure: false, fillGaussian: (out: Float64Array, sd: number) => out.fill(z * sd) });

describe('releaseSiteStatistics', () => {
  const values = [50, 61.5, 70, 88, 45];
  const opts = { noiseMultiplier: 2, bounds: { age_years: [40, 110] as [number, number] }, binaryColumns: new Set<string>() };

  test('with zero noise the release is the exact statistics of the clipped values (the centring is undone exactly)', () => {
    const out = releaseSiteStatistics(exactStats(values, 6), { numeric: { age_years: Float64Array.from(values) } }, { ...opts, noise: constantNoise(0) });
    const a = out.numeric.age_years;
    assert.equal(a.count, 5);
    assert.ok(Math.abs(a.sum - 314.5) < 1e-9);
    assert.ok(Math.abs(a.sumSquares - values.reduce((s, v) => s + v * v, 0)) < 1e-6);
    assert.equal(a.missing, 1);
    assert.deepEqual(out.categorical.sex, { levels: ['F', 'M'], counts: [3, 2], missing: 1 });
    assert.equal(out.rows, 6);
    // Clipping: 130 counts as 110, -3 as 40.
    const clipped = releaseSiteStatistics(exactStats([130, -3], 2), { numeric: { age_years: Float64Array.from([130, -3]) } }, { ...opts, noise: constantNoise(0) });
    assert.ok(Math.abs(clipped.numeric.age_years.sum - 150) < 1e-9);
    assert.ok(Math.abs(clipped.numeric.age_years.sumSquares - (110 * 110 + 40 * 40)) < 1e-6);
  });

  test('each entry gets noise sd σΔ times its bound (1 for counts, h for the centred sum, h² for the centred squares)', () => {
    const sd = 2 * statisticsSensitivity(1, 1); // σ Δ with one numeric and one categorical column
    const out = releaseSiteStatistics(exactStats(values, 6), { numeric: { age_years: Float64Array.from(values) } }, { ...opts, noise: constantNoise(1) });
    const h = 35;
    const m = 75;
    const count = Math.round(5 + sd);
    assert.equal(out.rows, Math.round(6 + sd));
    assert.equal(out.numeric.age_years.count, count);
    const centred = centredSums(values, 40, 110);
    const cSum = centred.sum + h * sd;
    assert.ok(Math.abs(out.numeric.age_years.sum - (cSum + m * count)) < 1e-9);
    const cSq = centred.sumSquares + h * h * sd;
    assert.ok(Math.abs(out.numeric.age_years.sumSquares - (cSq + 2 * m * cSum + m * m * count)) < 1e-6);
    assert.deepEqual(out.categorical.sex.counts, [Math.round(3 + sd), Math.round(2 + sd)]);
  });

  test('the noise drawn is N(0, (σΔ)²) per entry (seeded source, 4000 releases)', () => {
    const noise = new SeededGaussianNoise(5, 'stats', true);
    for (let i = 0; i < 4000; i++) releaseSiteStatistics(exactStats(values, 6), { numeric: { age_years: Float64Array.from(values) } }, { ...opts, noise });
    assertNormalWithSd(noise.produced, 2 * statisticsSensitivity(1, 1), 'release noise');
  });

  test('a numeric column without bounds is refused, naming it; binary columns default to [0, 1]', () => {
    const stats = exactStats(values, 6);
    assert.throws(() => releaseSiteStatistics(stats, { numeric: {} }, { ...opts, bounds: {}, noise: constantNoise(0) }), (e: unknown) => e instanceof MissingBoundsError && e.columns.join() === 'age_years');
    const binary: SiteStatistics = { siteId: 's', rows: 4, numeric: { diabetes: { count: 4, sum: 3, sumSquares: 3, missing: 0 } }, categorical: {} };
    const out = releaseSiteStatistics(binary, { numeric: { diabetes: Float64Array.from([1, 1, 0, 1]) } }, { ...opts, bounds: {}, binaryColumns: new Set(['diabetes']), noise: constantNoise(0) });
    assert.deepEqual(out.numeric.diabetes, { count: 4, sum: 3, sumSquares: 3, missing: 0 });
  });
});
