/**
 * The PRV accountant's math: numerical composition of privacy loss random variables (PRVs) for
 * the Poisson-subsampled Gaussian mechanism, after Gopi, Lee & Wutschitz 2021, "Numerical
 * Composition of Differential Privacy" (NeurIPS 2021, arXiv:2106.02848), as Opacus implements it
 * (`opacus/accountants/prv.py`, `opacus/accountants/analysis/prv/{prvs,domain,compose}.py`):
 *
 * 1. Each history entry (σ, q) is a PRV Y with the closed-form CDF of the paper's Proposition B.4.
 * 2. A domain [−L, L] and a mesh h are chosen from the error budget (eps_error, delta_error):
 *    L from RDP bounds (paper Remark 5.6; Opacus `compute_safe_domain_size`), and
 *    h = eps_error / √(T·log(12/delta_error)/2) (paper Theorem 5.5 / Opacus `_get_domain`).
 * 3. Y is truncated to [−L, L], discretized to the mesh (mass of each bin at its centre), and the
 *    grid is shifted so that the discrete mean equals the truncated PRV's mean (paper Section 5.2:
 *    the mean-preserving discretization that the error analysis needs).
 * 4. The T-fold compositions are T-th powers in the Fourier domain (here one radix-2 FFT of the
 *    smallest power-of-two length ≥ the grid; Opacus uses scipy's rfft of the grid length: both
 *    are circular convolutions that only differ in where the mass outside [−L, L], which the
 *    domain choice bounds by ~delta_error, wraps to).
 * 5. δ(ε) = E[(1 − e^{ε−Y})₊] is solved for ε on the composed PMF, and the reported ε is the
 *    paper's upper bound: ε(δ − delta_error) + eps_error (Theorem 5.5), as Opacus `get_epsilon`.
 */
import { erfc } from '../../random/normal.js';
import { epsilonOfHistory, type HistoryEntry } from './accountant.js';
import { fft, ifft, nextPowerOfTwo } from './fft.js';
import { AccountantInputError } from './input-error.js';

export interface PrvErrorBudget {
  /** Allowed error in ε (Opacus default 0.01). */
  epsError: number;
  /** Allowed error in δ (Opacus default δ/1000). */
  deltaError: number;
}

/** CDF and survival function (1 − CDF) of the PRV of one Poisson-subsampled Gaussian step. */
export interface PrvDistribution {
  cdf(t: number): number;
  sf(t: number): number;
}

/**
 * The PRV Y = log(P(o)/Q(o)), o ~ P, of the Poisson-subsampled Gaussian with sampling rate q and
 * noise multiplier σ, P = (1−q)N(0, σ²) + qN(1, σ²), Q = N(0, σ²): Gopi et al. 2021 Proposition B.4
 * (Opacus `PoissonSubsampledGaussianPRV.cdf`). With z = log((e^t + q − 1)/q):
 * CDF(t) = 1 − q·erfc((2zσ² − 1)/(2√2σ))/2 − (1−q)·erfc((2zσ² + 1)/(2√2σ))/2 for t > log(1−q), else 0.
 * The survival function is computed directly (not as 1 − CDF) so the upper tail, which δ is made
 * of, keeps its relative precision.
 */
export function poissonSubsampledGaussianPrv(sampleRate: number, noiseMultiplier: number): PrvDistribution {
  const q = sampleRate;
  const sigma = noiseMultiplier;
  if (!(q > 0 && q <= 1)) throw new AccountantInputError(`PRV: expected a sampling rate in (0, 1], found ${q}`);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new AccountantInputError(`PRV: expected a noise multiplier > 0, found ${sigma}`);
  const tLow = Math.log1p(-q); // −∞ for q = 1: Y is then Gaussian, N(1/(2σ²), 1/σ²)
  const s2 = sigma * sigma;
  const denom = 2 * Math.SQRT2 * sigma;
  // z = log(1 + (e^t − 1)/q), written with expm1/log1p for accuracy near t = 0.
  const zOf = (t: number) => Math.log1p(Math.expm1(t) / q);
  const sf = (t: number): number => {
    if (!(t > tLow)) return 1;
    const z = zOf(t);
    return (q * erfc((2 * z * s2 - 1) / denom) + (1 - q) * erfc((2 * z * s2 + 1) / denom)) / 2;
  };
  const cdf = (t: number): number => {
    if (!(t > tLow)) return 0;
    const z = zOf(t);
    // erfc(x) = 2 − erfc(−x): the lower tail is then also a sum of small positive terms.
    return (q * erfc(-(2 * z * s2 - 1) / denom) + (1 - q) * erfc(-(2 * z * s2 + 1) / denom)) / 2;
  };
  return { cdf, sf };
}

