/**
 * Distribution-shift statistics: the population stability index over reference-quantile bins
 * (Yurdakul 2018; conventional reading: < 0.1 stable, 0.1-0.25 moderate, > 0.25 major shift),
 * the two-sample Kolmogorov-Smirnov statistic with its asymptotic p-value (Kolmogorov
 * distribution with Stephens' small-sample correction, as in Numerical Recipes 14.3), and a
 * single change point in a sequence of categorical distributions (the split maximising the
 * likelihood-ratio statistic of "one distribution before, another after").
 */

/** PSI of `actual` against `reference` over `bins` reference-quantile bins (NaN values ignored). */
export function psi(reference: ArrayLike<number>, actual: ArrayLike<number>, bins = 10): number | null {
  return psiOfSorted(finiteSorted(reference), finiteSorted(actual), bins);
}

/** psi() on finite values already sorted ascending (callers that reuse sorted samples skip the sort). */
export function psiOfSorted(ref: Float64Array, act: Float64Array, bins = 10): number | null {
  if (ref.length < bins || act.length === 0) return null;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = ref[Math.floor((k * ref.length) / bins)];
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return psiOfCounts(binCounts(ref, edges), binCounts(act, edges));
}

/** PSI of two count vectors over the same categories (empty cells smoothed by half a count). */
export function psiOfCounts(expected: readonly number[], actual: readonly number[]): number | null {
  const ne = expected.reduce((a, b) => a + b, 0);
  const na = actual.reduce((a, b) => a + b, 0);
  if (ne === 0 || na === 0) return null;
  let sum = 0;
  for (let k = 0; k < expected.length; k++) {
    const e = Math.max(expected[k], 0.5) / ne;
    const a = Math.max(actual[k], 0.5) / na;
    if (expected[k] === 0 && actual[k] === 0) continue;
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

function finiteSorted(x: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) out.push(x[i]);
  return Float64Array.from(out).sort();
}

/** Counts per bin: bin k holds values in (edges[k-1], edges[k]] (first bin: <= edges[0]). */
function binCounts(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let k = 0;
  for (const x of sorted) {
    while (k < edges.length && x > edges[k]) k++;
    counts[k]++;
  }
  return counts;
}

/** Two-sample KS: D = sup |F_a - F_b| and its asymptotic p-value. */
export function ksTest(a: ArrayLike<number>, b: ArrayLike<number>): { statistic: number; pValue: number } | null {
  return ksTestOfSorted(finiteSorted(a), finiteSorted(b));
}

/** ksTest() on finite values already sorted ascending. */
export function ksTestOfSorted(x: Float64Array, y: Float64Array): { statistic: number; pValue: number } | null {
  if (x.length === 0 || y.length === 0) return null;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const sq = Math.sqrt(ne);
  return { statistic: d, pValue: kolmogorovQ((sq + 0.12 + 0.11 / sq) * d) };
}

/** Q_KS(lambda) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 lambda^2). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * The single change point of a sequence of category count vectors (one per period): the k in
 * [1, periods) maximising G = 2 * (LL(before) + LL(after) - LL(all)) (multinomial log
 * likelihoods), i.e. "the distribution changes from period k on". Null when fewer than two
 * periods have counts.
 */
export function categoricalChangePoint(counts: readonly (readonly number[])[]): { period: number; statistic: number } | null {
  const m = counts.length;
  if (m < 2) return null;
  const c = counts[0].length;
  const ll = (tot: number[]) => {
    const n = tot.reduce((a, b) => a + b, 0);
    let s = 0;
    for (const x of tot) if (x > 0) s += x * Math.log(x / n);
    return s;
  };
  const all = new Array<number>(c).fill(0);
  for (const row of counts) for (let k = 0; k < c; k++) all[k] += row[k];
  const llAll = ll(all);
  let best: { period: number; statistic: number } | null = null;
  const before = new Array<number>(c).fill(0);
  for (let p = 1; p < m; p++) {
    for (let k = 0; k < c; k++) before[k] += counts[p - 1][k];
    const after = all.map((x, k) => x - before[k]);
    if (before.every((x) => x === 0) || after.every((x) => x === 0)) continue;
    const g = 2 * (ll(before) + ll(after) - llAll);
    if (best === null || g > best.statistic) best = { period: p, statistic: g };
  }
  return best;
}

/** Client drift of one participant: its update vs the round's aggregate update. */
export function updateDrift(globalBefore: Float64Array, client: Float64Array, aggregate: Float64Array): { norm: number; distance: number; cosine: number | null } {
  let nc = 0;
  let na = 0;
  let dot = 0;
  let dist = 0;
  for (let j = 0; j < globalBefore.length; j++) {
    const u = client[j] - globalBefore[j];
    const g = aggregate[j] - globalBefore[j];
    nc += u * u;
    na += g * g;
    dot += u * g;
    dist += (u - g) ** 2;
  }
  return { norm: Math.sqrt(nc), distance: Math.sqrt(dist), cosine: nc > 0 && na > 0 ? dot / Math.sqrt(nc * na) : null };
}
