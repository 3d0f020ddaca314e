/**
 * Rényi differential privacy (RDP) of the Poisson-subsampled Gaussian mechanism (SGM): pure
 * functions, no state.
 *
 * Source: Mironov, Talwar & Zhang (2019), "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism", arXiv:1908.10530. With sampling rate q and noise multiplier σ (noise standard
 * deviation over L2 sensitivity), the RDP at order α is log(A_α) / (α − 1), where
 *   A_α = E_{z∼μ0} [((1 − q) + q·μ1(z)/μ0(z))^α],  μ0 = N(0, σ²), μ1 = N(1, σ²)
 * (their Section 3.2, Theorem 4 for the add/remove-one adjacency). A_α is computed
 *  - for integer α by the binomial expansion of their Section 3.3:
 *      A_α = Σ_{i=0..α} C(α, i) (1 − q)^{α−i} q^i exp((i² − i) / (2σ²));
 *  - for fractional α by the two-sided series of their Section 3.4, splitting the integral at
 *      z0 = σ² log(1/q − 1) + 1/2 and summing until both terms drop below e^−30.
 * Everything is in log space so that large orders and tiny q neither overflow nor underflow.
 *
 * The numerics follow Opacus `opacus/accountants/analysis/rdp.py` (itself from TF Privacy's
 * `rdp_accountant.py`) term by term, so results agree with Opacus to rounding; differences:
 * log(1 − q) is computed as log1p(−q), and binomial coefficients are accumulated as log|C| with
 * a sign, so orders far above Opacus's 63 do not overflow.
 */
import { erfc } from '../../random/normal.js';
import { AccountantInputError } from './input-error.js';

/**
 * Opacus's default RDP orders (`RDPAccountant.DEFAULT_ALPHAS`):
 * [1 + x/10 for x in 1..99] + [12, 13, …, 63]. 1 + x/10 is computed exactly as in Python, so the
 * doubles are identical.
 */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, k) => 1 + (k + 1) / 10),
  ...Array.from({ length: 52 }, (_, k) => 12 + k),
]);

/**
 * The noise multipliers the accountant evaluates: σ in [1e-100, 1e100]. Outside it the series
 * below leave double precision: at σ = 1e-200, 2σ² underflows to 0, so (i² − i)/(2σ²) is 0/0 = NaN
 * at i = 0 and 1, and the fractional-order series, which stops when a term drops below e^−30,
 * never stops (NaN < −30 is false). At σ ≥ 1e-100 with orders α ≤ MAX_RDP_ORDER and
 * steps ≤ 2^53, every intermediate — α²/(2σ²) ≤ 5e207, steps × per-step RDP ≤ 5e219 — is a finite
 * double. Such σ carry no meaningful privacy anyway (σ = 1e-100 costs ε ≈ 1e199 per step).
 */
export const MIN_NOISE_MULTIPLIER = 1e-100;
export const MAX_NOISE_MULTIPLIER_ACCOUNTED = 1e100;
/**
 * The largest RDP order accepted. An integer order α costs α + 1 series terms; 1e4 is far beyond
 * any useful order (Opacus stops at 63 or 255; the bench at 512): the conversion term
 * log(1/δ)/(α − 1) is already below 0.07 at α = 1e4 for δ = 1e-300.
 */
export const MAX_RDP_ORDER = 1e4;

/** log(e^a + e^b) without overflow; −∞ stands for 0, +∞ absorbs everything. */
export function logAdd(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  // Without this, ∞ + ∞ would be log1p(e^(∞−∞)) + ∞ = NaN.
  if (lo === -Infinity || hi === Infinity) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/** log(e^a − e^b) for a ≥ b; −∞ stands for 0. */
export function logSub(a: number, b: number): number {
  if (a < b) throw new Error(`internal: log-space subtraction would be negative (log ${a} − log ${b})`);
  if (b === -Infinity) return a;
  if (a === Infinity) {
    if (b === Infinity) throw new Error('internal: log-space subtraction ∞ − ∞ is undefined');
    return Infinity;
  }
  if (a === b) return -Infinity;
  const d = a - b;
  // expm1 overflows past ~709; then e^a − e^b = e^a to double precision.
  if (d > 700) return a;
  return Math.log(Math.expm1(d)) + b;
}

const HALF_LOG_PI = 0.5 * Math.log(Math.PI);

/**
 * log(erfc(x)), accurate in the far right tail where erfc underflows (x > ~26): there the
 * continued fraction erfc(x) = e^{−x²} / (√π (x + K)) is evaluated in log space. Elsewhere the
 * project's erfc (Cody's rational approximations; relative error ~1e-15) is accurate.
 * Opacus computes the same quantity as log 2 + scipy.special.log_ndtr(−x√2).
 */
export function logErfc(x: number): number {
  if (x < 4) return Math.log(erfc(x));
  const x2 = x * x;
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
  return -x2 - HALF_LOG_PI - Math.log(x + f);
}

/** log A_α for integer α ≥ 1 (Mironov et al. 2019, Section 3.3); 0 < q < 1. */
export function logAIntegerOrder(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigma2 = 2 * sigma * sigma;
  let logA = -Infinity;
  let logBinom = 0; // log C(α, 0)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const s = logBinom + i * logQ + (alpha - i) * log1mQ + (i * i - i) / twoSigma2;
    logA = logAdd(logA, s);
  }
  return logA;
}

