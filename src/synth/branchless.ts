/**
 * Branch-free forms of the generator's per-patient decisions, bit for bit equal to the plain
 * forms. Why: the decisions depend on random draws, so a CPU cannot predict them, and V8 compiles
 * `c ? 1 : 0`, `Math.round` and most ternaries to jumps. A mispredicted jump costs ~15-20 cycles;
 * with ~60 such decisions per patient that was the largest single cost of the generator (a loop
 * of `Math.round(x)` on random x runs at ~7 ns/element; of `roundHalfUp(x)` at ~1.3 ns).
 * Comparisons converted with unary plus, `+(a < b)`, compile to a flag-setting instruction.
 */

/**
 * Math.round(x), identical for every double (ties toward +Infinity, -0 for x in [-0.5, -0],
 * NaN and infinities unchanged), without a data-dependent jump. ceil(x) - x is exact for all
 * doubles except x = 0.5 - 2^-54, where 1 - x rounds to 0.5: that one value is named.
 */
export function roundHalfUp(x: number): number {
  const t = Math.ceil(x);
  return t - (+(t - x > 0.5) | +(x === 0.49999999999999994));
}

/** An int32 v clamped to [0, hi] (hi >= 0) with shifts: min(max(v, 0), hi). */
export function clampInt(v: number, hi: number): number {
  const lo = v & ~(v >> 31);
  const over = lo - hi;
  return lo - (over & ~(over >> 31));
}
