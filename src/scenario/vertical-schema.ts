/**
 * The `vertical:` section of a scenario: the same patients' columns split between institutions
 * (vertical federated learning). Each party holds some feature groups of a share (`coverage`)
 * of the population described by the scenario's one site; exactly one party holds the label.
 * Read by `fedage generate` (one Arrow file per party, party-local ids) and `fedage vertical`.
 */
import { z } from 'zod';
import { siteIdSchema } from './site-id.js';

/**
 * Named groups of patient-table feature columns (src/synth/columns.ts names; a test checks each
 * is a feature column there). Disjoint, so a column has at most one holder. `gait` is apart
 * from `frailty` because a wearable measures walking speed while grip and the Fried criteria
 * come from a clinic visit.
 */
export const VERTICAL_FEATURE_GROUPS = {
  demographics: ['sex', 'age_years', 'education_years'],
  genetics: ['apoe_e4_carrier'],
  cognition: ['mmse', 'moca', 'cdr_sb'],
  mri: ['icv_cm3', 'hippocampus_cm3', 'hippocampus_icv_adj_cm3', 'entorhinal_thickness_mm', 'ventricles_cm3', 'wmh_cm3'],
  anthropometry: ['height_cm', 'weight', 'bmi'],
  frailty: ['grip_strength_kg', 'fried_weight_loss', 'fried_exhaustion', 'fried_low_activity', 'fried_slow_gait', 'fried_weak_grip', 'fried_count', 'frailty_phenotype'],
  gait: ['gait_speed_m_s'],
  wearables: ['steps_per_day', 'sleep_hours'],
  comorbidities: ['hypertension', 'diabetes', 'hyperlipidemia'],
  labs: ['glucose', 'hba1c', 'cholesterol_total', 'creatinine'],
  diagnosis_codes: ['dx_code_baseline', 'dx_recorded_baseline'],
} as const satisfies Record<string, readonly string[]>;

export type VerticalFeatureGroup = keyof typeof VERTICAL_FEATURE_GROUPS;
export const VERTICAL_FEATURE_GROUP_NAMES = Object.keys(VERTICAL_FEATURE_GROUPS) as VerticalFeatureGroup[];

export const VERTICAL_ENCRYPTIONS = ['paillier', 'masked'] as const;

const partySchema = z.strictObject({
  id: siteIdSchema.describe('party id, also the output file name (<id>.arrow)'),
  name: z.string().min(1).optional().describe('human-readable name of the institution'),
  label: z.boolean().optional().describe('true for the one party that holds the label (the target column); default false'),
  coverage: z
    .number()
    .gt(0)
    .max(1)
    .describe('fraction of the population this party holds a record of (0 < coverage <= 1), drawn independently per party'),
  features: z
    .array(z.enum(VERTICAL_FEATURE_GROUP_NAMES))
    .min(1, 'at least one feature group')
    .describe(`feature groups the party holds: ${VERTICAL_FEATURE_GROUP_NAMES.join(', ')}`),
});

export const verticalTrainingSchema = z.strictObject({
  epochs: z.number().int().min(1).max(10_000).optional().describe('passes over the aligned training rows (default 10)'),
  batchSize: z.number().int().min(1).max(1_000_000).optional().describe('rows per step (default 256)'),
  learningRate: z.number().gt(0).max(100).optional().describe('step size (default 0.05)'),
  bottomHiddenUnits: z.number().int().min(0).max(4096).optional().describe("units of each party's bottom model in split learning: one ReLU layer; 0 = linear bottom models (default 8)"),
  testFraction: z.number().gt(0).lt(1).optional().describe('share of the aligned labelled rows held out for testing, stratified by label (default 0.25)'),
  encryption: z.enum(VERTICAL_ENCRYPTIONS).optional().describe('vertical logistic regression: Paillier-encrypted residuals (Hardy et al. 2017) or masked residuals (default paillier)'),
  keyBits: z.number().int().min(512).max(8192).multipleOf(256).optional().describe('Paillier modulus size in bits (default 2048)'),
  leakageNoiseMultiplier: z.number().min(0).max(1000).optional().describe('label-leakage defence: Gaussian noise on returned gradients, sigma = this multiple of the largest per-example gradient norm of the batch (default 1; 0 = no defence)'),
});

export const verticalSettingsSchema = z.strictObject({
  parties: z.array(partySchema).min(2, 'at least two parties').max(16, 'at most 16 parties').describe('the institutions, each with its columns and coverage; exactly one has `label: true`'),
  training: verticalTrainingSchema.optional().describe('settings of `fedage vertical` (split learning, vertical logistic regression, leakage)'),
});

export type VerticalSettingsInput = z.infer<typeof verticalSettingsSchema>;
export type VerticalPartyInput = z.infer<typeof partySchema>;

/** A party with defaults filled in. */
export interface VerticalParty {
  id: string;
  name: string;
  label: boolean;
  coverage: number;
  features: VerticalFeatureGroup[];
}

export interface VerticalTrainingSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  bottomHiddenUnits: number;
  testFraction: number;
  encryption: (typeof VERTICAL_ENCRYPTIONS)[number];
  keyBits: number;
  leakageNoiseMultiplier: number;
}

export interface VerticalSettings {
  parties: VerticalParty[];
  training: VerticalTrainingSettings;
}

export const DEFAULT_VERTICAL_TRAINING: VerticalTrainingSettings = {
  epochs: 10,
  batchSize: 256,
  learningRate: 0.05,
  bottomHiddenUnits: 8,
  testFraction: 0.25,
  encryption: 'paillier',
  keyBits: 2048,
  leakageNoiseMultiplier: 1,
};

export function resolveVertical(input: VerticalSettingsInput): VerticalSettings {
  return {
    parties: input.parties.map((p) => ({ id: p.id, name: p.name ?? p.id, label: p.label ?? false, coverage: p.coverage, features: [...p.features] })),
    training: { ...DEFAULT_VERTICAL_TRAINING, ...Object.fromEntries(Object.entries(input.training ?? {}).filter(([, v]) => v !== undefined)) },
  };
}
