/**
 * The `bench:` section of a scenario (or of a `--config` file for data directories): what
 * `fedage bench` trains and how. Every field is optional; src/bench/config.ts fills the
 * documented defaults and applies command-line overrides.
 */
import { z } from 'zod';
import { TARGETS, targetErrorMessage } from './targets.js';
import { privacySettingsSchema } from './privacy-schema.js';
import { auditSettingsSchema } from './audit-schema.js';

import { BENCH_ARM_KINDS, FEDERATED_STRATEGIES } from './arms.js';
export { BENCH_ARM_KINDS, FEDERATED_STRATEGIES };

const positiveInt = z.number().int().min(1);
const learningRate = z.number().gt(0).max(100);

const optimizerSettings = {
  optimizer: z.enum(['sgd', 'adam']).optional().describe('sgd (default) or adam'),
  learningRate: learningRate.optional().describe('step size'),
  momentum: z.number().min(0).lt(1).optional().describe('SGD momentum (0 = plain SGD)'),
  batchSize: positiveInt.max(1_000_000).optional().describe('minibatch size'),
};

export const strategySettingsSchema = z.strictObject({
  serverLearningRate: learningRate.optional().describe('server step size (FedAvgM, FedOpt, SCAFFOLD)'),
  serverMomentum: z.number().min(0).lt(1).optional().describe('FedAvgM server momentum'),
  proxMu: z.number().min(0).optional().describe('FedProx proximal strength mu'),
  beta1: z.number().min(0).lt(1).optional().describe('FedOpt first-moment decay'),
  beta2: z.number().min(0).lt(1).optional().describe('FedOpt second-moment decay'),
  tau: z.number().gt(0).optional().describe('FedOpt adaptivity tau'),
  learningRate: learningRate.optional().describe('client learning rate for this strategy (overrides federated.learningRate)'),
});

/** Secure aggregation of the federated arms' updates (issue 14); knobs and defaults as Flower's SecAgg+. */
export const secureAggregationSettingsSchema = z.strictObject({
  kind: z.enum(['masking', 'ckks']).describe('masking (SecAgg/SecAgg+: pairwise and self masks, Shamir shares) or ckks (homomorphic sums, node-seal)'),
  clippingRange: z.number().gt(0).max(1e6).optional().describe('masking: weighted update values are clipped to [-clippingRange, clippingRange] (Flower: 8.0)'),
  quantizationRange: z.number().int().min(2).max(2 ** 31).optional().describe('masking: values are quantized to integers in [0, quantizationRange] (Flower: 2^22)'),
  modulusRange: z.number().int().min(4).max(2 ** 32).optional().describe('masking: words live mod modulusRange, a power of two <= 2^32 (Flower: 2^32)'),
  maxWeight: z.number().gt(0).optional().describe("largest site weight (training rows) the encoding carries (default: max(1000, the largest site's training rows))"),
  graph: z.enum(['complete', 'k-regular']).optional().describe('masking: complete graph (SecAgg, default) or random k-regular graph (SecAgg+)'),
  numShares: z.number().gt(0).optional().describe('masking, k-regular: shares per secret (integer >= 3, or a fraction of the sites), as Flower'),
  reconstructionThreshold: z.number().gt(0).optional().describe('masking: shares that recover a secret (integer >= 2, or a fraction of numShares; default 0.5)'),
  dropoutProbability: z.number().min(0).lt(1).optional().describe('per-round probability that a site drops out after sharing keys (simulated; default 0)'),
  release: z.enum(['server', 'sites']).optional().describe('ckks: who learns the decrypted sum: server (one site decrypts and returns it, default) or sites only'),
});

/** q8 | q4 | q2 | topk:<fraction> | randk:<fraction>. */
export const compressionSpecSchema = z
  .string()
  .regex(/^(q8|q4|q2|(topk|randk):\d*\.?\d+)$/, 'q8, q4, q2, topk:<fraction> or randk:<fraction>')
  .describe('update compression: q8|q4|q2 (QSGD stochastic quantization), topk:<fraction> (error feedback) or randk:<fraction> (shared seed)');

