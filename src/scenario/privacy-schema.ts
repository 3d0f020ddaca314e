/**
 * The `privacy:` section (scenario or --config file): which arms get differentially private
 * variants, at which ε, with which δ and clipping. Defaults are filled in src/bench/config.ts.
 */
import { z } from 'zod';
import { FEDERATED_STRATEGIES } from './arms.js';

export const PRIVACY_ARM_KINDS = ['central', 'local', ...FEDERATED_STRATEGIES] as const;

export const privacySettingsSchema = z.strictObject({
  level: z.enum(['sample', 'client']).optional().describe('sample: DP-SGD at each site (Abadi et al. 2016); client: DP-FedAvg (McMahan et al. 2018)'),
  epsilons: z.array(z.number().gt(0).max(1000)).min(1).optional().describe('target ε per site, one arm each (default [0.1, 1, 5])'),
  // 1e-100: the accountant's MIN_NOISE_MULTIPLIER (src/privacy/accountant/rdp.ts); below it ε cannot be evaluated.
  noiseMultiplier: z.number().min(1e-100).max(1e6).optional().describe('use this σ instead of calibrating σ to each target ε'),
  delta: z.number().gt(0).lt(1).optional().describe('δ (default: a power of ten below 1/(10 n) of the smallest site)'),
  clipNorm: z.number().gt(0).optional().describe('per-example (sample) or per-update (client) L2 clip norm (default 1)'),
  arms: z.array(z.enum(PRIVACY_ARM_KINDS)).min(1).optional().describe('arms that get DP variants (default: central and fedavg; client level: fedavg)'),
  budget: z.number().gt(0).max(1000).optional().describe('ε no site may exceed; training stops before a step that would (exit 3)'),
  adaptiveClipping: z
    .union([
      z.boolean(),
      z.strictObject({
        targetQuantile: z.number().gt(0).lt(1).optional(),
        learningRate: z.number().gt(0).optional(),
      }),
    ])
    .optional()
    .describe('client level: clip norm follows a quantile of update norms (Andrew et al. 2021)'),
});

export type PrivacySettingsInput = z.infer<typeof privacySettingsSchema>;
