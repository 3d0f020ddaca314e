/** The audit's resolved settings: the scenario's `bench.audit` section, then command-line overrides, then defaults. */
import type { AuditSettingsInput } from '../scenario/audit-schema.js';

export interface AuditConfig {
  /** Arm names or prefixes (null: every planned arm). */
  arms: string[] | null;
  canaries: number;
  mislabelledFraction: number;
  /** Crafted canaries (null: one per feature, the most there can be). */
  craftedCanaries: number | null;
  /** Canary sites (null: the site with the fewest training rows). */
  sites: string[] | null;
  pValue: number;
  shadowModels: number;
  multiRun: number;
  reconstruction: { batchSizes: number[]; localSteps: number[]; tolerance: number; trials: number };
}

export type AuditOverrides = Partial<Pick<AuditConfig, 'arms' | 'canaries' | 'craftedCanaries' | 'sites' | 'multiRun' | 'shadowModels'>>;

export const AUDIT_DEFAULTS: AuditConfig = {
  arms: null,
  canaries: 1000,
  mislabelledFraction: 0.5,
  craftedCanaries: null,
  sites: null,
  pValue: 0.05,
  shadowModels: 8,
  multiRun: 0,
  reconstruction: { batchSizes: [1, 2, 4, 8], localSteps: [1, 5], tolerance: 0.1, trials: 5 },
};

export function resolveAuditConfig(settings: AuditSettingsInput | undefined, overrides: AuditOverrides = {}): AuditConfig {
  const s = settings ?? {};
  const r = s.reconstruction ?? {};
  const d = AUDIT_DEFAULTS;
  return {
    arms: overrides.arms ?? s.arms ?? d.arms,
    canaries: overrides.canaries ?? s.canaries ?? d.canaries,
    mislabelledFraction: s.mislabelledFraction ?? d.mislabelledFraction,
    craftedCanaries: overrides.craftedCanaries ?? s.craftedCanaries ?? d.craftedCanaries,
    sites: overrides.sites ?? s.sites ?? d.sites,
    pValue: s.pValue ?? d.pValue,
    shadowModels: overrides.shadowModels ?? s.shadowModels ?? d.shadowModels,
    multiRun: overrides.multiRun ?? s.multiRun ?? d.multiRun,
    reconstruction: {
      batchSizes: r.batchSizes ?? d.reconstruction.batchSizes,
      localSteps: r.localSteps ?? d.reconstruction.localSteps,
      tolerance: r.tolerance ?? d.reconstruction.tolerance,
      trials: r.trials ?? d.reconstruction.trials,
    },
  };
}
