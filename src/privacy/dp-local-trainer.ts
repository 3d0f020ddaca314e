/**
 * Sample-level DP inside federated clients: DP-SGD (Abadi et al. 2016; dp-sgd.ts) as the local
 * trainer the federated layer is given (federated/strategy.ts `LocalTrainer`). Each client is
 * its own data holder with its own accountant: per round it runs RoundLog.localSteps[id] steps
 * of the subsampled Gaussian mechanism with (noiseMultiplier, its sample rate
 * `clientSampleRate(local, n_k)`). The strategy's gradient hook is applied to the privatized
 * gradient, so FedProx and SCAFFOLD post-process DP output and keep the guarantee.
 */
import type { LocalConfig, LocalTrainer, LocalTrainerInput } from '../federated/strategy.js';
import type { LabeledData, LocalTrainingResult, Model } from '../model/types.js';
import { trainDpSgd } from './dp-sgd.js';
import type { GaussianNoise } from './noise-types.js';
import { sampleRateForBatchSize } from './poisson-sampling.js';

export interface LocalDpSgdConfig {
  noiseMultiplier: number;
  /** Per-example clip norm C. */
  clipNorm: number;
  /** Poisson rate q for every client; default per client 1/⌈n_k/batchSize⌉ (Opacus's DPDataLoader). */
  sampleRate?: number;
  /** The noise source of one client in one round (secure in the product; seeded in tests). */
  noise: (clientId: string, round: number) => GaussianNoise;
  /**
   * Upload the client's training loss (computed from its data without noise: outside the DP
   * guarantee). Default false: the uploaded loss is NaN.
   */
  releaseTrainingLoss?: boolean;
}

export class DpSgdLocalTrainer implements LocalTrainer {
  readonly kind = 'dp-sgd';

  constructor(readonly config: LocalDpSgdConfig) {}

  /** q_k: the configured rate, or 1/⌈n_k/batchSize⌉ (Opacus's DPDataLoader). */
  sampleRate(batchSize: number, exampleCount: number): number {
    return this.config.sampleRate ?? sampleRateForBatchSize(batchSize, exampleCount);
  }

  train(model: Model, params: Float64Array, data: LabeledData, input: LocalTrainerInput): LocalTrainingResult {
    const dp = this.config;
    const result = trainDpSgd(model, params, data, {
      sampleRate: this.sampleRate(input.batchSize, data.n),
      noiseMultiplier: dp.noiseMultiplier,
      clipNorm: dp.clipNorm,
      epochs: input.epochs,
      steps: input.steps,
      optimizer: input.optimizer,
      random: input.random,
      noise: dp.noise(input.clientId, input.round),
      adjustGradient: input.adjustGradient,
    });
    return dp.releaseTrainingLoss ? result : { ...result, lastLoss: Number.NaN };
  }
}

/** A client's DP-SGD Poisson rate under `local`: its DP trainer's rate, else 1/⌈n_k/batchSize⌉. */
export function clientSampleRate(local: LocalConfig, exampleCount: number): number {
  return local.trainer instanceof DpSgdLocalTrainer ? local.trainer.sampleRate(local.batchSize, exampleCount) : sampleRateForBatchSize(local.batchSize, exampleCount);
}