/** A regular grid t_i = tMin + i·dt, i = 0 … size−1, with an even size (Opacus `Domain`). */
export interface PrvDomain {
  /** −k·dt for an integer k (the grid contains 0). */
  tMin: number;
  dt: number;
  size: number;
  /** k = −tMin/dt. */
  zeroIndex: number;
}

/**
 * The largest grid the PRV accountant builds: 2^22 points. Time and memory grow with the grid
 * (measured on this project's 2-core machine: 1.4 M points 2 s, 5.3 M 13 s, 14 M 67 s, 28 M
 * 194 s, with about 8 arrays of 8 bytes per point), so a bigger grid looks like a hang. Beyond
 * it the request is refused as an input error: the RDP accountant, or a larger ε error (which
 * coarsens the mesh), answers the same question.
 */
export const MAX_PRV_GRID_POINTS = 2 ** 22;

/** Opacus `Domain.create_aligned(-L, L, dt)`: aligned to multiples of dt, size made even by adding a point on the right. */
export function alignedDomain(halfWidth: number, dt: number): PrvDomain {
  if (!(halfWidth > 0) || !(dt > 0) || !Number.isFinite(halfWidth / dt)) throw new AccountantInputError(`PRV domain: expected L > 0 and a mesh > 0, found L = ${halfWidth}, mesh = ${dt}`);
  const k = -Math.floor(-halfWidth / dt);
  const top = Math.ceil(halfWidth / dt);
  let size = k + top + 1;
  if (size % 2 === 1) size += 1;
  if (size > MAX_PRV_GRID_POINTS) {
    throw new AccountantInputError(`PRV domain: expected at most ${MAX_PRV_GRID_POINTS} grid points, found ${gridPoints(halfWidth, dt)} (L = ${halfWidth}, mesh = ${dt}); use the RDP accountant or a larger eps error`);
  }
  return { tMin: -k * dt, dt, size, zeroIndex: k };
}

/** A grid size for messages: an integer when it is one, otherwise rounded to 3 digits. */
function gridPoints(halfWidth: number, dt: number): string {
  const n = (2 * halfWidth) / dt;
  return n < 1e15 ? String(Math.ceil(n)) : n.toPrecision(3);
}

/**
 * The domain half-width L (Gopi et al. Remark 5.6; Opacus `compute_safe_domain_size`): the RDP ε
 * of the whole history at delta_error/4, and of each single step at delta_error/(8T), the largest
 * of these (and eps_error), plus 3.
 */
export function safeDomainHalfWidth(history: readonly HistoryEntry[], budget: PrvErrorBudget): number {
  const total = history.reduce((n, h) => n + h.steps, 0);
  let lMax = epsilonOfHistory(history, budget.deltaError / 4).epsilon;
  for (const h of history) {
    lMax = Math.max(lMax, epsilonOfHistory([{ ...h, steps: 1 }], budget.deltaError / (8 * total)).epsilon);
  }
  return Math.max(lMax, budget.epsError) + 3;
}

/** The mesh h = eps_error / √(T·log(12/delta_error)/2) (Opacus `_get_domain`). */
export function meshSize(totalSteps: number, budget: PrvErrorBudget): number {
  return budget.epsError / Math.sqrt((totalSteps * Math.log(12 / budget.deltaError)) / 2);
}

/** Adaptive Simpson quadrature to an absolute tolerance (for the truncated PRV's mean). */
function integrate(f: (t: number) => number, a: number, b: number, tolerance: number): number {
  const simpson = (fa: number, fm: number, fb: number, w: number) => (w / 6) * (fa + 4 * fm + fb);
  const recurse = (a: number, b: number, fa: number, fm: number, fb: number, whole: number, tol: number, depth: number): number => {
    const m = (a + b) / 2;
    const lm = (a + m) / 2;
    const rm = (m + b) / 2;
    const flm = f(lm);
    const frm = f(rm);
    const left = simpson(fa, flm, fm, m - a);
    const right = simpson(fm, frm, fb, b - m);
    const delta = left + right - whole;
    if (depth <= 0 || Math.abs(delta) <= 15 * tol) return left + right + delta / 15;
    return recurse(a, m, fa, flm, fm, left, tol / 2, depth - 1) + recurse(m, b, fm, frm, fb, right, tol / 2, depth - 1);
  };
  const fa = f(a);
  const fb = f(b);
  const fm = f((a + b) / 2);
  return recurse(a, b, fa, fm, fb, simpson(fa, fm, fb, b - a), tolerance, 48);
}

/**
 * A PRV truncated to [tMin, tMax] and discretized on the domain's grid: pmf[i] is the truncated
 * mass of [t_i − dt/2, t_i + dt/2) (Opacus `discretize` of a `TruncatedPrivacyRandomVariable`),
 * with `shift` = (continuous mean − discrete mean) by which the grid is moved right.
 */
