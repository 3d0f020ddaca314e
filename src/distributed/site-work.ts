/**
 * A site's side of a distributed run, without any networking: it holds one site's own table,
 * prepares it for a seed with what the aggregator sends (feature sources, options, its unit
 * conversions and the fitted preprocessing: pooled sufficient statistics only, never another
 * site's rows), and runs `strategy.clientUpdate` for a round's instruction exactly as the
 * in-process round loop does (same model, same local trainer, same shuffling stream
 * clientRandom(seed, streamLabel, site, round), same DP noise stream). It keeps its own
 * ClientState per (seed, arm), as a real client does.
 */
import type { Table } from 'apache-arrow';
import { siteFeatures } from '../data/prepare/prepare.js';
import { transform, type FeatureSource } from '../data/prepare/preprocess.js';
import type { FittedPreprocessing, PrepareOptions } from '../data/prepare/types.js';
import type { UnitConversion } from '../data/prepare/units.js';
import { clientRandom } from '../federated/run-federated.js';
import { createStrategy } from '../federated/registry.js';
import type { ClientState, ClientUpdate, LocalConfig } from '../federated/strategy.js';
import type { LabeledData, Model } from '../model/types.js';
import { DpSgdLocalTrainer } from '../privacy/dp-local-trainer.js';
import { createNoiseSource, type NoiseSource } from '../privacy/secure-noise.js';
import type { BenchConfig } from '../bench/config.js';
import { benchModel, trainOrderStream } from '../bench/seed-streams.js';
import { permuteRows } from '../model/train.js';
import type { SiteWork } from '../bench/site-clients.js';
import { ProtocolError } from './codec.js';

/** The "prepare" task's header: what the site needs to build its training matrix for a seed. */
export interface PrepareTask {
  seed: number;
  sources: FeatureSource[];
  target: string;
  options: PrepareOptions;
  conversions: Record<string, UnitConversion>;
  preprocessing: FittedPreprocessing;
  model: BenchConfig['model'];
}

/** The "train" task: the arm's site work and the instruction's scalars; vectors travel packed. */
export interface TrainTask {
  work: SiteWork;
  round: number;
  config: Record<string, number>;
}

interface Prepared {
  train: LabeledData;
  /** The training rows permuted once for block-shuffled SGD, built on first use (as run-seed.ts sgdTrain). */
  permuted?: LabeledData;
  model: Model;
}

export class SiteWorker {
  private readonly prepared = new Map<number, Prepared>();
  private readonly states = new Map<string, ClientState>();
  /** The last update per (seed, arm), with its round and global model. */
  private readonly last = new Map<string, { round: number; globalParams: Float64Array; update: ClientUpdate }>();
  private secureNoise: NoiseSource | null = null;

  constructor(
    readonly siteId: string,
    private readonly table: Table,
    private readonly units: Record<string, string> = {},
  ) {}

  /** Builds this site's training matrix for a seed; returns its row count (the aggregator checks it against its plan). */
  prepare(task: PrepareTask): { trainRows: number; featureCount: number } {
    const site = { id: this.siteId, name: this.siteId, table: this.table, units: this.units };
    const plan = { conversions: { [this.siteId]: task.conversions }, unitOf: {} };
    const features = siteFeatures(site, task.sources, task.target, plan, task.options);
    const { train } = transform(features, task.preprocessing);
    const d = task.preprocessing.features.length;
    const model = benchModel({ model: task.model }, d);
    this.prepared.set(task.seed, { train: train.data, model });
    return { trainRows: train.data.n, featureCount: d };
  }

  /** One round's local update, as the in-process round loop computes it. */
  train(task: TrainTask, globalParams: Float64Array, vectors: Record<string, Float64Array>): ClientUpdate {
    const { work } = task;
    // Asked again for the round it last computed (the aggregator crashed and resumed before
    // recording it): the same answer, without training twice (the client state moved once).
    const key = `${work.seed}\u0000${work.arm}`;
    const last = this.last.get(key);
    if (last && last.round === task.round && sameBits(last.globalParams, globalParams)) return last.update;
    const p = this.prepared.get(work.seed);
    if (!p) throw new ProtocolError(`site ${this.siteId}: train task for seed ${work.seed} before its prepare task`);
    if (globalParams.length !== p.model.paramCount) throw new ProtocolError(`global model of ${globalParams.length} values, the model has ${p.model.paramCount}`);
    const local: LocalConfig = {
      batchSize: work.local.batchSize,
      ...(work.local.steps !== undefined ? { steps: work.local.steps } : { epochs: work.local.epochs }),
      optimizer: work.local.optimizer,
      ...(work.dpSgd ? { trainer: this.dpTrainer(work) } : {}),
      ...(work.sampling ? { sampling: work.sampling } : {}),
    };
    const blockShuffled = !work.dpSgd && work.sampling?.kind === 'block-shuffle';
    if (blockShuffled) p.permuted ??= permuteRows(p.train, trainOrderStream(work.seed, this.siteId)).data;
    const strategy = createStrategy(work.strategy);
    const { update, clientState } = strategy.clientUpdate({
      model: p.model,
      data: blockShuffled ? (p.permuted as LabeledData) : p.train,
      local,
      instruction: { clientId: this.siteId, round: task.round, globalParams, vectors, config: task.config },
      clientState: this.states.get(key),
      random: clientRandom(work.seed, work.streamLabel, this.siteId, task.round),
    });
    this.states.set(key, clientState);
    const answer = work.releaseTrainingLoss ? update : { ...update, trainLoss: Number.NaN };
    // Kept, not copied: a received model is a buffer of its own that nothing writes to (trainers copy it).
    this.last.set(key, { round: task.round, globalParams, update: answer });
    return answer;
  }

  private dpTrainer(work: SiteWork): DpSgdLocalTrainer {
    const dp = work.dpSgd as NonNullable<SiteWork['dpSgd']>;
    // The in-process bench draws (noiseSeed, [seed, arm, site, round]); secure noise is drawn here, at the site.
    const noise = (clientId: string, round: number): NoiseSource =>
      dp.noiseSeed === null
        ? (this.secureNoise ??= createNoiseSource())
        : createNoiseSource({ seed: dp.noiseSeed, labels: [String(work.seed), work.arm, clientId, String(round)] });
    return new DpSgdLocalTrainer({ noiseMultiplier: dp.noiseMultiplier, clipNorm: dp.clipNorm, noise });
  }
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
