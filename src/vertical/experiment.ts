/**
 * The vertical-FL experiment (issue 20, deliverables 3 and 4): on parties that hold different
 * columns of the same aligned patients, trains and scores
 *   central, label-holder-only, label-holder+P (vertical/baselines.ts),
 *   split-learning and split-learning+defence (vertical/split-learning.ts, gradient-defence.ts),
 *   vertical-lr (vertical/taylor-lr.ts with vertical-lr-paillier.ts or vertical-lr-masked.ts),
 * and mounts the label-leakage attacks of Li et al. 2022 (vertical/label-leakage.ts) on the
 * gradients each party without labels receives in split learning, with and without the defence.
 *
 * A pure library: no I/O, no printing; deterministic for config.seed (wallMs aside).
 */
import { labelHolderFirst, labelsOf, validateVerticalData } from './columns.js';
import { scoreArm } from './evaluate.js';
import { describeGaussianDefence, gaussianGradientDefence } from './gradient-defence.js';
import { directionAttackAuc, GradientCollector, normAttackAuc } from './label-leakage.js';
import { runBaselines } from './baselines.js';
import { predictSplit, trainSplitLearning, type SplitLearningOptions } from './split-learning.js';
import { DEFAULT_FRACTION_BITS } from './fixed-point.js';
import { predictTaylor, trainTaylorLr, type TaylorGradientProtocol } from './taylor-lr.js';
import { MaskedTaylorProtocol } from './vertical-lr-masked.js';
import { PaillierTaylorProtocol } from './vertical-lr-paillier.js';
import type {
  VerticalArmResult,
  VerticalExperimentConfig,
  VerticalExperimentResult,
  VerticalLeakageResult,
  VerticalProgress,
  VerticalTrainingData,
} from './types.js';
import { VERTICAL_ARM_KINDS } from './types.js';

export { VERTICAL_ARM_KINDS } from './types.js';
export type {
  VerticalArmKind,
  VerticalArmResult,
  VerticalExperimentConfig,
  VerticalExperimentResult,
  VerticalLeakageResult,
  VerticalPartyMatrix,
  VerticalProgress,
  VerticalTrainingData,
} from './types.js';

export function validateVerticalConfig(config: VerticalExperimentConfig): void {
  const positiveInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt(config.epochs, 'epochs');
  positiveInt(config.batchSize, 'batchSize');
  if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) throw new RangeError(`learningRate must be > 0, got ${config.learningRate}`);
  if (!Number.isInteger(config.bottomHiddenUnits) || config.bottomHiddenUnits < 0) throw new RangeError(`bottomHiddenUnits must be an integer >= 0, got ${config.bottomHiddenUnits}`);
  if (config.verticalLr.encryption !== 'paillier' && config.verticalLr.encryption !== 'masked') throw new RangeError(`verticalLr.encryption must be 'paillier' or 'masked', got '${String(config.verticalLr.encryption)}'`);
  const F = config.verticalLr.fractionBits ?? DEFAULT_FRACTION_BITS;
  if (!Number.isInteger(F) || F < 4 || F > 26) throw new RangeError(`verticalLr.fractionBits must be an integer in [4, 26], got ${F}`);
  const m = config.leakageDefence.noiseMultiplier;
  if (!(m >= 0) || !Number.isFinite(m)) throw new RangeError(`leakageDefence.noiseMultiplier must be a finite number >= 0, got ${m}`);
  for (const arm of config.arms ?? []) {
    if (!VERTICAL_ARM_KINDS.includes(arm)) throw new RangeError(`arms: unknown arm '${String(arm)}' (expected one of ${VERTICAL_ARM_KINDS.join(', ')})`);
  }
}

function scoresOf(data: VerticalTrainingData, predict: (rows: Uint32Array) => Float64Array) {
  return scoreArm(labelsOf(data.labels, data.trainIndices), predict(data.trainIndices), labelsOf(data.labels, data.testIndices), predict(data.testIndices));
}

interface SplitArm {
  result: VerticalArmResult;
  collector: GradientCollector;
}

function runSplitArm(data: VerticalTrainingData, config: VerticalExperimentConfig, arm: string, options: SplitLearningOptions): SplitArm {
  const started = performance.now();
  const collector = new GradientCollector(config.epochs);
  const run = trainSplitLearning(data, config, { ...options, observer: collector.observe, arm });
  const { forward, backward } = run.bytesByDirection;
  const result: VerticalArmResult = {
    arm,
    ...scoresOf(data, (rows) => predictSplit(run.model, rows)),
    bytesPerEpoch: forward + backward,
    bytesByDirection: { forward, backward },
    epochs: run.epochs,
    wallMs: performance.now() - started,
    protocol: `split learning, ${config.bottomHiddenUnits > 0 ? `ReLU bottoms of ${config.bottomHiddenUnits} units` : 'linear bottoms'}, ${config.wireFormat ?? 'float32'} wire${options.defence ? `, ${describeGaussianDefence(config.leakageDefence.noiseMultiplier)}` : ''}`,
  };
  return { result, collector };
}

