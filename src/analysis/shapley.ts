/**
 * Data valuation over sites: exact Shapley values and leave-one-out from a value function over
 * coalitions (bit masks over n <= MAX_SHAPLEY_SITES players, all 2^n coalitions evaluated once),
 *   phi_i = sum_{S not containing i} |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)),
 * the formula of Shapley (1953). Exact: no permutation sampling.
 */
export const MAX_SHAPLEY_SITES = 10;

/** v(S) for every mask S in [0, 2^n). */
export function coalitionValues(n: number, value: (mask: number) => number): Float64Array {
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_SHAPLEY_SITES)) throw new RangeError(`exact Shapley needs 1..${MAX_SHAPLEY_SITES} players, got ${n}`);
  const v = new Float64Array(1 << n);
  for (let mask = 0; mask < 1 << n; mask++) v[mask] = value(mask);
  return v;
}

export function popcount(x: number): number {
  let c = 0;
  for (let m = x; m; m &= m - 1) c++;
  return c;
}

/** Exact Shapley values from the table of coalition values. */
export function shapleyFromValues(n: number, v: Float64Array): Float64Array {
  const fact = [1];
  for (let k = 1; k <= n; k++) fact[k] = fact[k - 1] * k;
  const phi = new Float64Array(n);
  for (let mask = 0; mask < 1 << n; mask++) {
    const s = popcount(mask);
    if (s === n) continue;
    const w = (fact[s] * fact[n - s - 1]) / fact[n];
    for (let i = 0; i < n; i++) if (!(mask & (1 << i))) phi[i] += w * (v[mask | (1 << i)] - v[mask]);
  }
  return phi;
}

/** Leave-one-out: v(N) - v(N without i). */
export function leaveOneOutFromValues(n: number, v: Float64Array): Float64Array {
  const all = (1 << n) - 1;
  return Float64Array.from({ length: n }, (_, i) => v[all] - v[all & ~(1 << i)]);
}
