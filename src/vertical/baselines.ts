/**
 * The non-federated references of the vertical bench, trained with the repo's model code
 * (model/logistic.ts, model/mlp.ts, model/train.ts) on pooled columns:
 *  - central: every party's columns pooled (what a single data owner would get);
 *  - label-holder-only: the label holder's own columns (what it gets without any partner);
 *  - label-holder+P: the label holder's and one partner's columns (the value of each partner).
 * The model class follows the split model's: logistic regression for linear bottoms, a
 * one-hidden-layer MLP of width bottomHiddenUnits otherwise.
 */
import { LogisticRegression } from '../model/logistic.js';
import { Mlp } from '../model/mlp.js';
import { Sgd } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { Model } from '../model/types.js';
import { labelHolderFirst, pooledRows } from './columns.js';
import { scoreArm } from './evaluate.js';
import { shuffleSource, uniformSource } from './streams.js';
import type { VerticalArmKind, VerticalArmResult, VerticalExperimentConfig, VerticalPartyMatrix, VerticalTrainingData } from './types.js';

export function baselineModel(featureCount: number, bottomHiddenUnits: number): Model {
  return bottomHiddenUnits > 0 ? new Mlp({ featureCount, hiddenUnits: [bottomHiddenUnits], l2: 0 }) : new LogisticRegression(featureCount, 0);
}

/** Trains on the pooled columns of `parties` and scores the test rows; parameters returned for tests. */
export function trainPooled(
  data: VerticalTrainingData,
  parties: readonly VerticalPartyMatrix[],
  config: VerticalExperimentConfig,
  arm: string,
): VerticalArmResult & { params: Float64Array } {
  const started = performance.now();
  const train = pooledRows(parties, data.labels, data.trainIndices);
  const model = baselineModel(train.d, config.bottomHiddenUnits);
  const params = model.init(uniformSource(config.seed, 'init/central'));
  trainLocal(model, params, train, {
    batchSize: config.batchSize,
    epochs: config.epochs,
    optimizer: new Sgd(config.learningRate),
    random: shuffleSource(config.seed),
  });
  const test = pooledRows(parties, data.labels, data.testIndices);
  const scores = scoreArm(train.y, model.predict(params, train), test.y, model.predict(params, test));
  return {
    arm,
    ...scores,
    bytesPerEpoch: 0,
    bytesByDirection: { forward: 0, backward: 0 },
    epochs: config.epochs,
    wallMs: performance.now() - started,
    params,
  };
}

/** central, label-holder-only and label-holder+P for every other party P, in that order (those `wanted`). */
export function runBaselines(data: VerticalTrainingData, config: VerticalExperimentConfig, wanted: (kind: VerticalArmKind) => boolean = () => true): VerticalArmResult[] {
  const [holder, ...others] = labelHolderFirst(data);
  const strip = ({ params: _params, ...rest }: VerticalArmResult & { params: Float64Array }): VerticalArmResult => rest;
  const results: VerticalArmResult[] = [];
  if (wanted('central')) results.push(strip(trainPooled(data, [holder, ...others], config, 'central')));
  // Without partners these would repeat 'central'; without own columns there is nothing to train.
  if (others.length === 0 || holder.cols === 0) return results;
  if (wanted('label-holder-only')) results.push(strip(trainPooled(data, [holder], config, 'label-holder-only')));
  if (wanted('label-holder+party')) for (const p of others) results.push(strip(trainPooled(data, [holder, p], config, `label-holder+${p.partyId}`)));
  return results;
}
