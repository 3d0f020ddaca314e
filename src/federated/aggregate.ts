/**
 * The pure aggregation math of federated learning, apart from any strategy (as Flower keeps
 * `framework/py/flwr/server/strategy/aggregate.py` apart from its strategies).
 *
 * FedAvg's server step is the example-weighted mean of the client models,
 * x ← Σ_k (n_k / n) · w_k (McMahan et al. 2017, "Communication-Efficient Learning of Deep
 * Networks from Decentralized Data", AISTATS, Algorithm 1).
 *
 * Determinism: floating-point addition is not associative, so every sum here runs in one fixed
 * order — ascending client id (UTF-16 code-unit order, locale-independent) — and results are
 * bit-identical whatever order the caller lists the clients in. Weights are normalized first
 * (w_k = n_k / n) so that a lone client's model comes back exactly (1 · w = w).
 */

/** One contribution to a weighted combination. */
export interface WeightedVector {
  /** Client id: fixes the summation order. */
  readonly id: string;
  /** Non-negative weight (for FedAvg: the client's example count). */
  readonly weight: number;
  readonly values: Float64Array;
}

export interface WeightedScalar {
  readonly id: string;
  readonly weight: number;
  readonly value: number;
}

/** Locale-independent total order on ids (UTF-16 code units), the one sort used everywhere here. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy sorted by `id`; throws on a duplicate id (a client may contribute once per round). */
export function sortById<T extends { readonly id: string }>(items: readonly T[]): T[] {
  const sorted = [...items].sort((a, b) => compareIds(a.id, b.id));
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k].id === sorted[k - 1].id) throw new RangeError(`duplicate client id '${sorted[k].id}' in one aggregation`);
  }
  return sorted;
}

function checkWeights(items: readonly { readonly id: string; readonly weight: number }[]): void {
  for (const it of items) {
    if (!(it.weight >= 0) || !Number.isFinite(it.weight)) throw new RangeError(`weight of client '${it.id}' must be finite and >= 0, got ${it.weight}`);
  }
}

/** Σ weights in id order. */
export function totalWeight(items: readonly { readonly id: string; readonly weight: number }[]): number {
  checkWeights(items);
  let total = 0;
  for (const it of sortById(items)) total += it.weight;
  return total;
}

/**
 * Σ_k (weight_k / denominator) · values_k, summed in ascending id order. The denominator is
 * explicit so that SCAFFOLD can scale by the whole population's example count (Karimireddy et
 * al. 2020, Algorithm 1 line 17: c ← c + (|S|/N)·mean Δc) rather than the sampled clients'.
 */
export function weightedCombination(items: readonly WeightedVector[], denominator: number): Float64Array {
  if (items.length === 0) throw new RangeError('nothing to aggregate: no client updates');
  if (!(denominator > 0) || !Number.isFinite(denominator)) throw new RangeError(`denominator must be finite and > 0, got ${denominator}`);
  checkWeights(items);
  const sorted = sortById(items);
  const length = sorted[0].values.length;
  for (const it of sorted) {
    if (it.values.length !== length) throw new RangeError(`client '${it.id}' sent ${it.values.length} values, expected ${length}`);
  }
  // Start from the first term (not from +0) so that a lone client's −0 stays −0.
  const first = sorted[0];
  const w0 = first.weight / denominator;
  const out = new Float64Array(length);
  for (let j = 0; j < length; j++) out[j] = w0 * first.values[j];
  for (let k = 1; k < sorted.length; k++) {
    const w = sorted[k].weight / denominator;
    const v = sorted[k].values;
    for (let j = 0; j < length; j++) out[j] += w * v[j];
  }
  return out;
}

/**
 * The weighted mean Σ_k (weight_k / Σ weight) · values_k (FedAvg with weight = example count).
 * Throws when there are no items or all weights are zero.
 */
export function weightedAverage(items: readonly WeightedVector[]): Float64Array {
  const total = totalWeight(items);
  if (!(total > 0)) throw new RangeError('cannot average: the total weight is 0 (no training examples)');
  return weightedCombination(items, total);
}

/** The weighted mean of scalars (e.g. clients' training losses), in id order. */
export function weightedAverageScalar(items: readonly WeightedScalar[]): number {
  const total = totalWeight(items);
  if (!(total > 0)) throw new RangeError('cannot average: the total weight is 0');
  let sum = 0;
  for (const it of sortById(items)) sum += (it.weight / total) * it.value;
  return sum;
}
