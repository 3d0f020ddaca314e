/**
 * Where a federated arm's local training runs. In-process (the default, no object): the round
 * loop calls each site's strategy.clientUpdate itself. Distributed (src/distributed): each site
 * is its own process holding only its own data, and the round loop hands every round's
 * instructions to a ClientRunner that sends them over the network. runArm builds the same
 * description of the site-side work (`SiteWork`) for both, so the same plan gives the same
 * parameters every round whichever way it runs.
 */
import type { LocalTrainingOptions } from '../model/types.js';
import type { ClientRunner } from '../federated/run-federated.js';
import type { StrategyConfig } from '../federated/registry.js';
import type { OptimizerConfig } from '../model/types.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import type { BenchConfig } from './config.js';
import type { MaskingConfig } from '../secagg/masking-aggregator.js';
import type { UniformSource } from '../secagg/fixed-point.js';
import type { SecureSumResult } from '../secagg/secure-sum.js';

/** Everything a site needs, besides its own data and the round's instruction, to run clientUpdate exactly as in-process. */
export interface SiteWork {
  arm: string;
  seed: number;
  /** The round loop's stream label: the site's shuffling stream is clientRandom(seed, streamLabel, site, round). */
  streamLabel: string;
  strategy: StrategyConfig;
  local: { batchSize: number; epochs?: number; steps?: number; optimizer: OptimizerConfig };
  /** Sample-level DP: DP-SGD at the site; noise seeded from (noiseSeed, seed, arm, site, round) when noiseSeed is set, else secure noise drawn at the site. */
  dpSgd: { noiseMultiplier: number; clipNorm: number; noiseSeed: number | null } | null;
  /** Minibatch order of the plain SGD trainer (absent with DP-SGD); block-shuffle trains on the rows permuted by run-seed.ts trainOrderStream. */
  sampling?: LocalTrainingOptions['sampling'];
  /** Client-level DP does not release the local training loss (ClientLevelDp.clientUpdate). */
  releaseTrainingLoss: boolean;
  /**
   * Masking secure aggregation: the site keeps its update after training (it sends only its
   * example count and training scalars) and later masks it itself (RemoteMaskingSum).
   */
  secureAggregation?: 'masking';
}

/** One round's masking protocol run with the sites that hold the updates (src/distributed). */
export interface RemoteMaskingRequest {
  round: number;
  /** The round's participants, sorted: site k of the protocol is sites[k]. */
  sites: readonly string[];
  /** Their example counts (the FedAvg weights they reported). */
  weights: readonly number[];
  /** Length of each site's flattened update [y − x, extra vectors in key order]. */
  dimension: number;
  config: MaskingConfig;
  /** The round's dropout draws (simulated dropouts), as the in-process protocol draws them. */
  rng: UniformSource;
}

/** Runs a round's masking protocol; the aggregator sees masked vectors and the sum only. */
export type RemoteMaskingSum = (request: RemoteMaskingRequest) => Promise<SecureSumResult>;

/** The site clients of one seed: a ClientRunner per federated arm. */
export interface SeedSiteClients {
  forArm(work: SiteWork): ClientRunner;
  /** The masking protocol with the sites of an arm whose work has `secureAggregation: 'masking'`. */
  maskingSum?(work: SiteWork): RemoteMaskingSum;
}

/** Builds the site clients of each seed (the distributed layer implements it). */
export interface SiteClientsFactory {
  forSeed(config: BenchConfig, prepared: PreparedSeed): SeedSiteClients;
}
