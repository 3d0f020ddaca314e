/**
 * A client's local training in every strategy: a fresh optimizer (as a Flower client builds one
 * per fit call), a copy of the global model, and the local training loop with the strategy's
 * gradient adjustment — FedProx's proximal term, SCAFFOLD's correction. Strategies differ only
 * in that hook and in what they upload.
 * The loop is `local.trainer` when given (sample-level DP injects DP-SGD there, see
 * privacy/dp-local-trainer.ts), else the shared minibatch loop (model/train.ts).
 */
import { createOptimizer } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { LocalTrainingResult } from '../model/types.js';
import type { ClientUpdateInput, LocalTrainer } from './strategy.js';

export type GradientAdjustment = (params: Float64Array, grad: Float64Array) => void;

export interface ClientTrainingResult {
  /** The local model y_k after training (a new array). */
  params: Float64Array;
  result: LocalTrainingResult;
}

/** Minibatch SGD (model/train.ts): the default local trainer. */
export const SGD_LOCAL_TRAINER: LocalTrainer = {
  kind: 'sgd',
  train: (model, params, data, input) =>
    trainLocal(model, params, data, {
      batchSize: input.batchSize,
      epochs: input.epochs,
      steps: input.steps,
      optimizer: input.optimizer,
      random: input.random,
      adjustGradient: input.adjustGradient,
      ...(input.sampling ? { sampling: input.sampling } : {}),
    }),
};

export function trainClient(input: ClientUpdateInput, adjustGradient?: GradientAdjustment): ClientTrainingResult {
  const { model, data, local, instruction } = input;
  if (instruction.globalParams.length !== model.paramCount) {
    throw new RangeError(`global model has ${instruction.globalParams.length} parameters, the model expects ${model.paramCount}`);
  }
  const params = instruction.globalParams.slice();
  const trainer = local.trainer ?? SGD_LOCAL_TRAINER;
  const result = trainer.train(model, params, data, {
    batchSize: local.batchSize,
    epochs: local.epochs,
    steps: local.steps,
    optimizer: createOptimizer(local.optimizer),
    random: input.random,
    adjustGradient,
    ...(local.sampling ? { sampling: local.sampling } : {}),
    clientId: instruction.clientId,
    round: instruction.round,
  });
  return { params, result };
}
