/**
 * The PRV accountant (Gopi, Lee & Wutschitz 2021) against Opacus's published value, the exact
 * (ε, δ) curve of the Gaussian mechanism (q = 1), an independent form of the PRV's CDF, and the
 * RDP accountant (PRV must be tighter).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrvAccountant, RdpAccountant, createAccountant, epsilonOfHistory, prvEpsilonSpent } from '../../../src/privacy/accountant/accountant.js';
import { noiseMultiplierFor } from '../../../src/privacy/accountant/calibrate.js';
import { alignedDomain, poissonSubsampledGaussianPrv, prvEpsilonOfHistory } from '../../../src/privacy/accountant/prv.js';
import { normalCdf } from '../../../src/random/normal.js';

/** Balle & Wang 2018, Theorem 8: the Gaussian mechanism with μ = Δ/σ is (ε, δ(ε))-DP exactly for this δ(ε). */
function gaussianDelta(mu: number, epsilon: number): number {
  return normalCdf(-epsilon / mu + mu / 2) - Math.exp(epsilon) * normalCdf(-epsilon / mu - mu / 2);
}

/** The exact ε at δ for μ-GDP (δ(ε) is decreasing): bisection to 1e-12. */
function gaussianEpsilon(mu: number, delta: number): number {
  let lo = 0;
  let hi = 200;
  while (hi - lo > 1e-12) {
    const mid = (lo + hi) / 2;
    if (gaussianDelta(mu, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

describe('PRV of the Poisson-subsampled Gaussian', () => {
  test('CDF (Gopi et al. Prop. B.4) equals (1−q)Φ(x*/σ) + qΦ((x*−1)/σ), x* = σ²·log((e^t − 1 + q)/q) + 1/2, and sf = 1 − cdf', () => {
    for (const [q, sigma] of [[0.04, 1.5], [0.3, 0.8], [1, 2], [0.001, 5]] as const) {
      const prv = poissonSubsampledGaussianPrv(q, sigma);
      for (const t of [-3, -0.05, -0.01, -1e-4, 0, 1e-4, 0.01, 0.3, 1, 4]) {
        let expected = 0;
        if (q === 1 || t > Math.log(1 - q)) {
          const x = sigma * sigma * Math.log((Math.exp(t) - 1 + q) / q) + 0.5;
          expected = (1 - q) * normalCdf(x / sigma) + q * normalCdf((x - 1) / sigma);
        }
        assert.ok(Math.abs(prv.cdf(t) - expected) < 1e-13, `q=${q} σ=${sigma} t=${t}: ${prv.cdf(t)} vs ${expected}`);
        assert.ok(Math.abs(prv.sf(t) - (1 - expected)) < 1e-13);
      }
    }
  });

  test('domain: aligned to the mesh, contains 0, even size (Opacus Domain.create_aligned)', () => {
    const d = alignedDomain(12.77, 6.5e-5);
    assert.equal(d.size % 2, 0);
    assert.equal(d.tMin, -d.zeroIndex * d.dt);
    assert.ok(d.tMin <= -12.77 && d.tMin + (d.size - 1) * d.dt >= 12.77);
  });
});

describe('PRV accountant', () => {
  test('Opacus tests/accountants_test.py test_prv_accountant: σ = 1.5, q = 0.04, int(90 // 0.04) = 2249 single steps, δ = 1e-5 → ε = 6.777395712150674', () => {
    // Python's 90 // 0.04 is 2249.0 (0.04 is a hair above 4/100), unlike the RDP test's int(90 / 0.04) = 2250.
    const acc = new PrvAccountant();
    for (let i = 0; i < 2249; i++) acc.step({ noiseMultiplier: 1.5, sampleRate: 0.04 });
    assert.deepEqual(acc.history, [{ noiseMultiplier: 1.5, sampleRate: 0.04, steps: 2249 }]);
    const spent = acc.getEpsilon(1e-5);
    // Opacus asserts 7 decimal places; we differ by ~1e-8 (scipy's quad vs our quadrature, rfft sizes).
    assert.ok(Math.abs(spent.epsilon - 6.777395712150674) < 1e-6, String(spent.epsilon));
    assert.equal(spent.accountant, 'prv');
    assert.ok(spent.prv && spent.prv.epsilonLower < spent.prv.epsilonEstimate && spent.prv.epsilonEstimate < spent.epsilon);
    assert.equal(spent.prv.deltaError, 1e-8);
    // Tighter than RDP on the same setting (Opacus's RDP test: 2250 steps → 7.329).
    const rdp = epsilonOfHistory([{ noiseMultiplier: 1.5, sampleRate: 0.04, steps: 2250 }], 1e-5).epsilon;
    const prv2250 = prvEpsilonSpent([{ noiseMultiplier: 1.5, sampleRate: 0.04, steps: 2250 }], 1e-5).epsilon;
    assert.ok(prv2250 < rdp - 0.5, `${prv2250} vs RDP ${rdp}`);
  });

  test('q = 1: brackets the exact ε of the composed Gaussian mechanism (Balle & Wang 2018 Thm 8, μ = √T/σ)', () => {
    for (const [sigma, steps, delta] of [[1, 1, 1e-5], [5, 100, 1e-5], [20, 1000, 1e-6], [2, 10, 1e-3]] as const) {
      const exact = gaussianEpsilon(Math.sqrt(steps) / sigma, delta);
      const spent = prvEpsilonSpent([{ noiseMultiplier: sigma, sampleRate: 1, steps }], delta);
      assert.ok(spent.prv!.epsilonLower <= exact && exact <= spent.epsilon, `σ=${sigma} T=${steps}: ${spent.prv!.epsilonLower} ≤ ${exact} ≤ ${spent.epsilon}`);
      // The estimate itself is far closer than the error budget.
      assert.ok(Math.abs(spent.prv!.epsilonEstimate - exact) < 0.01 / 4, `estimate ${spent.prv!.epsilonEstimate} vs exact ${exact}`);
    }
  });

  test('q = 1, heterogeneous history: Gaussians compose to μ² = Σ T_i/σ_i² (exercises multi-entry composition)', () => {
    const history = [
      { noiseMultiplier: 3, sampleRate: 1, steps: 20 },
      { noiseMultiplier: 6, sampleRate: 1, steps: 50 },
      { noiseMultiplier: 4, sampleRate: 1, steps: 7 },
    ];
    const mu = Math.sqrt(history.reduce((s, h) => s + h.steps / h.noiseMultiplier ** 2, 0));
    const exact = gaussianEpsilon(mu, 1e-5);
    const spent = prvEpsilonSpent(history, 1e-5);
    assert.ok(spent.prv!.epsilonLower <= exact && exact <= spent.epsilon);
    assert.ok(Math.abs(spent.prv!.epsilonEstimate - exact) < 0.0025, `${spent.prv!.epsilonEstimate} vs ${exact}`);
  });

  test('a history split into two equal entries gives the merged ε', () => {
    const merged = prvEpsilonOfHistory([{ noiseMultiplier: 1.1, sampleRate: 0.01, steps: 1000 }], 1e-5, { epsError: 0.01, deltaError: 1e-8 });
    const split = prvEpsilonOfHistory(
      [
        { noiseMultiplier: 1.1, sampleRate: 0.01, steps: 400 },
        { noiseMultiplier: 1.1, sampleRate: 0.01, steps: 600 },
      ],
      1e-5,
      { epsError: 0.01, deltaError: 1e-8 },
    );
    assert.ok(Math.abs(merged.upper - split.upper) < 1e-7, `${merged.upper} vs ${split.upper}`);
  });

  test('tighter than RDP on several settings', () => {
    const settings = [
      { noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040, delta: 1e-5 },
      { noiseMultiplier: 0.8, sampleRate: 0.01, steps: 1000, delta: 1e-5 },
      { noiseMultiplier: 2, sampleRate: 0.1, steps: 100, delta: 1e-6 },
      { noiseMultiplier: 1, sampleRate: 0.5, steps: 50, delta: 1e-5 },
      { noiseMultiplier: 3, sampleRate: 1, steps: 10, delta: 1e-5 },
    ];
    for (const { delta, ...h } of settings) {
      const rdp = epsilonOfHistory([h], delta).epsilon;
      const prv = prvEpsilonSpent([h], delta).epsilon;
      assert.ok(prv < rdp, `${JSON.stringify(h)}: PRV ${prv} vs RDP ${rdp}`);
    }
  });

  test('monotone in steps and in the sampling rate, decreasing in σ', () => {
    const eps = (noiseMultiplier: number, sampleRate: number, steps: number) => prvEpsilonSpent([{ noiseMultiplier, sampleRate, steps }], 1e-5).epsilon;
    const bySteps = [50, 100, 200, 400, 800].map((t) => eps(1, 0.02, t));
    for (let i = 1; i < bySteps.length; i++) assert.ok(bySteps[i] > bySteps[i - 1], bySteps.join(', '));
    const byRate = [0.005, 0.01, 0.02, 0.05].map((q) => eps(1, q, 200));
    for (let i = 1; i < byRate.length; i++) assert.ok(byRate[i] > byRate[i - 1], byRate.join(', '));
    const bySigma = [0.7, 1, 1.5, 3].map((s) => eps(s, 0.02, 200));
    for (let i = 1; i < bySigma.length; i++) assert.ok(bySigma[i] < bySigma[i - 1], bySigma.join(', '));
  });

  test('edge cases: no steps → 0; σ = 0 → ∞; q = 0 entries release nothing; bad error budgets are refused', () => {
    assert.equal(new PrvAccountant().getEpsilon(1e-5).epsilon, 0);
    const inf = new PrvAccountant({ history: [{ noiseMultiplier: 0, sampleRate: 0.1, steps: 3 }] }).getEpsilon(1e-5);
    assert.equal(inf.epsilon, Infinity);
    const h = { noiseMultiplier: 1.2, sampleRate: 0.05, steps: 300 };
    assert.equal(prvEpsilonSpent([h, { noiseMultiplier: 0.5, sampleRate: 0, steps: 100 }], 1e-5).epsilon, prvEpsilonSpent([h], 1e-5).epsilon);
    assert.throws(() => new PrvAccountant({ epsError: 0 }), /epsError/);
    assert.throws(() => new PrvAccountant({ deltaErrorFraction: 1 }), /deltaErrorFraction/);
    assert.throws(() => prvEpsilonSpent([h], 0), /δ|delta/);
  });

  test('projectEpsilon equals stepping then getEpsilon; createAccountant("prv")', () => {
    const acc = createAccountant('prv');
    assert.ok(acc instanceof PrvAccountant);
    acc.step({ noiseMultiplier: 1, sampleRate: 0.02, steps: 100 });
    const projected = acc.projectEpsilon({ noiseMultiplier: 1.5, sampleRate: 0.02, steps: 50 }, 1e-5);
    assert.equal(acc.history.length, 1);
    acc.step({ noiseMultiplier: 1.5, sampleRate: 0.02, steps: 50 });
    assert.equal(acc.getEpsilon(1e-5).epsilon, projected.epsilon);
    assert.throws(() => createAccountant('gdp' as never), /expected rdp or prv/);
  });

  test('calibration with the PRV accountant: never above the target, and less noise than RDP needs', () => {
    const common = { targetEpsilon: 3, delta: 1e-5, sampleRate: 0.02, steps: 300 };
    const prv = noiseMultiplierFor({ ...common, accountant: 'prv' });
    const rdp = noiseMultiplierFor({ ...common, accountant: () => new RdpAccountant() });
    assert.ok(prv.spent.epsilon <= 3 && prv.spent.epsilon >= 3 - 0.01, String(prv.spent.epsilon));
    assert.equal(prv.spent.accountant, 'prv');
    assert.ok(prv.noiseMultiplier < rdp.noiseMultiplier, `${prv.noiseMultiplier} vs ${rdp.noiseMultiplier}`);
  });
});
