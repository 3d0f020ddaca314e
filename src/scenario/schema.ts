/**
 * The scenario schema: the single source of truth for what a scenario YAML may contain.
 * The JSON Schema shipped in `schema/scenario.schema.json` is generated from these zod
 * schemas (see json-schema.ts), so an editor and `fedage validate` agree.
 *
 * Layering: built-in defaults (defaults.ts, sourced from CLINICAL_PARAMETERS.md)
 *   <- consortium.defaults <- each site. Every layer uses the same *partial* site schema
 * (every field optional) so a range error points at the line where the value was written;
 * cross-field rules (rules.ts) run on the merged, fully resolved site.
 */
import { RACE_ETHNICITY, type RaceEthnicity, type RaceEthnicityMix } from './race-ethnicity.js';
import { z } from 'zod';
import { benchSettingsSchema, type BenchSettingsInput } from './bench-schema.js';
import { privacySettingsSchema, type PrivacySettingsInput } from './privacy-schema.js';
import { verticalSettingsSchema, type VerticalSettings } from './vertical-schema.js';

const fraction = z.number().min(0).max(1);
const positive = z.number().gt(0);
const nonNegative = z.number().min(0);
/** ISO calendar date, e.g. 2015-10-01. YAML 1.2 core schema keeps it a string. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'an ISO date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'a real calendar date',
  });

export { SITE_ID_PATTERN, siteIdSchema } from './site-id.js';
import { siteIdSchema } from './site-id.js';

// mean and sd are optional in a layer: a site may override only `age.mean`; the built-in
// defaults always supply both, so a resolved distribution is complete.
const distribution = z.strictObject({
  mean: z.number().optional().describe('mean'),
  sd: positive.optional().describe('standard deviation (> 0)'),
  min: z.number().optional().describe('lower truncation bound'),
  max: z.number().optional().describe('upper truncation bound'),
});

const perGroup = <T extends z.ZodType>(inner: T) =>
  z.strictObject({ CN: inner.optional(), MCI: inner.optional(), AD: inner.optional() });

const scannerBias = z.strictObject({
  multiplicative: positive.optional().describe('factor applied to the true value (1 = none)'),
  additive: z.number().optional().describe('offset added after the factor, in the biomarker unit'),
});

export const BIOMARKERS = ['hippocampus', 'entorhinal', 'ventricles', 'wmh'] as const;
export type Biomarker = (typeof BIOMARKERS)[number];

export const ICD_SYSTEMS = ['ICD-9-CM', 'ICD-10-CM', 'WHO-ICD-10'] as const;
export type IcdSystem = (typeof ICD_SYSTEMS)[number];

import { TARGETS, type Target, targetErrorMessage } from './targets.js';
export { TARGETS, type Target };

/** A prediction target; a retired name gets a message naming its replacements. */
export const targetSchema = z.enum(TARGETS, { error: (issue) => targetErrorMessage(issue.input) });

export const INSTRUMENTS = ['MMSE', 'MoCA', 'both'] as const;
export const FIELD_STRENGTHS = ['1.5T', '3T'] as const;
export const LAB_UNITS = ['conventional', 'SI'] as const;