export interface DiscretePrv {
  pmf: Float64Array;
  shift: number;
}

export function discretizePrv(prv: PrvDistribution, domain: PrvDomain): DiscretePrv {
  const { tMin, dt, size } = domain;
  const tMax = tMin + (size - 1) * dt;
  const cdfMin = prv.cdf(tMin);
  const sfMax = prv.sf(tMax);
  const remaining = prv.sf(tMin) - sfMax;
  // Truncated CDF and survival function, each from the side where it is small.
  const tCdf = (t: number) => (t < tMin ? 0 : t >= tMax ? 1 : Math.max(0, prv.cdf(t) - cdfMin) / remaining);
  const tSf = (t: number) => (t < tMin ? 1 : t >= tMax ? 0 : Math.max(0, prv.sf(t) - sfMax) / remaining);
  const pmf = new Float64Array(size);
  let prevCdf = 0;
  let prevSf = 1;
  let discreteMean = 0;
  for (let i = 0; i < size; i++) {
    const right = tMin + (i + 0.5) * dt;
    const c = tCdf(right);
    const s = tSf(right);
    // Below the median, differences of the CDF; above, of the survival function.
    pmf[i] = c < 0.5 ? c - prevCdf : prevSf - s;
    prevCdf = c;
    prevSf = s;
    discreteMean += (tMin + i * dt) * pmf[i];
  }
  // Mean of the truncated PRV: ∫ t dF = −∫_{tMin}^0 F + ∫_0^{tMax} (1 − F), split at Opacus's
  // break points (±1e-5 … ±0.1), where the CDF changes fastest.
  const breaks = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1];
  const lowerPoints = [tMin, ...breaks.map((b) => -b).reverse().filter((b) => b > tMin), 0];
  const upperPoints = [0, ...breaks.filter((b) => b < tMax), tMax];
  let mean = 0;
  for (let j = 0; j + 1 < lowerPoints.length; j++) mean -= integrate(tCdf, lowerPoints[j], lowerPoints[j + 1], 1e-15);
  for (let j = 0; j + 1 < upperPoints.length; j++) mean += integrate(tSf, upperPoints[j], upperPoints[j + 1], 1e-15);
  const shift = mean - discreteMean;
  if (!(Math.abs(shift) < dt / 2)) {
    throw new Error(`internal: PRV discretization moved the mean by ${shift}, more than half the mesh ${dt} (Opacus raises here too)`);
  }
  return { pmf, shift };
}

/** A composed PRV on the grid t_i = tMin + i·dt + shift. */
export interface ComposedPrv {
  pmf: Float64Array;
  domain: PrvDomain;
  shift: number;
}

/**
 * Composes discretized PRVs, each `steps` times (all on the same domain): the product of their
 * spectra raised to their step counts (powers in polar form), one inverse FFT, and the sum of
 * E = Σ steps grid indices mapped back to the grid: index j holds Σi = j + (E − 1)·k.
 */
export function composeDiscretePrvs(parts: readonly { prv: DiscretePrv; steps: number }[], domain: PrvDomain): ComposedPrv {
  const m = nextPowerOfTwo(domain.size);
  const accRe = new Float64Array(m).fill(1);
  const accIm = new Float64Array(m);
  let copies = 0;
  let shift = 0;
  for (const { prv, steps } of parts) {
    const re = new Float64Array(m);
    const im = new Float64Array(m);
    re.set(prv.pmf);
    fft(re, im);
    for (let k = 0; k < m; k++) {
      const r = Math.hypot(re[k], im[k]);
      const mag = r === 0 ? 0 : Math.exp(steps * Math.log(r));
      const phase = steps * Math.atan2(im[k], re[k]);
      const pr = mag * Math.cos(phase);
      const pi = mag * Math.sin(phase);
      const ar = accRe[k];
      accRe[k] = ar * pr - accIm[k] * pi;
      accIm[k] = ar * pi + accIm[k] * pr;
    }
    copies += steps;
    shift += steps * prv.shift;
  }
  ifft(accRe, accIm);
  const pmf = new Float64Array(domain.size);
  const offset = (((copies - 1) * domain.zeroIndex) % m + m) % m;
  for (let j = 0; j < domain.size; j++) pmf[j] = accRe[(j + offset) % m];
  return { pmf, domain, shift };
}

export interface PrvEpsilon {
  /** ε(δ + delta_error) − eps_error: the true ε is at least this. */
  lower: number;
  /** ε(δ) on the discretized composition. */
  estimate: number;
  /** ε(δ − delta_error) + eps_error: the true ε is at most this (the one to report). */
  upper: number;
}