export const benchSettingsSchema = z.strictObject({
  model: z
    .strictObject({
      kind: z.enum(['logistic', 'mlp']).optional().describe('logistic (default) or mlp'),
      hiddenUnits: z.array(positiveInt.max(4096)).min(1).max(2).optional().describe('MLP hidden layer widths (1-2 layers)'),
      activation: z.enum(['relu', 'tanh']).optional(),
      l2: z.number().min(0).optional().describe('L2 penalty lambda on weights'),
      backend: z.enum(['js', 'tfjs']).optional().describe('js (hand-written typed arrays, default) or tfjs (tfjs-node when it loads, else tfjs cpu)'),
      init: z
        .enum(['zeros', 'uniform-fan-in'])
        .optional()
        .describe('logistic start point: zeros (default) or U(-1/sqrt(d), 1/sqrt(d)) for weights and bias, drawn per seed (PyTorch nn.Linear default)'),
    })
    .optional(),
  target: z.enum(TARGETS, { error: (issue) => targetErrorMessage(issue.input) }).optional().describe('prediction target (default: the consortium target); a data directory must have been generated for it'),
  arms: z.array(z.enum(BENCH_ARM_KINDS)).min(1).optional().describe('arms to run (default: all)'),
  seeds: z
    .union([positiveInt.max(1000), z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1)])
    .optional()
    .describe('number of seeds (0..n-1) or an explicit list'),
  split: z
    .union([
      z
        .strictObject({ train: z.number().gt(0).lt(1), validation: z.number().min(0).lt(1), test: z.number().gt(0).lt(1) })
        .refine((s) => Math.abs(s.train + s.validation + s.test - 1) < 1e-9, { message: 'train + validation + test = 1' }),
      z.literal('fixed'),
    ])
    .optional()
    .describe('per-site stratified split fractions (sum 1), or fixed: the data\'s `split` column (fedage import with a split table)'),
  preprocessing: z
    .strictObject({
      normalization: z.enum(['federated', 'per-site', 'none']).optional(),
      harmonizeUnits: z.boolean().optional(),
      missingIndicators: z.boolean().optional(),
      scaleBinary: z.boolean().optional().describe('also z-score binary and one-hot columns (FLamby standardizes every input column)'),
      centralStatistics: z
        .enum(['same', 'pooled'])
        .optional()
        .describe('central arm training data: same normalization as the other arms (default) or pooled training statistics (FLamby pooled baseline)'),
    })
    .optional(),
  evaluation: z
    .strictObject({
      threshold: z.number().gt(0).lt(1).optional().describe('fixed decision threshold for F1/accuracy (default: the F1-optimal threshold on validation data)'),
      summary: z.enum(['pooled', 'site-mean']).optional().describe('headline metrics: pooled test set (default) or also the unweighted mean over sites (FLamby)'),
    })
    .optional(),
  training: z
    .strictObject({
      ...optimizerSettings,
      epochs: positiveInt.max(100_000).optional().describe('epochs for central and local arms (default: the federated budget)'),
      steps: positiveInt.max(100_000_000).optional().describe('minibatch steps instead of epochs'),
    })
    .optional()
    .describe('central and local (site-alone) training'),
  federated: z
    .strictObject({
      ...optimizerSettings,
      rounds: positiveInt.max(100_000).optional(),
      clientFraction: z.number().gt(0).max(1).optional().describe('fraction of sites sampled per round'),
      localEpochs: positiveInt.max(10_000).optional(),
      localSteps: positiveInt.max(10_000_000).optional().describe('local minibatch steps per round instead of epochs'),
      strategies: z.partialRecord(z.enum(FEDERATED_STRATEGIES), strategySettingsSchema).optional(),
    })
    .optional(),
  convergenceFraction: z.number().gt(0).max(1).optional().describe('rounds-to-target reports the first round reaching this fraction of central AUC'),
  sampling: z
    .enum(['block-shuffle', 'reshuffle'])
    .optional()
    .describe('minibatch order of non-private SGD: block-shuffle (default: rows permuted once per seed, blocks of minibatches shuffled per epoch; faster) or reshuffle (every row every epoch)'),
  evaluateEvery: positiveInt
    .max(100_000)
    .optional()
    .describe('federated arms: evaluate the global model on the pooled test set every k rounds for the convergence curve and rounds-to-target (default 1: every round; the last round always)'),
  gates: z.array(z.string().min(1)).optional().describe('CI gates, e.g. "fedavg.auc >= central.auc - 0.02"'),
  maxGap: z.number().min(0).max(1).optional().describe('gate every federated arm: auc >= central.auc - maxGap'),
  secureAggregation: secureAggregationSettingsSchema.optional().describe('add a secure-aggregation twin of every federated arm (e.g. fedavg+secagg, fedavg+ckks)'),
  compression: compressionSpecSchema.optional(),
  audit: auditSettingsSchema.optional().describe('privacy audit settings (read by fedage audit)'),
});

export type BenchSettingsInput = z.infer<typeof benchSettingsSchema>;

/** A stand-alone bench config file (for data directories): `bench:` at the top level. */
export const benchConfigFileSchema = z.strictObject({
  $schema: z.string().optional(),
  bench: benchSettingsSchema.optional(),
  privacy: privacySettingsSchema.optional(),
});
