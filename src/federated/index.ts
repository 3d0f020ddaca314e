/** The federated layer's public API. */
export * from './types.js';
export {
  createStrategy,
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
} from './strategy.js';
export { compareIds, sortById, totalWeight, weightedAverage, weightedAverageScalar, weightedCombination, type WeightedScalar, type WeightedVector } from './aggregate.js';
export { trainClient, clientSampleRate, type ClientTrainingResult, type GradientAdjustment } from './client-training.js';
export { FedAvg, averageModels, sortedPopulation, EMPTY_CLIENT_STATE } from './fedavg.js';
export { FedAvgM, DEFAULT_FEDAVGM_MOMENTUM, DEFAULT_FEDAVGM_SERVER_LR } from './fedavgm.js';
export { FedProx, DEFAULT_PROX_MU } from './fedprox.js';
export { Scaffold, DEFAULT_SCAFFOLD_SERVER_LR } from './scaffold.js';
export { FedOpt, DEFAULT_FEDOPT_BETA1, DEFAULT_FEDOPT_BETA2, DEFAULT_FEDOPT_SERVER_LR, DEFAULT_FEDOPT_TAU, type FedOptOptions } from './fedopt.js';
export { FedAdam } from './fedadam.js';
export { FedYogi } from './fedyogi.js';
export { FedAdagrad } from './fedadagrad.js';
export {
  runFederated,
  communicationTotals,
  clientRandom,
  clientStreamState,
  samplingStream,
  sampleClients,
  participantsPerRound,
  type CommunicationTotals,
} from './run-federated.js';