/**
 * ε for δ on a composed PRV (Opacus `DiscretePRV.compute_epsilon`): with the tail sums
 * d1_i = Σ_{j≥i} p_j and d2_i = Σ_{j≥i} p_j e^{−t_j}, δ(ε) = d1_i − e^ε d2_i for ε in (t_{i−1}, t_i],
 * so ε(δ) = log((d1_i − δ)/d2_i) at the first i with e^{t_i} d2_i − d1_i ≥ −δ.
 */
export function epsilonOfComposedPrv(composed: ComposedPrv, delta: number, budget: PrvErrorBudget): PrvEpsilon {
  const { pmf, domain, shift } = composed;
  const n = domain.size;
  if (Number.EPSILON * n > delta - budget.deltaError) {
    throw new AccountantInputError(`PRV: δ = ${delta} is too small for ${n} grid points (floating-point error would dominate); raise δ or the eps error`);
  }
  const d1 = new Float64Array(n);
  const d2 = new Float64Array(n);
  let s1 = 0;
  let s2 = 0;
  for (let i = n - 1; i >= 0; i--) {
    const t = domain.tMin + i * domain.dt + shift;
    s1 += pmf[i];
    s2 += pmf[i] * Math.exp(-t);
    d1[i] = s1;
    d2[i] = s2;
  }
  const find = (target: number): number => {
    // ndelta_i = e^{t_i} d2_i − d1_i is non-decreasing in i: binary search for the first ≥ −target.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = domain.tMin + mid * domain.dt + shift;
      if (Math.exp(t) * d2[mid] - d1[mid] < -target) lo = mid + 1;
      else hi = mid;
    }
    if (lo <= 0) throw new Error(`internal: PRV cannot compute ε at δ = ${target}: the domain's lower end is already below it`);
    if (lo >= n) return Infinity;
    return Math.log((d1[lo] - target) / d2[lo]);
  };
  return {
    upper: find(delta - budget.deltaError) + budget.epsError,
    lower: find(delta + budget.deltaError) - budget.epsError,
    estimate: find(delta),
  };
}

export interface PrvResult extends PrvEpsilon {
  /** Grid points of the discretization. */
  domainSize: number;
  mesh: number;
  halfWidth: number;
}

/**
 * ε of a history of Poisson-subsampled Gaussian steps at δ (pure): Opacus `PRVAccountant.get_epsilon`.
 * Entries with q = 0 or no steps release nothing and are skipped; any step with σ = 0 and q > 0
 * gives ε = ∞.
 */
export function prvEpsilonOfHistory(history: readonly HistoryEntry[], delta: number, budget: PrvErrorBudget): PrvResult {
  if (!(budget.epsError > 0) || !Number.isFinite(budget.epsError)) throw new AccountantInputError(`PRV: expected an eps error > 0, found ${budget.epsError}`);
  if (!(budget.deltaError > 0 && budget.deltaError < delta)) throw new AccountantInputError(`PRV: expected a delta error in (0, δ), found ${budget.deltaError}`);
  const active = history.filter((h) => h.steps > 0 && h.sampleRate > 0);
  if (active.length === 0) return { lower: 0, estimate: 0, upper: 0, domainSize: 0, mesh: NaN, halfWidth: NaN };
  if (active.some((h) => h.noiseMultiplier === 0)) return { lower: Infinity, estimate: Infinity, upper: Infinity, domainSize: 0, mesh: NaN, halfWidth: NaN };
  const total = active.reduce((n, h) => n + h.steps, 0);
  const halfWidth = safeDomainHalfWidth(active, budget);
  const mesh = meshSize(total, budget);
  if (!((2 * halfWidth) / mesh < MAX_PRV_GRID_POINTS)) {
    const what = active.map((h) => `σ = ${h.noiseMultiplier}, q = ${h.sampleRate}, ${h.steps} step${h.steps === 1 ? '' : 's'}`).join('; ');
    throw new AccountantInputError(
      `PRV accountant: expected a discretization of at most ${MAX_PRV_GRID_POINTS} grid points, found ${gridPoints(halfWidth, mesh)} ` +
        `needed for ${what} at δ = ${delta} with ε error ${budget.epsError} (domain ±${halfWidth.toPrecision(4)}, mesh ${mesh.toPrecision(4)}); ` +
        `use the RDP accountant, or a larger ε error (the grid shrinks in proportion)`,
    );
  }
  const domain = alignedDomain(halfWidth, mesh);
  const parts = active.map((h) => ({ prv: discretizePrv(poissonSubsampledGaussianPrv(h.sampleRate, h.noiseMultiplier), domain), steps: h.steps }));
  const composed = composeDiscretePrvs(parts, domain);
  return { ...epsilonOfComposedPrv(composed, delta, budget), domainSize: domain.size, mesh, halfWidth };
}