export async function createTaylorProtocol(config: VerticalExperimentConfig): Promise<TaylorGradientProtocol> {
  const F = config.verticalLr.fractionBits ?? DEFAULT_FRACTION_BITS;
  return config.verticalLr.encryption === 'paillier' ? PaillierTaylorProtocol.create(config.verticalLr.keyBits, F) : new MaskedTaylorProtocol(F);
}

async function runVerticalLrArm(data: VerticalTrainingData, config: VerticalExperimentConfig, onProgress?: VerticalProgress): Promise<VerticalArmResult> {
  const started = performance.now();
  const protocol = await createTaylorProtocol(config);
  const model = await trainTaylorLr(data, config, protocol, onProgress, 'vertical-lr');
  const bytes = protocol.bytes();
  const forward = bytes.forward / config.epochs;
  const backward = bytes.backward / config.epochs;
  return {
    arm: 'vertical-lr',
    ...scoresOf(data, (rows) => predictTaylor(model, rows)),
    bytesPerEpoch: forward + backward,
    bytesByDirection: { forward, backward },
    epochs: config.epochs,
    wallMs: performance.now() - started,
    protocol: describeTaylorProtocol(config),
  };
}

/** One line naming the vertical-LR protocol and its fixed-point step. */
export function describeTaylorProtocol(config: VerticalExperimentConfig): string {
  const F = config.verticalLr.fractionBits ?? DEFAULT_FRACTION_BITS;
  const how = config.verticalLr.encryption === 'paillier' ? `Paillier ${config.verticalLr.keyBits}-bit` : 'masked: Beaver triples over Z_2^64';
  return `vertical LR (Hardy et al. 2017, Taylor loss), ${how}, fixed point 2^-${F}`;
}

function leakageOf(data: VerticalTrainingData, plain: SplitArm, defended: SplitArm | null, defence: string | null): VerticalLeakageResult[] {
  const parties = labelHolderFirst(data);
  const results: VerticalLeakageResult[] = [];
  const attack = (collector: GradientCollector, partyIndex: number) => {
    const { rows, gradients, batches } = collector.received(partyIndex);
    const y = Array.from(rows, (r) => data.labels[r]);
    return { norm: normAttackAuc(gradients, y), direction: directionAttackAuc(gradients, y, batches) };
  };
  const aucCost = defended ? plain.result.auc - defended.result.auc : 0;
  for (let i = 1; i < parties.length; i++) {
    const before = attack(plain.collector, i);
    const after = defended ? attack(defended.collector, i) : before;
    results.push(
      { attack: 'gradient-norm', attackAuc: before.norm, defence, defenceAttackAuc: after.norm, aucCost, attackerPartyId: parties[i].partyId },
      { attack: 'gradient-direction', attackAuc: before.direction, defence, defenceAttackAuc: after.direction, aucCost, attackerPartyId: parties[i].partyId },
    );
  }
  return results;
}

/**
 * Every arm (or those in config.arms) and the leakage figures. Arms in order: central,
 * label-holder-only, label-holder+P (each other party P; these two only when the label holder
 * has columns and partners), split-learning, split-learning+defence (when noiseMultiplier > 0),
 * vertical-lr. Leakage: for each party without labels, the norm and the direction attack on
 * split learning's returned gradients (none without the split-learning arm); the defended
 * column from split-learning+defence (defence null when it did not run). onProgress fires after
 * each epoch of the federated arms.
 */
export async function runVerticalExperiment(
  data: VerticalTrainingData,
  config: VerticalExperimentConfig,
  onProgress?: (event: { arm: string; epoch: number }) => void,
): Promise<VerticalExperimentResult> {
  validateVerticalData(data);
  validateVerticalConfig(config);
  const wanted = (kind: (typeof VERTICAL_ARM_KINDS)[number]) => config.arms === undefined || config.arms.includes(kind);
  const arms = runBaselines(data, config, wanted);
  const m = config.leakageDefence.noiseMultiplier;
  const plain = wanted('split-learning') ? runSplitArm(data, config, 'split-learning', { onProgress }) : null;
  if (plain) arms.push(plain.result);
  let defended: SplitArm | null = null;
  if (m > 0 && wanted('split-learning+defence')) {
    defended = runSplitArm(data, config, 'split-learning+defence', { onProgress, defence: gaussianGradientDefence(m, config.seed) });
    arms.push(defended.result);
  }
  if (wanted('vertical-lr')) arms.push(await runVerticalLrArm(data, config, onProgress));
  return { arms, leakage: plain ? leakageOf(data, plain, defended, defended ? describeGaussianDefence(m) : null) : [] };
}
