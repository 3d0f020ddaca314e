/**
 * A client's local training in every strategy: a fresh optimizer (as a Flower client builds one
 * per fit call), a copy of the global model, and the shared minibatch loop (model/train.ts)
 * with the strategy's gradient adjustment — FedProx's proximal term, SCAFFOLD's correction.
 * Strategies differ only in that hook and in what they upload.
 */
import { createOptimizer } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { LocalTrainingResult } from '../model/types.js';
import type { ClientUpdateInput } from './strategy.js';

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
