/**
 * A client's local training in every strategy: a fresh optimizer (as a Flower client builds one
 * per fit call), a copy of the global model, and the shared minibatch loop (model/train.ts)
 * with the strategy's gradient adjustment — FedProx's proximal term, SCAFFOLD's correction.
 * Strategies differ only in that hook and in what they upload.
 * With `local.dpSgd` the loop is DP-SGD instead (privacy/dp-sgd.ts; the gradient hook is applied
 * to the privatized gradient), Poisson-sampling from the client's own shuffling stream.
 */
import { createOptimizer } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { LocalTrainingResult } from '../model/types.js';
import { trainDpSgd } from '../privacy/dp-sgd.js';
import { sampleRateForBatchSize } from '../privacy/poisson-sampling.js';
import type { ClientUpdateInput } from './strategy.js';
import type { LocalConfig } from './types.js';

export type GradientAdjustment = (params: Float64Array, grad: Float64Array) => void;

export interface ClientTrainingResult {
  /** The local model y_k after training (a new array). */
  params: Float64Array;
  result: LocalTrainingResult;
}

export function trainClient(input: ClientUpdateInput, adjustGradient?: GradientAdjustment): ClientTrainingResult {
  const { model, data, local, instruction } = input;
  if (instruction.globalParams.length !== model.paramCount) {
    throw new RangeError(`global model has ${instruction.globalParams.length} parameters, the model expects ${model.paramCount}`);
  }
  const params = Float64Array.from(instruction.globalParams);
  if (local.dpSgd) {
    const dp = local.dpSgd;
    const result = trainDpSgd(model, params, data, {
      sampleRate: clientSampleRate(local, data.n),
      noiseMultiplier: dp.noiseMultiplier,
      clipNorm: dp.clipNorm,
      epochs: local.epochs,
      steps: local.steps,
      optimizer: createOptimizer(local.optimizer),
      random: input.random,
      noise: dp.noise(instruction.clientId, instruction.round),
      adjustGradient,
    });
    return { params, result: dp.releaseTrainingLoss ? result : { ...result, lastLoss: Number.NaN } };
  }
  const result = trainLocal(model, params, data, {
    batchSize: local.batchSize,
    epochs: local.epochs,
    steps: local.steps,
    optimizer: createOptimizer(local.optimizer),
    random: input.random,
    adjustGradient,
  });
  return { params, result };
}

/** A client's DP-SGD Poisson rate: local.dpSgd.sampleRate, or 1/⌈n_k/batchSize⌉ (Opacus's DPDataLoader). */
export function clientSampleRate(local: LocalConfig, exampleCount: number): number {
  return local.dpSgd?.sampleRate ?? sampleRateForBatchSize(local.batchSize, exampleCount);
}
