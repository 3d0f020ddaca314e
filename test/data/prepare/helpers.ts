/** Shared fixtures of the bench data tests (functions only: importing does no work). */
import type { PrepareOptions } from '../../../src/data/prepare/types.js';

export interface SiteYaml {
  id: string;
  patients: number;
  /** Flow-style YAML mapping for `coding`, e.g. `{ labUnits: SI, weightUnit: lb }`. */
  coding?: string;
}

export function scenarioYaml(sites: SiteYaml[], { seed = 5, target = 'incident_dementia_code', name = 'bench-data' } = {}): string {
  const body = sites
    .map((s) => `  - id: ${s.id}\n    patients: ${s.patients}\n${s.coding ? `    coding: ${s.coding}\n` : ''}`)
    .join('');
  return `consortium:\n  name: ${name}\n  seed: ${seed}\n  target: ${target}\nsites:\n${body}`;
}

export const SPLIT = { train: 0.6, validation: 0.2, test: 0.2 };

export function prepOpts(over: Partial<PrepareOptions> = {}): PrepareOptions {
  return { seed: 1, split: SPLIT, normalization: 'federated', harmonizeUnits: true, missingIndicators: true, ...over };
}

/** Mean and sample SD (n − 1) by brute force. */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)) };
}
