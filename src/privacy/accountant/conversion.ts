/**
 * RDP → (ε, δ)-DP conversions, minimized over the available orders. Pure functions.
 *
 * improved (default, as Opacus `get_privacy_spent`): Balle, Barthe, Gaboardi, Hsu & Sato (2020),
 *   "Hypothesis Testing Interpretations and Rényi Differential Privacy", AISTATS, Theorem 21
 *   (arXiv:1905.09982): an (α, ρ)-RDP mechanism is (ε, δ)-DP with
 *     ε = ρ + log((α − 1)/α) − (log δ + log α)/(α − 1).
 * classic: Mironov (2017), "Rényi Differential Privacy", CSF, Proposition 3:
 *     ε = ρ + log(1/δ)/(α − 1).
 *   TF Privacy's `get_privacy_spent` used it until 2020, so published TF Privacy figures (e.g.
 *   the MNIST tutorial's ε = 2.92) are classic-conversion numbers; the improved bound is always
 *   at most the classic one for the same RDP curve.
 */
import { checkOrders } from './rdp.js';
import { AccountantInputError } from './input-error.js';

export type RdpConversion = 'improved' | 'classic';

export interface RdpConversionResult {
  /** The smallest ε over the orders; ∞ when every order's RDP is infinite. */
  epsilon: number;
  /** The order α achieving it (NaN when ε is infinite). */
  alpha: number;
  /** e.g. the best α sits at the edge of the orders, so a wider range could be tighter. */
  warnings: string[];
}

export function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) throw new AccountantInputError(`delta: expected a number in (0, 1), found ${delta}`);
}

function minimize(orders: readonly number[], rdp: ArrayLike<number>, epsilonAt: (alpha: number, rho: number) => number, label: string): RdpConversionResult {
  checkOrders(orders);
  if (rdp.length !== orders.length) {
    throw new AccountantInputError(`rdp: expected one RDP value per order (${orders.length}), found ${rdp.length}`);
  }
  let best = -1;
  let bestEpsilon = Infinity;
  for (let k = 0; k < orders.length; k++) {
    const rho = rdp[k];
    if (Number.isNaN(rho) || rho < 0) throw new AccountantInputError(`rdp: expected values >= 0, found ${rho} at order ${orders[k]}`);
    const eps = epsilonAt(orders[k], rho);
    // Strict '<' keeps the first (smallest-index) minimum, like numpy's argmin.
    if (eps < bestEpsilon) {
      bestEpsilon = eps;
      best = k;
    }
  }
  if (best < 0) return { epsilon: Infinity, alpha: NaN, warnings: ['every RDP order is infinite: no privacy guarantee (is the noise multiplier 0?)'] };
  const warnings: string[] = [];
  if (orders.length > 1 && (best === 0 || best === orders.length - 1)) {
    const edge = best === 0 ? 'smallest' : 'largest';
    warnings.push(
      `the best Rényi order α = ${orders[best]} is the ${edge} of the orders tried (${label}): ` +
        `ε is valid but a wider range of orders could give a tighter bound`,
    );
  }
  // A negative bound (possible for δ near 1) still implies (0, δ)-DP: report 0, never below.
  return { epsilon: Math.max(0, bestEpsilon), alpha: orders[best], warnings };
}

/** Balle et al. 2020, Theorem 21 (the conversion Opacus uses), minimized over the orders. */
export function epsilonFromRdp(orders: readonly number[], rdp: ArrayLike<number>, delta: number): RdpConversionResult {
  checkDelta(delta);
  const logDelta = Math.log(delta);
  return minimize(orders, rdp, (a, rho) => rho - (logDelta + Math.log(a)) / (a - 1) + Math.log((a - 1) / a), `${orders[0]} to ${orders[orders.length - 1]}`);
}

/** Mironov 2017, Proposition 3 (TF Privacy's conversion until 2020), minimized over the orders. */
export function epsilonFromRdpClassic(orders: readonly number[], rdp: ArrayLike<number>, delta: number): RdpConversionResult {
  checkDelta(delta);
  const logInvDelta = -Math.log(delta);
  return minimize(orders, rdp, (a, rho) => rho + logInvDelta / (a - 1), `${orders[0]} to ${orders[orders.length - 1]}`);
}

export function convertRdp(conversion: RdpConversion, orders: readonly number[], rdp: ArrayLike<number>, delta: number): RdpConversionResult {
  return conversion === 'classic' ? epsilonFromRdpClassic(orders, rdp, delta) : epsilonFromRdp(orders, rdp, delta);
}
