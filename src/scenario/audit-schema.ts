/**
 * The `audit:` part of a scenario's bench settings (read by `fedage audit`; src/audit/config.ts
 * fills the defaults). Every field is optional.
 */
import { z } from 'zod';

export const auditSettingsSchema = z.strictObject({
  arms: z.array(z.string().min(1)).optional().describe('arms to audit: planned arm names (fedavg+dp(eps=1)) or a prefix (fedavg: fedavg and its DP twins); default every planned arm'),
  canaries: z.number().int().min(4).max(100_000).optional().describe('canary patients inserted at each audited site, each included with probability 1/2 (default 1000)'),
  mislabelledFraction: z.number().min(0).max(1).optional().describe('fraction of canaries with a flipped label (default 0.5; the rest are natural)'),
  craftedCanaries: z.number().int().min(0).max(10_000).optional().describe('crafted (ClipBKD-style) canaries added to the drawn ones, one per low-variance direction, at most the feature count (default: the feature count)'),
  sites: z.array(z.string().min(1)).optional().describe('sites that receive canaries, one audit run each (default: the site with the fewest training rows)'),
  pValue: z.number().gt(0).lt(0.5).optional().describe('significance of the empirical epsilon lower bound (default 0.05: 95 % confidence)'),
  shadowModels: z.number().int().min(2).max(256).optional().describe('offline LiRA shadow models per audited site (default 8)'),
  multiRun: z.number().int().min(0).max(100_000).optional().describe('training runs of the multi-run (Jagielski et al. 2020) audit per arm; 0 = off (default)'),
  reconstruction: z
    .strictObject({
      batchSizes: z.array(z.number().int().min(1).max(4096)).optional().describe('batch sizes of the reconstruction attack (default 1,2,4,8)'),
      localSteps: z.array(z.number().int().min(1).max(1000)).optional().describe('local steps of the victim update (default 1,5)'),
      tolerance: z.number().gt(0).optional().describe('a reconstructed standardized feature counts when within this of the truth (default 0.1)'),
      trials: z.number().int().min(1).max(1000).optional().describe('victim batches per cell (default 5)'),
    })
    .optional()
    .describe('record reconstruction from one site update (logistic models)'),
});

export type AuditSettingsInput = z.infer<typeof auditSettingsSchema>;
