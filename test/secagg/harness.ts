/**
 * Drives one masking round stage by stage (for tests that tamper with messages), and the
 * independent references the tests compare against: the plaintext fixed-point sum and the
 * survivability rule written from the protocol's definition.
 */
import { encodeUpdate, type FixedPointConfig } from '../../src/secagg/fixed-point.js';
import type { NeighbourGraph } from '../../src/secagg/graph.js';
import { MaskingServer, type UnmaskedSum } from '../../src/secagg/masking-server.js';
import { MaskingSite, type RoundParameters } from '../../src/secagg/masking-site.js';
import type { DropoutStage } from '../../src/secagg/secure-sum.js';
import { Xoshiro128, streamState } from '../../src/random/rng.js';

export const rngOf = (seed: number, label = 'test') => new Xoshiro128(streamState(seed, label));

export interface Tamper {
  /** Alter the server's forwarded-share message to a site before the site reads it. */
  forward?: (site: number, msg: Uint8Array) => Uint8Array;
  /** Alter a site's unmask response before the server reads it. */
  unmaskResponse?: (site: number, msg: Uint8Array) => Uint8Array;
  /** Alter an unmask request before the site reads it. */
  unmaskRequest?: (site: number, msg: Uint8Array) => Uint8Array;
}

export async function runRound(
  params: RoundParameters,
  graph: NeighbourGraph,
  updates: Float64Array[],
  weights: number[],
  seed: number,
  dropouts: ReadonlyMap<number, DropoutStage> = new Map(),
  tamper: Tamper = {},
): Promise<UnmaskedSum> {
  const rng = rngOf(seed);
  const server = new MaskingServer(params, graph);
  const sites = updates.map((_, u) => new MaskingSite(u));
  const setup = server.setupMessage();
  const nk = server.receiveKeys(sites.map((s) => s.setup(setup)));
  const shares: Uint8Array[] = [];
  for (const [u, m] of nk) if (dropouts.get(u) !== 'before-share-keys') shares.push(await sites[u].shareKeys(m));
  const fwd = server.receiveShares(shares);
  const inputs = [];
  for (const [u, m] of fwd) if (dropouts.get(u) !== 'before-masked-input') inputs.push(sites[u].maskedInput(tamper.forward ? tamper.forward(u, m) : m, updates[u], weights[u], rng));
  const req = server.receiveMaskedInputs(inputs);
  const resp: Uint8Array[] = [];
  for (const [u, m] of req) {
    if (dropouts.get(u) === 'before-unmask') continue;
    const r = sites[u].unmask(tamper.unmaskRequest ? tamper.unmaskRequest(u, m) : m);
    resp.push(tamper.unmaskResponse ? tamper.unmaskResponse(u, r) : r);
  }
  return server.unmask(resp);
}

/** Σ of the contributors' plaintext encodings mod M, drawing stochastic rounding in site order. */
export function plaintextQuantizedSum(cfg: FixedPointConfig, updates: Float64Array[], weights: number[], contributors: number[], seed: number): Uint32Array {
  const rng = rngOf(seed);
  const d1 = updates[0].length + 1;
  const sum = new Uint32Array(d1);
  const M = BigInt(cfg.modulusRange);
  const acc = new Array<bigint>(d1).fill(0n);
  for (const u of contributors) {
    const w = encodeUpdate(updates[u], weights[u], cfg, rng).words;
    for (let i = 0; i < d1; i++) acc[i] = (acc[i] + BigInt(w[i])) % M;
  }
  for (let i = 0; i < d1; i++) sum[i] = Number(acc[i]);
  return sum;
}

/** Which sites send input, given dropouts (a site dropping before its input contributes nothing). */
export function contributorsOf(n: number, dropouts: ReadonlyMap<number, DropoutStage>): number[] {
  return [...Array(n).keys()].filter((u) => {
    const s = dropouts.get(u);
    return s === undefined || s === 'before-unmask';
  });
}

/**
 * The round can finish iff every site that shared keys has ≥ t holders of its shares among the
 * sites that answer the unmask request (itself included): written from the definition, not from
 * the server's code.
 */
export function survivable(graph: NeighbourGraph, dropouts: ReadonlyMap<number, DropoutStage>): boolean {
  const n = graph.sites;
  const keyHolders = [...Array(n).keys()].filter((u) => dropouts.get(u) !== 'before-share-keys');
  const responders = new Set([...Array(n).keys()].filter((u) => !dropouts.has(u)));
  const inputs = new Set(contributorsOf(n, dropouts));
  if (inputs.size === 0) return false;
  return keyHolders.every((u) => {
    const holders = [u, ...graph.neighbours[u]].filter((v) => responders.has(v) && keyHolders.includes(v));
    return holders.length >= graph.threshold;
  });
}
