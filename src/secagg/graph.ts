/**
 * Who shares masks and key shares with whom.
 *
 *  - complete: every pair of sites (SecAgg, Bonawitz et al., "Practical Secure Aggregation for
 *    Privacy-Preserving Machine Learning", CCS 2017): cost O(n) per site, O(n²) in total.
 *  - k-regular: each site talks to numShares − 1 neighbours (SecAgg+, Bell et al., "Secure
 *    Single-Server Aggregation with (Poly)Logarithmic Overhead", CCS 2020). Built as Flower's
 *    SecAggPlusWorkflow builds it: the sites are shuffled (here by a seeded stream, so a run is
 *    reproducible) and each is joined to the numShares >> 1 sites on either side of it on the
 *    ring, i.e. a Harary graph H(numShares − 1, n) under a random relabelling. Bell et al.'s
 *    security analysis is for random graphs of degree O(log n); this circulant construction is
 *    what Flower ships, and we claim no more for it than Flower does.
 *
 * Knob names and their int-or-fraction meaning follow Flower: `numShares` counts the site itself
 * (each site keeps one share of its own secrets); `reconstructionThreshold` shares recover a
 * secret. A value in (0, 1) is a fraction (of the sites, resp. of numShares); 1 means all.
 */
import { Xoshiro128, streamState } from '../random/rng.js';
import { SecAggConfigError } from './errors.js';

export type GraphKind = 'complete' | 'k-regular';

export interface NeighbourGraph {
  kind: GraphKind;
  /** Sites in the round (ids 0 … n − 1). */
  sites: number;
  /** Shares of each secret, one per neighbour plus one kept by the site itself. */
  numShares: number;
  /** Shares needed to reconstruct a secret (Shamir threshold t). */
  threshold: number;
  /** neighbours[u]: the other sites u masks with and gives shares to, ascending. */
  neighbours: readonly (readonly number[])[];
}

export interface GraphOptions {
  kind: GraphKind;
  /** Flower's num_shares (k-regular only; the complete graph has numShares = sites). */
  numShares?: number;
  /** Flower's reconstruction_threshold. */
  reconstructionThreshold: number;
  /** Seed of the shuffle (k-regular). */
  seed: number;
  /** Round number: a new graph each round, as Flower reshuffles in every setup stage. */
  round?: number;
}

/** Flower's resolution of num_shares (SecAggPlusWorkflow.setup_stage). */
export function resolveNumShares(sites: number, numShares: number): number {
  if (!(numShares > 0) || !Number.isFinite(numShares)) throw new SecAggConfigError(`numShares: expected a fraction in (0, 1] or an integer >= 3, found ${numShares}`);
  let k: number;
  if (numShares <= 1) {
    k = Math.round(numShares * sites);
    if (k < sites && k % 2 === 0) k += 1;
    if (k <= 2) k = sites;
  } else {
    if (!Number.isInteger(numShares) || numShares < 3) throw new SecAggConfigError(`numShares: expected a fraction in (0, 1] or an integer >= 3, found ${numShares}`);
    k = numShares;
    if (k !== sites && k % 2 === 0) k += 1; // the ring neighbourhood ±k>>1 is symmetric only for odd k
  }
  if (k > sites) throw new SecAggConfigError(`numShares: expected at most the number of sites (${sites}), found ${k}`);
  return k;
}

/** Flower's resolution of reconstruction_threshold, checked against numShares. */
export function resolveThreshold(numShares: number, reconstructionThreshold: number): number {
  const r = reconstructionThreshold;
  if (!(r > 0) || !Number.isFinite(r) || (r > 1 && !Number.isInteger(r))) {
    throw new SecAggConfigError(`reconstructionThreshold: expected a fraction in (0, 1] or an integer >= 2, found ${r}`);
  }
  const t = r <= 1 ? Math.max(Math.round(r * numShares), 2) : r;
  if (t > numShares) throw new SecAggConfigError(`reconstructionThreshold: expected at most numShares (${numShares}), found ${t}`);
  if (numShares > 255) throw new SecAggConfigError(`numShares: Shamir shares over GF(256) allow at most 255, found ${numShares}`);
  return t;
}

export function buildGraph(sites: number, opts: GraphOptions): NeighbourGraph {
  if (!Number.isInteger(sites) || sites < 2) throw new SecAggConfigError(`secure aggregation: expected at least 2 sites in a round, found ${sites}`);
  if (opts.kind === 'complete') {
    const threshold = resolveThreshold(sites, opts.reconstructionThreshold);
    const neighbours = Array.from({ length: sites }, (_, u) => Array.from({ length: sites - 1 }, (_, j) => (j < u ? j : j + 1)));
    return { kind: 'complete', sites, numShares: sites, threshold, neighbours };
  }
  const numShares = resolveNumShares(sites, opts.numShares ?? 1);
  const threshold = resolveThreshold(numShares, opts.reconstructionThreshold);
  // Seeded Fisher–Yates shuffle, then ring neighbourhoods of radius numShares >> 1.
  const rng = new Xoshiro128(streamState(opts.seed, 'secagg-graph', String(opts.round ?? 0)));
  const order = Array.from({ length: sites }, (_, i) => i);
  for (let i = sites - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const half = numShares >> 1;
  const sets = Array.from({ length: sites }, () => new Set<number>());
  for (let idx = 0; idx < sites; idx++) {
    for (let off = -half; off <= half; off++) {
      const v = order[(((idx + off) % sites) + sites) % sites];
      if (v !== order[idx]) sets[order[idx]].add(v);
    }
  }
  const neighbours = sets.map((s) => [...s].sort((a, b) => a - b));
  return { kind: numShares === sites ? 'complete' : 'k-regular', sites, numShares, threshold, neighbours };
}
