/**
 * The column contract of generated site tables. Each column declares its Arrow kind, its role
 * (bench uses only `feature` columns; `ground_truth` is never a feature, it gives the oracle),
 * its unit (written to Arrow field metadata) and the modality whose missingness it follows.
 */
import type { ResolvedSite, Target } from '../scenario/schema.js';
import { ICD_CODE_DICTIONARY } from './coding.js';

export type ColumnKind = 'float32' | 'float64' | 'int8' | 'int32' | 'date' | 'dict' | 'utf8';
export type ColumnRole = 'id' | 'meta' | 'feature' | 'target' | 'ground_truth';
export type FeatureType = 'numeric' | 'binary' | 'categorical';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  role: ColumnRole;
  description: string;
  unit?: string;
  featureType?: FeatureType;
  /** Dictionary values for kind 'dict' (fixed up front: the Arrow file format forbids replacement). */
  dictionary?: readonly string[];
  /** Targets for which this column defines the label and so must not be a feature. */
  definesTarget?: readonly Target[];
  /** Categorical features: the level the one-hot encoding leaves out (imported data). */
  referenceLevel?: string;
}

export const SEX_DICTIONARY = ['F', 'M'] as const;
export const GROUP_DICTIONARY = ['CN', 'MCI', 'AD'] as const;
export const RECORDED_DX_DICTIONARY = ['MCI', 'AD'] as const;
export const PHENOTYPE_DICTIONARY = ['robust', 'prefrail', 'frail'] as const;
export const FIELD_STRENGTH_DICTIONARY = ['1.5T', '3T'] as const;
export const ICD_SYSTEM_DICTIONARY = ['ICD-9-CM', 'ICD-10-CM', 'WHO-ICD-10'] as const;

export interface LabUnits {
  glucose: string;
  hba1c: string;
  cholesterol: string;
  creatinine: string;
}

export function labUnits(site: ResolvedSite): LabUnits {
  return site.coding.labUnits === 'SI'
    ? { glucose: 'mmol/L', hba1c: 'mmol/mol', cholesterol: 'mmol/L', creatinine: 'umol/L' }
    : { glucose: 'mg/dL', hba1c: '%', cholesterol: 'mg/dL', creatinine: 'mg/dL' };
}

const num = (name: string, unit: string | undefined, description: string, kind: ColumnKind = 'float32'): ColumnSpec => ({
  name,
  kind,
  role: 'feature',
  featureType: 'numeric',
  unit,
  description,
});
const bin = (name: string, description: string, definesTarget?: Target[]): ColumnSpec => ({
  name,
  kind: 'int8',
  role: 'feature',
  featureType: 'binary',
  description,
  definesTarget,
});

