/** The federated layer's public API. */
export * from './types.js';
export {
  downloadBytes,
  uploadBytes,
  modelDelta,
  FLOAT32_BYTES,
  type AggregatedUpdate,
  type ClientInfo,
  type ClientInstruction,
  type ClientState,
  type ClientUpdate,
  type ClientUpdateInput,
  type ClientUpdateResult,
  type ServerState,
  type Strategy,
  type Vectors,
  type LocalTrainer,
  type LocalTrainerInput,
  type StrategyDefinition,
  type StrategySettings,
} from './strategy.js';
export { compareIds, sortById, totalWeight, weightedAverage, weightedAverageScalar, weightedCombination, type WeightedScalar, type WeightedVector } from './aggregate.js';
export { trainClient, SGD_LOCAL_TRAINER, type ClientTrainingResult, type GradientAdjustment } from './client-training.js';
export { STRATEGY_REGISTRY, createStrategy, isStrategyName, strategyDefinition } from './registry.js';
export { FedAvg, FEDAVG, averageModels, sortedPopulation, EMPTY_CLIENT_STATE } from './fedavg.js';
export { FedAvgM, FEDAVGM, FEDAVGM_DEFAULTS } from './fedavgm.js';
export { FedProx, FEDPROX, FEDPROX_DEFAULTS } from './fedprox.js';
export { Scaffold, SCAFFOLD, SCAFFOLD_DEFAULTS } from './scaffold.js';
export { FedOpt, FEDOPT_DEFAULTS, type FedOptOptions } from './fedopt.js';
export { FedAdam, FEDADAM, FEDADAM_DEFAULTS } from './fedadam.js';
export { FedYogi, FEDYOGI, FEDYOGI_DEFAULTS } from './fedyogi.js';
export { FedAdagrad, FEDADAGRAD, FEDADAGRAD_DEFAULTS } from './fedadagrad.js';
export {
  runFederated,
  runFederatedAsync,
  communicationTotals,
  type AggregationHook,
  type AggregationRequest,
  type AggregationOutcome,
  clientRandom,
  clientStreamState,
  samplingStream,
  sampleClients,
  participantsPerRound,
  type CommunicationTotals,
} from './run-federated.js';
