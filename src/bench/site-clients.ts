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
}

/** The site clients of one seed: a ClientRunner per federated arm. */
export interface SeedSiteClients {
  forArm(work: SiteWork): ClientRunner;
}

/** Builds the site clients of each seed (the distributed layer implements it). */
export interface SiteClientsFactory {
  forSeed(config: BenchConfig, prepared: PreparedSeed): SeedSiteClients;
}
