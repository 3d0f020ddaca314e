/** The model layer: models over flat parameter vectors, optimizers, and the local training loop. */
export type {
  Matrix,
  LabeledData,
  ModelKind,
  Model,
  Optimizer,
  OptimizerConfig,
  LocalTrainingOptions,
  LocalTrainingResult,
  ClippedGradSum,
  PerExampleModel,
} from './types.js';
export { hasPerExampleGradients } from './types.js';
export { Sgd, Adam, createOptimizer } from './optimizer.js';
export { trainLocal, shuffleInto } from './train.js';
export { LogisticRegression, sigmoid, probabilityOf, bceWithLogit } from './logistic.js';
export { Mlp, type MlpOptions, type DenseLayerLayout, type HiddenActivation } from './mlp.js';
export { createModel, DEFAULT_HIDDEN_UNITS, type ModelSpec } from './create-model.js';
export {
  loadTfjs,
  loadedTfjs,
  describeBackend,
  TfjsModel,
  type Tf,
  type LoadedTfjs,
  type TfjsBackendName,
  type BackendDescription,
} from './tfjs-backend.js';