/**
 * A bound on the fractional-order series length. The terms decay like |C(α, i)| ~ i^(−α−1), so
 * they drop below e^−30 by i ≈ e^(30/(α+1)) ≤ 1.6e6 (α → 1); far beyond that something is wrong.
 */
const MAX_SERIES_TERMS = 2e7;

/** log A_α for fractional α > 1 (Mironov et al. 2019, Section 3.4); 0 < q < 1. */
export function logAFractionalOrder(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigma2 = 2 * sigma * sigma;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const LOG_HALF = Math.log(0.5);
  // The two halves of the integral, over (−∞, z0] and [z0, ∞), start at 0 (−∞ in log space).
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  // log(1/q − 1) as log(1 − q) − log q: 1/q overflows to ∞ for subnormal q.
  const z0 = sigma * sigma * (log1mQ - logQ) + 0.5;
  // The generalized binomial coefficient C(α, i) = Π_{k<i} (α − k)/(k + 1), kept as log|C| and
  // a sign: it changes sign each time i passes α, which is why the series subtracts terms.
  let logAbsCoef = 0;
  let coefSign = 1;
  for (let i = 0; ; i++) {
    if (i > MAX_SERIES_TERMS) {
      throw new Error(`internal: the RDP series for q = ${q}, σ = ${sigma}, α = ${alpha} did not converge in ${MAX_SERIES_TERMS} terms`);
    }
    if (i > 0) {
      const factor = (alpha - i + 1) / i;
      logAbsCoef += Math.log(Math.abs(factor));
      if (factor < 0) coefSign = -coefSign;
    }
    const j = alpha - i;
    const logT0 = logAbsCoef + i * logQ + j * log1mQ;
    const logT1 = logAbsCoef + j * logQ + i * log1mQ;
    const logE0 = LOG_HALF + logErfc((i - z0) / sqrt2Sigma);
    const logE1 = LOG_HALF + logErfc((z0 - j) / sqrt2Sigma);
    const logS0 = logT0 + (i * i - i) / twoSigma2 + logE0;
    const logS1 = logT1 + (j * j - j) / twoSigma2 + logE1;
    if (coefSign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    // A NaN term would make the stopping test below false forever: fail loudly instead.
    if (Number.isNaN(logS0) || Number.isNaN(logS1) || Number.isNaN(logA0) || Number.isNaN(logA1)) {
      throw new Error(`internal: the RDP series for q = ${q}, σ = ${sigma}, α = ${alpha} produced NaN at term ${i}`);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/**
 * RDP at order α of ONE step of the sampled Gaussian mechanism with sampling rate q and noise
 * multiplier σ. Special cases (as Opacus): q = 0 costs 0; σ = 0 is no privacy (∞); q = 1 is the
 * plain Gaussian mechanism, α / (2σ²) (Mironov 2017, "Rényi Differential Privacy", Table 2 /
 * Proposition 7); α = ∞ is ∞.
 */
export function rdpAtOrder(sampleRate: number, noiseMultiplier: number, alpha: number): number {
  if (sampleRate === 0) return 0;
  if (noiseMultiplier === 0) return Infinity;
  if (sampleRate === 1) return alpha / (2 * noiseMultiplier * noiseMultiplier);
  if (alpha === Infinity) return Infinity;
  const logA = Number.isInteger(alpha)
    ? logAIntegerOrder(sampleRate, noiseMultiplier, alpha)
    : logAFractionalOrder(sampleRate, noiseMultiplier, alpha);
  // RDP is >= 0; for large σ the series can round to a value like −1e-12. Rounding up to 0 is
  // the conservative direction (it can only raise ε).
  return Math.max(0, logA / (alpha - 1));
}

export interface RdpParameters {
  /** Poisson sampling rate q in [0, 1]. */
  sampleRate: number;
  /** Noise standard deviation over the L2 sensitivity (clip norm), σ ≥ 0. */
  noiseMultiplier: number;
  /** Number of compositions (non-negative integer). */
  steps: number;
  /** RDP orders α > 1; default: Opacus's. */
  orders?: readonly number[];
}

/** True when σ is 0 (no privacy, ε = ∞) or inside [MIN_NOISE_MULTIPLIER, MAX_NOISE_MULTIPLIER_ACCOUNTED]. */
export function isAccountableNoiseMultiplier(noiseMultiplier: number): boolean {
  return noiseMultiplier === 0 || (noiseMultiplier >= MIN_NOISE_MULTIPLIER && noiseMultiplier <= MAX_NOISE_MULTIPLIER_ACCOUNTED);
}

/** The message for a σ outside the accountable range (shared with the CLI and DP-SGD). */
export function noiseMultiplierRangeMessage(label: string, found: number): string {
  return (
    `${label}: expected 0 or a noise multiplier σ in [${MIN_NOISE_MULTIPLIER}, ${MAX_NOISE_MULTIPLIER_ACCOUNTED}], found ${found} ` +
    `(outside that range the privacy accountant cannot evaluate ε in double precision; a σ below 1e-100 gives no meaningful privacy)`
  );
}

/** Checks the parameters of one (σ, q, steps) block; throws AccountantInputError (exit 2) naming the bad one. */
export function checkRdpParameters(p: { sampleRate: number; noiseMultiplier: number; steps: number }): void {
  if (!(p.sampleRate >= 0 && p.sampleRate <= 1)) throw new AccountantInputError(`sampleRate: expected a number in [0, 1], found ${p.sampleRate}`);
  if (!(p.noiseMultiplier >= 0) || !Number.isFinite(p.noiseMultiplier)) {
    throw new AccountantInputError(`noiseMultiplier: expected a finite number >= 0, found ${p.noiseMultiplier}`);
  }
  if (!isAccountableNoiseMultiplier(p.noiseMultiplier)) throw new AccountantInputError(noiseMultiplierRangeMessage('noiseMultiplier', p.noiseMultiplier));
  // Beyond 2^53 an integer count is no longer exact, and steps × RDP could overflow to ∞.
  if (!Number.isSafeInteger(p.steps) || p.steps < 0) throw new AccountantInputError(`steps: expected an integer in [0, 2^53 − 1], found ${p.steps}`);
}

export function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0) throw new AccountantInputError('orders: expected at least one RDP order, found none');
  for (const a of orders) {
    if (!(a > 1 && a <= MAX_RDP_ORDER)) throw new AccountantInputError(`orders: expected every RDP order α in (1, ${MAX_RDP_ORDER}], found ${a}`);
  }
}

// Per-step RDP vectors over the default orders, keyed by (σ, q): the bench asks for ε after every
// round with the same few (σ, q) pairs, and a fractional order can need thousands of series terms.
const PER_STEP_CACHE = new Map<string, Float64Array>();
const PER_STEP_CACHE_LIMIT = 512;

function perStepRdp(sampleRate: number, noiseMultiplier: number, orders: readonly number[]): Float64Array {
  const cacheable = orders === DEFAULT_ORDERS;
  const key = `${noiseMultiplier}|${sampleRate}`;
  if (cacheable) {
    const hit = PER_STEP_CACHE.get(key);
    if (hit) return hit;
  }
  const out = new Float64Array(orders.length);
  for (let k = 0; k < orders.length; k++) out[k] = rdpAtOrder(sampleRate, noiseMultiplier, orders[k]);
  if (cacheable) {
    if (PER_STEP_CACHE.size >= PER_STEP_CACHE_LIMIT) PER_STEP_CACHE.clear();
    PER_STEP_CACHE.set(key, out);
  }
  return out;
}

/**
 * RDP of the SGM composed over `steps` steps, at each order: steps × per-step RDP (RDP composes
 * additively, Mironov 2017 Proposition 1). Opacus: `compute_rdp(q, noise_multiplier, steps, orders)`.
 */
export function computeRdp(p: RdpParameters): Float64Array {
  checkRdpParameters(p);
  const orders = p.orders ?? DEFAULT_ORDERS;
  checkOrders(orders);
  const perStep = perStepRdp(p.sampleRate, p.noiseMultiplier, orders);
  const out = new Float64Array(orders.length);
  // 0 steps cost 0, even at σ = 0 (0 × ∞ would be NaN).
  if (p.steps === 0) return out;
  for (let k = 0; k < orders.length; k++) out[k] = perStep[k] * p.steps;
  return out;
}