/** Every site setting, every field optional: used by consortium.defaults and by each site. */
export const siteSettingsSchema = z.strictObject({
  name: z.string().min(1).optional().describe('human-readable hospital name'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as US, DE, SE')
    .optional(),
  patients: z.number().int().gt(0).optional().describe('number of patients enrolled (before --scale)'),
  enrollment: z
    .strictObject({ start: isoDate.optional(), end: isoDate.optional() })
    .optional()
    .describe('enrollment window; baseline visit dates are drawn uniformly inside it'),
  demographics: z
    .strictObject({
      age: distribution.optional().describe('age at baseline, years (truncated normal)'),
      femaleFraction: fraction.optional(),
      educationYears: distribution.optional().describe('years of schooling (truncated normal, rounded)'),
      raceEthnicity: z
        .strictObject(Object.fromEntries(RACE_ETHNICITY.map((g) => [g, fraction.optional()])) as Record<RaceEthnicity, z.ZodOptional<typeof fraction>>)
        .optional()
        .describe('race/ethnicity mix (White, Black, Hispanic, Asian, Other; must sum to 1, groups left out are 0); default by country (race-ethnicity.ts)'),
    })
    .optional(),
  apoeE4CarrierRate: fraction.optional().describe('fraction of patients carrying at least one APOE e4 allele'),
  diagnosisMix: z
    .strictObject({ CN: fraction.optional(), MCI: fraction.optional(), AD: fraction.optional() })
    .optional()
    .describe('true baseline diagnosis mix; must sum to 1'),
  riskModel: z
    .strictObject({
      ageLogOddsPer10y: z.number().optional().describe('shift of the latent neurodegeneration per 10 years of age'),
      apoeE4Shift: z.number().optional().describe('shift of the latent for e4 carriers (latent SD units)'),
      femaleShift: z.number().optional(),
      educationShiftPerYear: z.number().optional().describe('cognitive reserve: negative = protective'),
    })
    .optional(),
  cognition: z
    .strictObject({
      instrument: z.enum(INSTRUMENTS).optional().describe('cognitive screening test the site uses'),
      cdrSb: z.boolean().optional().describe('whether the site rates CDR Sum of Boxes'),
      mmse: perGroup(distribution).optional().describe('observed MMSE by true diagnosis (before age/education effects)'),
      moca: perGroup(distribution).optional(),
      cdrSbByGroup: perGroup(distribution).optional(),
      educationEffectPerYear: z.number().optional().describe('test points per year of education away from 12'),
      ageEffectPerYear: z.number().optional().describe('test points per year of age away from the site mean'),
      measurementErrorSd: perGroup(nonNegative)
        .optional()
        .describe('visit-to-visit measurement error of MMSE and MoCA by true stage, points ([CERAD]: 2.8 in probable AD)'),
    })
    .optional(),
  mri: z
    .strictObject({
      scannedFraction: fraction.optional(),
      fieldStrength: z.enum(FIELD_STRENGTHS).optional(),
      vendor: z.string().min(1).optional(),
      fieldStrengthVolumeFactor: positive
        .optional()
        .describe('volume factor of 3T relative to 1.5T (same subjects: 1.06-1.11)'),
      measurementCv: nonNegative.optional().describe('scan-rescan coefficient of variation'),
      scannerBias: z
        .strictObject({
          hippocampus: scannerBias.optional(),
          entorhinal: scannerBias.optional(),
          ventricles: scannerBias.optional(),
          wmh: scannerBias.optional(),
        })
        .optional(),
      hippocampusCm3: perGroup(distribution).optional().describe('ICV-adjusted bilateral hippocampal volume, cm3'),
      entorhinalThicknessMm: perGroup(distribution).optional(),
      ventriclesCm3: perGroup(distribution).optional(),
      wmhCm3: perGroup(distribution).optional().describe('white-matter hyperintensity volume, cm3 (log-normal)'),
    })
    .optional(),
  frailty: z
    .strictObject({
      availableFraction: fraction.optional().describe('fraction of patients with a frailty assessment'),
      gaitSpeedMps: distribution.optional().describe('usual gait speed of a robust 75-year-old, m/s'),
      gripStrengthKg: z
        .strictObject({ female: distribution.optional(), male: distribution.optional() })
        .optional(),
      latentSd: positive.optional().describe('spread of the latent frailty'),
      prevalenceTarget: fraction.optional().describe('approximate fraction frail (>= 3 Fried criteria)'),
    })
    .optional(),
  wearables: z
    .strictObject({
      availableFraction: fraction.optional(),
      stepsPerDay: distribution.optional().describe('daily steps of a robust 75-year-old (log-normal)'),
      sleepHours: distribution.optional(),
    })
    .optional(),
  comorbidities: z
    .strictObject({
      hypertension: fraction.optional(),
      diabetes: fraction.optional(),
      hyperlipidemia: fraction.optional(),
    })
    .optional(),
  progression: z
    .strictObject({
      cnToMciAnnual: fraction.optional().describe('annual CN -> MCI conversion probability'),
      mciToAdAnnual: fraction.optional().describe('annual MCI -> AD dementia conversion probability'),
      dropoutAnnual: fraction.optional().describe('annual loss to follow-up'),
      mmseDeclineAdPerYear: nonNegative.optional(),
      mmseDeclineMciPerYear: nonNegative.optional(),
      cdrSbIncreaseAdPerYear: nonNegative.optional(),
      hippocampusAtrophyPctPerYear: perGroup(nonNegative).optional(),
      hazardRatioE4: positive.optional(),
      hazardRatioPerLatentSd: positive.optional().describe('hazard ratio per SD of the latent within stage'),
      declineRateSd: nonNegative
        .optional()
        .describe('individual random slope: SD of a patient\'s decline rate as a fraction of the mean rate (floored at 0) [CERAD]'),
    })
    .optional(),
  coding: z
    .strictObject({
      icdSystem: z.enum(ICD_SYSTEMS).optional().describe('system in use after the switch date'),
      switchDate: isoDate
        .nullable()
        .optional()
        .describe('date the site moved from ICD-9-CM to icdSystem (US: 2015-10-01); null = always icdSystem'),
      dementiaSensitivity: fraction
        .optional()
        .describe('probability that a visit records a not-yet-coded dementia at CDR-SB 6 (CDR 1, mild); rises with severity, once coded stays coded'),
      mciSensitivity: fraction.optional().describe('probability that a visit records a not-yet-coded cognitive impairment (MCI or dementia) as such'),
      mciCodedAsDementia: fraction.optional().describe('fraction of patients whose recorded impairment receives a dementia code (a site habit, [USC19])'),
      recognitionLogOddsPerCdrSb: z.number().optional().describe('log-odds of recognising a dementia per CDR-SB point ([ADAMS-U]: 26 % at CDR 1 to 83 % at the most severe stage)'),
      recognitionLogOddsPerEducationYear: z.number().optional().describe('log-odds of recognition per year of schooling away from 12 ([AMJAD]: rises with education)'),
      recognitionLogOddsAge90: z.number().optional().describe('log-odds of recognition at age >= 90 ([AMJAD]: lower)'),
      recognitionLogOddsByRaceEthnicity: z
        .strictObject(Object.fromEntries(RACE_ETHNICITY.map((g) => [g, z.number().optional()])) as Record<RaceEthnicity, z.ZodOptional<z.ZodNumber>>)
        .optional()
        .describe('log-odds of recognition by race/ethnicity vs White ([MATTKE]: Black -0.92, Hispanic -0.71; [AMJAD], [ADAMS-U]: lower)'),
      labUnits: z.enum(LAB_UNITS).optional().describe('conventional (mg/dL, %) or SI (mmol/L, umol/L, mmol/mol)'),
      weightUnit: z.enum(['kg', 'lb']).optional(),
      labelNoise: fraction.optional().describe('probability the recorded target is flipped'),
    })
    .optional(),
  missingness: z
    .strictObject({
      apoe: fraction.optional(),
      cognition: fraction.optional(),
      mri: fraction.optional().describe('missing among scanned patients (failed QC)'),
      frailty: fraction.optional(),
      wearables: fraction.optional(),
      labs: fraction.optional(),
      education: fraction.optional(),
    })
    .optional(),
});

export type SiteSettingsInput = z.infer<typeof siteSettingsSchema>;

export const siteSchema = siteSettingsSchema.extend({
  id: siteIdSchema.describe('site id, also the output file name'),
});

export const refsSchema = z.record(z.string(), z.string()).describe('source key -> citation, Synthea-style');

export const consortiumSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional().describe('master seed (default 1)'),
  followUpYears: z.number().gt(0).max(30).optional(),
  visitIntervalMonths: z.number().int().gt(0).max(120).optional(),
  target: targetSchema.optional().describe('prediction target (README "Targets": eligibility and label of each)'),
  defaults: siteSettingsSchema.optional().describe('settings applied to every site unless it overrides them'),
});

