/**
 * The empirical ε lower bound from ONE training run: Steinke, Nasr & Jagielski, "Privacy
 * Auditing with One (1) Training Run", NeurIPS 2023 (arXiv:2305.08846).
 *
 * Setting: m canaries, each included independently with probability ½ (S_i ∈ {−1, +1}); after
 * training, the auditor guesses T_i ∈ {−1, 0, +1} from the output (0: abstain), r = Σ|T_i|
 * guesses, W = number of correct guesses. Theorem 3 (main result, approximate DP): if the
 * training algorithm is (ε, δ)-DP in each canary then for every v
 *
 *     P[W ≥ v] ≤ f(v) + 2mδ · max_{i ∈ {1..m}} (f(v − i) − f(v)) / i,
 *     f(v) := P[W' ≥ v], W' ~ Binomial(r, e^ε / (e^ε + 1)).
 *
 * So the observed count v has p-value at most that right-hand side under the hypothesis
 * "(ε, δ)-DP"; the audit reports the largest ε the hypothesis is rejected for at level β
 * (0.05): ε̂ such that p(ε̂) < β. This is the paper's Algorithm 3 / its reference code
 * (`p_value_DP_audit`, `get_eps_audit`): f(v − i) − f(v) = P[v − i ≤ W' < v] is accumulated
 * for i = 1..v (for i > v the numerator no longer grows, so the max is reached by i ≤ v), and ε
 * is found by doubling then bisection. ε̂ is a LOWER bound at confidence 1 − β: it says the
 * guarantee cannot be stronger, never that it is this weak.
 */

import { binomialPmf, binomialUpperTail } from './binomial.js';

export interface OneRunCounts {
  /** Canaries m (each included with probability ½). */
  canaries: number;
  /** Guesses made r (abstentions excluded), r ≤ m. */
  guesses: number;
  /** Correct guesses v, v ≤ r. */
  correct: number;
}

function checkCounts({ canaries: m, guesses: r, correct: v }: OneRunCounts): void {
  if (!(Number.isInteger(m) && Number.isInteger(r) && Number.isInteger(v) && v >= 0 && v <= r && r <= m)) {
    throw new RangeError(`one-run audit counts need 0 <= correct <= guesses <= canaries (integers), got ${v}, ${r}, ${m}`);
  }
}

/** The bound of Theorem 3 on P[W ≥ v] under (ε, δ)-DP: the audit's p-value. */
export function oneRunPValue(counts: OneRunCounts, epsilon: number, delta: number): number {
  checkCounts(counts);
  if (!(epsilon >= 0)) throw new RangeError(`epsilon must be >= 0, got ${epsilon}`);
  if (!(delta >= 0 && delta <= 1)) throw new RangeError(`delta must be in [0, 1], got ${delta}`);
  const { canaries: m, guesses: r, correct: v } = counts;
  // Accuracy of ε-DP randomized response: e^ε/(e^ε + 1), written to avoid overflow.
  const q = 1 / (1 + Math.exp(-epsilon));
  const tail = binomialUpperTail(v, r, q);
  let alpha = 0;
  let between = 0; // P[v − i ≤ W' < v]
  for (let i = 1; i <= v; i++) {
    between += binomialPmf(v - i, r, q);
    if (between > i * alpha) alpha = between / i;
  }
  return Math.min(1, tail + 2 * m * delta * alpha);
}

/**
 * The largest ε whose p-value is below `pValue` (default 0.05): the empirical ε lower bound at
 * confidence 1 − pValue. 0 when even ε = 0 is not rejected. `iterations` bisection steps after
 * the bracket is found (the reference code uses 30; the default 50 reaches ~1e-15 of the bracket).
 */
export function oneRunEpsilonLowerBound(counts: OneRunCounts, delta: number, pValue = 0.05, iterations = 50): number {
  checkCounts(counts);
  if (!(pValue > 0 && pValue < 1)) throw new RangeError(`pValue must be in (0, 1), got ${pValue}`);
  if (oneRunPValue(counts, 0, delta) >= pValue) return 0;
  let lo = 0; // p(lo) < pValue: rejected
  let hi = 1; // p(hi) >= pValue: not rejected
  while (oneRunPValue(counts, hi, delta) < pValue) {
    lo = hi;
    hi *= 2;
    // Every guess right with δ = 0 rejects every ε only in the limit r → ∞; a finite r stops here.
    if (hi > 1e4) return lo;
  }
  for (let i = 0; i < iterations; i++) {
    const mid = (lo + hi) / 2;
    if (oneRunPValue(counts, mid, delta) < pValue) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** One guess rule's outcome: `guessIn` top scores guessed in, `guessOut` bottom scores guessed out. */
export interface GuessOutcome extends OneRunCounts {
  guessIn: number;
  guessOut: number;
}

/**
 * Steinke et al.'s guesser: sort the canaries by score (higher: more likely included), guess
 * "in" for the top k₊ and "out" for the bottom k₋, abstain on the rest, and count correct
 * guesses. Ties are broken by canary index so the count is deterministic.
 */
export function guessTopBottom(scores: ArrayLike<number>, included: ArrayLike<boolean>, guessIn: number, guessOut: number): GuessOutcome {
  const m = scores.length;
  if (included.length !== m) throw new RangeError(`scores (${m}) and inclusion (${included.length}) differ in length`);
  if (!(Number.isInteger(guessIn) && Number.isInteger(guessOut) && guessIn >= 0 && guessOut >= 0 && guessIn + guessOut <= m)) {
    throw new RangeError(`guesses k+ = ${guessIn}, k- = ${guessOut} must be non-negative integers with k+ + k- <= ${m}`);
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let correct = 0;
  for (let k = 0; k < guessIn; k++) if (included[order[k]]) correct++;
  for (let k = m - guessOut; k < m; k++) if (!included[order[k]]) correct++;
  return { canaries: m, guesses: guessIn + guessOut, correct, guessIn, guessOut };
}