/** Patient table columns for a site (units depend on the site's conventions). */
export function patientColumns(site: ResolvedSite): ColumnSpec[] {
  const u = labUnits(site);
  const frailtyDef: Target[] = ['frailty'];
  return [
    { name: 'patient_id', kind: 'utf8', role: 'id', description: 'site-local patient identifier (synthetic)' },
    { name: 'site', kind: 'dict', role: 'meta', description: 'site id', dictionary: [site.id] },
    { name: 'enrollment_date', kind: 'date', role: 'meta', description: 'baseline visit date' },
    { name: 'sex', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: SEX_DICTIONARY, description: 'sex (F/M)' },
    num('age_years', 'years', 'age at baseline'),
    num('education_years', 'years', 'years of schooling', 'int8'),
    bin('apoe_e4_carrier', 'carries at least one APOE e4 allele'),
    num('mmse', 'points (0-30)', 'Mini-Mental State Examination at baseline', 'int8'),
    num('moca', 'points (0-30)', 'Montreal Cognitive Assessment at baseline (education point included)', 'int8'),
    num('cdr_sb', 'points (0-18)', 'Clinical Dementia Rating, Sum of Boxes'),
    { name: 'mri_field_strength', kind: 'dict', role: 'meta', featureType: 'categorical', dictionary: FIELD_STRENGTH_DICTIONARY, description: 'MRI field strength' },
    { name: 'mri_vendor', kind: 'dict', role: 'meta', featureType: 'categorical', dictionary: [site.mri.vendor], description: 'MRI scanner vendor' },
    num('icv_cm3', 'cm3', 'intracranial volume'),
    num('hippocampus_cm3', 'cm3', 'bilateral hippocampal volume as measured (scanner effects included)'),
    num('hippocampus_icv_adj_cm3', 'cm3', 'hippocampal volume adjusted to an ICV of 1,400 cm3 (residual method)'),
    num('entorhinal_thickness_mm', 'mm', 'mean entorhinal cortical thickness'),
    num('ventricles_cm3', 'cm3', 'lateral ventricle volume'),
    num('wmh_cm3', 'cm3', 'white-matter hyperintensity volume'),
    num('height_cm', 'cm', 'height'),
    num('weight', site.coding.weightUnit, 'body weight'),
    num('bmi', 'kg/m2', 'body-mass index'),
    { ...num('gait_speed_m_s', 'm/s', 'usual gait speed over 15 ft (4.57 m)'), definesTarget: frailtyDef },
    { ...num('grip_strength_kg', 'kg', 'maximal grip strength, dominant hand'), definesTarget: frailtyDef },
    bin('fried_weight_loss', 'Fried: unintentional weight loss > 4.5 kg in the past year', frailtyDef),
    bin('fried_exhaustion', 'Fried: self-reported exhaustion (CES-D items) >= 3 days/week', frailtyDef),
    bin('fried_low_activity', 'Fried: low physical activity (kcal/week under the sex cut-off)', frailtyDef),
    bin('fried_slow_gait', 'Fried: 15 ft walk >= 7 s (>= 6 s if tall)', frailtyDef),
    bin('fried_weak_grip', 'Fried: grip at or under the sex- and BMI-specific cut-off', frailtyDef),
    { ...num('fried_count', 'criteria (0-5)', 'number of Fried criteria met', 'int8'), definesTarget: frailtyDef },
    { name: 'frailty_phenotype', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: PHENOTYPE_DICTIONARY, description: 'Fried phenotype: robust (0), prefrail (1-2), frail (>= 3)', definesTarget: frailtyDef },
    num('steps_per_day', 'steps/day', 'mean daily step count from a wrist wearable', 'int32'),
    num('sleep_hours', 'h/night', 'mean nightly sleep from actigraphy'),
    bin('hypertension', 'recorded hypertension'),
    bin('diabetes', 'recorded type 2 diabetes'),
    bin('hyperlipidemia', 'recorded hyperlipidemia'),
    num('glucose', u.glucose, 'fasting plasma glucose'),
    num('hba1c', u.hba1c, 'glycated haemoglobin (NGSP % or IFCC mmol/mol)'),
    num('cholesterol_total', u.cholesterol, 'total cholesterol'),
    num('creatinine', u.creatinine, 'serum creatinine'),
    { name: 'icd_system_baseline', kind: 'dict', role: 'meta', dictionary: ICD_SYSTEM_DICTIONARY, description: 'ICD system in force at the baseline visit date' },
    { name: 'dx_code_baseline', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: ICD_CODE_DICTIONARY, description: 'cognitive diagnosis code recorded at baseline (null: none recorded)', definesTarget: ['current_impairment'] },
    { name: 'dx_recorded_baseline', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: RECORDED_DX_DICTIONARY, description: 'recorded baseline diagnosis mapped from the code (null: none)', definesTarget: ['current_impairment'] },
    { name: 'followup_years', kind: 'float32', role: 'meta', unit: 'years', description: 'observed follow-up (last visit); future information, never a feature' },
    { name: 'target', kind: 'int8', role: 'target', description: 'recorded prediction target (null: not eligible or not observed)' },
    { name: 'true_dx_baseline', kind: 'dict', role: 'ground_truth', dictionary: GROUP_DICTIONARY, description: 'true baseline diagnosis' },
    { name: 'true_liability', kind: 'float32', role: 'ground_truth', description: 'latent neurodegeneration liability (SD units)' },
    { name: 'true_event', kind: 'int8', role: 'ground_truth', description: 'true outcome of the target (before under-coding, censoring and label noise)' },
    { name: 'true_event_years', kind: 'float32', role: 'ground_truth', unit: 'years', description: 'true time from baseline to AD dementia onset (null: not within follow-up)' },
    { name: 'true_risk', kind: 'float64', role: 'ground_truth', description: 'true probability of the target event given the latent state (the oracle score); for conversion_to_ad: P(AD dementia by the horizon), 1 for prevalent AD that under-coding left eligible' },
  ];
}

export function visitColumns(site: ResolvedSite): ColumnSpec[] {
  return [
    { name: 'patient_id', kind: 'utf8', role: 'id', description: 'site-local patient identifier (synthetic)' },
    { name: 'site', kind: 'dict', role: 'meta', description: 'site id', dictionary: [site.id] },
    { name: 'visit_index', kind: 'int8', role: 'meta', description: '0 = baseline' },
    { name: 'visit_date', kind: 'date', role: 'meta', description: 'date of service' },
    { name: 'years_since_baseline', kind: 'float32', role: 'meta', unit: 'years', description: 'time since the baseline visit' },
    num('age_years', 'years', 'age at the visit'),
    { name: 'icd_system', kind: 'dict', role: 'meta', dictionary: ICD_SYSTEM_DICTIONARY, description: 'ICD system in force at the visit date' },
    { name: 'dx_code', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: ICD_CODE_DICTIONARY, description: 'cognitive diagnosis code recorded at the visit (null: none)' },
    { name: 'dx_recorded', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: RECORDED_DX_DICTIONARY, description: 'recorded diagnosis mapped from the code' },
    num('mmse', 'points (0-30)', 'MMSE at the visit', 'int8'),
    num('moca', 'points (0-30)', 'MoCA at the visit', 'int8'),
    num('cdr_sb', 'points (0-18)', 'CDR Sum of Boxes at the visit'),
    num('hippocampus_cm3', 'cm3', 'hippocampal volume as measured (scanned patients; MRI every other visit)'),
    num('gait_speed_m_s', 'm/s', 'usual gait speed'),
    { name: 'true_dx', kind: 'dict', role: 'ground_truth', dictionary: GROUP_DICTIONARY, description: 'true diagnosis at the visit' },
  ];
}

/** Feature columns usable for a target: role feature and not part of the target's definition. */
export function featureColumns(columns: ColumnSpec[], target: Target): ColumnSpec[] {
  return columns.filter((c) => c.role === 'feature' && !(c.definesTarget ?? []).includes(target));
}