export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  consortium: consortiumSchema,
  refs: refsSchema.optional(),
  sites: z.array(siteSchema).min(1, 'at least one site'),
  bench: benchSettingsSchema.optional().describe('benchmark settings (read by fedage bench)'),
  privacy: privacySettingsSchema.optional().describe('differential privacy arms of fedage bench'),
  vertical: verticalSettingsSchema.optional().describe('vertical federated learning: parties holding different columns of the same patients (read by fedage generate and fedage vertical)'),
});

export type ScenarioInput = z.infer<typeof scenarioSchema>;

type DeepRequired<T> = T extends (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<NonNullable<T[K]>> }
    : T;

/** A group distribution with its bounds resolved. */
export interface Dist {
  mean: number;
  sd: number;
  min?: number;
  max?: number;
}

/** A site with every setting resolved (defaults merged). */
export type ResolvedSite = Omit<
  DeepRequired<SiteSettingsInput>,
  'coding' | 'demographics' | 'cognition' | 'mri' | 'frailty' | 'wearables'
> & {
  id: string;
  demographics: { age: Dist; femaleFraction: number; educationYears: Dist; raceEthnicity: RaceEthnicityMix };
  cognition: Omit<DeepRequired<NonNullable<SiteSettingsInput['cognition']>>, 'mmse' | 'moca' | 'cdrSbByGroup'> & {
    mmse: Record<Group, Dist>;
    moca: Record<Group, Dist>;
    cdrSbByGroup: Record<Group, Dist>;
  };
  mri: Omit<
    DeepRequired<NonNullable<SiteSettingsInput['mri']>>,
    'hippocampusCm3' | 'entorhinalThicknessMm' | 'ventriclesCm3' | 'wmhCm3'
  > & {
    hippocampusCm3: Record<Group, Dist>;
    entorhinalThicknessMm: Record<Group, Dist>;
    ventriclesCm3: Record<Group, Dist>;
    wmhCm3: Record<Group, Dist>;
  };
  frailty: {
    availableFraction: number;
    gaitSpeedMps: Dist;
    gripStrengthKg: { female: Dist; male: Dist };
    latentSd: number;
    prevalenceTarget: number;
  };
  wearables: { availableFraction: number; stepsPerDay: Dist; sleepHours: Dist };
  coding: Omit<DeepRequired<NonNullable<SiteSettingsInput['coding']>>, 'switchDate'> & { switchDate: string | null };
};

export const GROUPS = ['CN', 'MCI', 'AD'] as const;
export type Group = (typeof GROUPS)[number];

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  followUpYears: number;
  visitIntervalMonths: number;
  target: Target;
  refs: Record<string, string>;
  sites: ResolvedSite[];
  /** The bench section as written (defaults are filled by src/bench/config.ts). */
  bench: BenchSettingsInput;
  /** The privacy section as written (defaults filled by src/bench/config.ts). */
  privacy: PrivacySettingsInput | null;
  /** The vertical section with defaults filled in; null for a horizontal (multi-hospital) scenario. */
  vertical: VerticalSettings | null;
  /** Where it came from, for error messages. */
  file: string;
}
