/**
 * The column contract of generated site tables. Each column declares its Arrow kind, its role
 * (bench uses only `feature` columns; `ground_truth` is never a feature, it gives the oracle),
 * its unit (written to Arrow field metadata) and the modality whose missingness it follows.
 */
import type { ResolvedSite, Target } from '../scenario/schema.js';
import { RACE_ETHNICITY } from '../scenario/race-ethnicity.js';
import { ICD_CODE_DICTIONARY } from './coding.js';
import { type ColumnBuffer, type NumericArray, dictionaryIndices, numeric } from './columnar.js';

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

type TypedArrayCtor = Int8ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;

/**
 * Per-patient 0/1 flags a batch fills besides its value columns: which modalities were observed
 * (they double as the validity arrays of their columns), whether the target is defined, and
 * whether the true event time falls within follow-up.
 */
export const PATIENT_FLAGS = ['apoeObs', 'eduObs', 'cogObs', 'mriObs', 'frailObs', 'wearObs', 'labObs', 'targetValid', 'trueEventYearsValid'] as const;
export type PatientFlag = (typeof PATIENT_FLAGS)[number];

/**
 * Where a column's nulls come from: a flag array (a function when the site decides; null: the
 * whole column is null at this site).
 */
type Validity = PatientFlag | ((site: ResolvedSite) => PatientFlag | null);

// One patient column, declared once in PATIENT_COLUMNS below: its contract (a ColumnSpec,
// possibly site-dependent) and how a batch holds it. `field` columns live in the typed array
// `key` that the generator stages write, nulls marked by `validity`; `dictionaryIndices`
// columns hold dictionary indices with -1 for null; `constant` columns are one value per site.
const fixed = (spec: ColumnSpec) => (): ColumnSpec => spec;
/** A column the stages write into the typed array `key`. */
function field<K extends string, C extends TypedArrayCtor>(
  key: K,
  array: C,
  spec: ColumnSpec | ((site: ResolvedSite) => ColumnSpec),
  options: { validity?: Validity; dictionaryIndices?: boolean } = {},
): { key: K; array: C; spec: (site: ResolvedSite) => ColumnSpec; validity?: Validity; dictionaryIndices?: boolean } {
  return { key, array, spec: typeof spec === 'function' ? spec : fixed(spec), ...options };
}
/** A column with the same value for every patient of the site (an int8 dictionary index). */
function constant(spec: ColumnSpec | ((site: ResolvedSite) => ColumnSpec), value: (site: ResolvedSite) => number, validity?: PatientFlag) {
  return { spec: typeof spec === 'function' ? spec : fixed(spec), constant: value, validity };
}

const frailtyDef: Target[] = ['frailty'];
const byInstrument = (uses: (instrument: ResolvedSite['cognition']['instrument']) => boolean) => (site: ResolvedSite): PatientFlag | null =>
  uses(site.cognition.instrument) ? 'cogObs' : null;

/**
 * The patient table, in table order: the single declaration from which both the Arrow schema
 * (patientColumns) and a batch's buffers (allocatePatientBuffers, patientColumnBuffers) come.
 */
export const PATIENT_COLUMNS = [
  { spec: fixed({ name: 'patient_id', kind: 'utf8', role: 'id', description: 'site-local patient identifier (synthetic)' }), ids: true as const },
  constant((site) => ({ name: 'site', kind: 'dict', role: 'meta', description: 'site id', dictionary: [site.id] }), () => 0),
  field('enroll', Int32Array, { name: 'enrollment_date', kind: 'date', role: 'meta', description: 'baseline visit date' }),
  field('sex', Int8Array, { name: 'sex', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: SEX_DICTIONARY, description: 'sex (F/M)' }),
  field('race', Int8Array, {
    name: 'race_ethnicity',
    kind: 'dict',
    role: 'meta',
    dictionary: RACE_ETHNICITY,
    description: 'race/ethnicity (White, Black, Hispanic, Asian, Other): a fairness subgroup, not a model feature',
  }),
  field('age', Float32Array, num('age_years', 'years', 'age at baseline')),
  field('edu', Int8Array, num('education_years', 'years', 'years of schooling', 'int8'), { validity: 'eduObs' }),
  field('e4', Int8Array, bin('apoe_e4_carrier', 'carries at least one APOE e4 allele'), { validity: 'apoeObs' }),
  field('mmse', Int8Array, num('mmse', 'points (0-30)', 'Mini-Mental State Examination at baseline', 'int8'), { validity: byInstrument((i) => i !== 'MoCA') }),
  field('moca', Int8Array, num('moca', 'points (0-30)', 'Montreal Cognitive Assessment at baseline (education point included)', 'int8'), { validity: byInstrument((i) => i !== 'MMSE') }),
  field('cdr', Float32Array, num('cdr_sb', 'points (0-18)', 'Clinical Dementia Rating, Sum of Boxes'), { validity: (site) => (site.cognition.cdrSb ? 'cogObs' : null) }),
  constant(
    { name: 'mri_field_strength', kind: 'dict', role: 'meta', featureType: 'categorical', dictionary: FIELD_STRENGTH_DICTIONARY, description: 'MRI field strength' },
    (site) => (site.mri.fieldStrength === '3T' ? 1 : 0),
    'mriObs',
  ),
  constant(
    (site) => ({ name: 'mri_vendor', kind: 'dict', role: 'meta', featureType: 'categorical', dictionary: [site.mri.vendor], description: 'MRI scanner vendor' }),
    () => 0,
    'mriObs',
  ),
  field('icv', Float32Array, num('icv_cm3', 'cm3', 'intracranial volume'), { validity: 'mriObs' }),
  field('hippocampus', Float32Array, num('hippocampus_cm3', 'cm3', 'bilateral hippocampal volume as measured (scanner effects included)'), { validity: 'mriObs' }),
  field('hippocampusAdj', Float32Array, num('hippocampus_icv_adj_cm3', 'cm3', 'hippocampal volume adjusted to an ICV of 1,400 cm3 (residual method)'), { validity: 'mriObs' }),
  field('entorhinal', Float32Array, num('entorhinal_thickness_mm', 'mm', 'mean entorhinal cortical thickness'), { validity: 'mriObs' }),
  field('ventricles', Float32Array, num('ventricles_cm3', 'cm3', 'lateral ventricle volume'), { validity: 'mriObs' }),
  field('wmh', Float32Array, num('wmh_cm3', 'cm3', 'white-matter hyperintensity volume'), { validity: 'mriObs' }),
  field('height', Float32Array, num('height_cm', 'cm', 'height')),
  field('weight', Float32Array, (site) => num('weight', site.coding.weightUnit, 'body weight')),
  field('bmi', Float32Array, num('bmi', 'kg/m2', 'body-mass index')),
  field('gait', Float32Array, { ...num('gait_speed_m_s', 'm/s', 'usual gait speed over 15 ft (4.57 m)'), definesTarget: frailtyDef }, { validity: 'frailObs' }),
  field('grip', Float32Array, { ...num('grip_strength_kg', 'kg', 'maximal grip strength, dominant hand'), definesTarget: frailtyDef }, { validity: 'frailObs' }),
  field('weightLoss', Int8Array, bin('fried_weight_loss', 'Fried: unintentional weight loss > 4.5 kg in the past year', frailtyDef), { validity: 'frailObs' }),
  field('exhaustion', Int8Array, bin('fried_exhaustion', 'Fried: self-reported exhaustion (CES-D items) >= 3 days/week', frailtyDef), { validity: 'frailObs' }),
  field('lowActivity', Int8Array, bin('fried_low_activity', 'Fried: low physical activity (kcal/week under the sex cut-off)', frailtyDef), { validity: 'frailObs' }),
  field('slowGait', Int8Array, bin('fried_slow_gait', 'Fried: 15 ft walk >= 7 s (>= 6 s if tall)', frailtyDef), { validity: 'frailObs' }),
  field('weakGrip', Int8Array, bin('fried_weak_grip', 'Fried: grip at or under the sex- and BMI-specific cut-off', frailtyDef), { validity: 'frailObs' }),
  field('friedCount', Int8Array, { ...num('fried_count', 'criteria (0-5)', 'number of Fried criteria met', 'int8'), definesTarget: frailtyDef }, { validity: 'frailObs' }),
  field(
    'phenotype',
    Int8Array,
    { name: 'frailty_phenotype', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: PHENOTYPE_DICTIONARY, description: 'Fried phenotype: robust (0), prefrail (1-2), frail (>= 3)', definesTarget: frailtyDef },
    { validity: 'frailObs' },
  ),
  field('steps', Int32Array, num('steps_per_day', 'steps/day', 'mean daily step count from a wrist wearable', 'int32'), { validity: 'wearObs' }),
  field('sleep', Float32Array, num('sleep_hours', 'h/night', 'mean nightly sleep from actigraphy'), { validity: 'wearObs' }),
  field('hypertension', Int8Array, bin('hypertension', 'recorded hypertension')),
  field('diabetes', Int8Array, bin('diabetes', 'recorded type 2 diabetes')),
  field('hyperlipidemia', Int8Array, bin('hyperlipidemia', 'recorded hyperlipidemia')),
  field('glucose', Float32Array, (site) => num('glucose', labUnits(site).glucose, 'fasting plasma glucose'), { validity: 'labObs' }),
  field('hba1c', Float32Array, (site) => num('hba1c', labUnits(site).hba1c, 'glycated haemoglobin (NGSP % or IFCC mmol/mol)'), { validity: 'labObs' }),
  field('cholesterol', Float32Array, (site) => num('cholesterol_total', labUnits(site).cholesterol, 'total cholesterol'), { validity: 'labObs' }),
  field('creatinine', Float32Array, (site) => num('creatinine', labUnits(site).creatinine, 'serum creatinine'), { validity: 'labObs' }),
  field('sysBase', Int8Array, { name: 'icd_system_baseline', kind: 'dict', role: 'meta', dictionary: ICD_SYSTEM_DICTIONARY, description: 'ICD system in force at the baseline visit date' }),
  field(
    'codeBase',
    Int8Array,
    { name: 'dx_code_baseline', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: ICD_CODE_DICTIONARY, description: 'cognitive diagnosis code recorded at baseline (null: none recorded)', definesTarget: ['current_impairment'] },
    { dictionaryIndices: true },
  ),
  field(
    'recBase',
    Int8Array,
    { name: 'dx_recorded_baseline', kind: 'dict', role: 'feature', featureType: 'categorical', dictionary: RECORDED_DX_DICTIONARY, description: 'recorded baseline diagnosis mapped from the code (null: none)', definesTarget: ['current_impairment'] },
    { dictionaryIndices: true },
  ),
  field('followup', Float32Array, { name: 'followup_years', kind: 'float32', role: 'meta', unit: 'years', description: 'observed follow-up (last visit); future information, never a feature' }),
  field('target', Int8Array, { name: 'target', kind: 'int8', role: 'target', description: 'recorded prediction target (null: not eligible or not observed)' }, { validity: 'targetValid' }),
  field('trueDx', Int8Array, { name: 'true_dx_baseline', kind: 'dict', role: 'ground_truth', dictionary: GROUP_DICTIONARY, description: 'true baseline diagnosis' }),
  field('trueLiability', Float32Array, { name: 'true_liability', kind: 'float32', role: 'ground_truth', description: 'latent neurodegeneration liability (SD units)' }),
  field('trueEvent', Int8Array, { name: 'true_event', kind: 'int8', role: 'ground_truth', description: 'true outcome of the target (before under-coding, censoring and label noise)' }),
  field(
    'trueEventYears',
    Float32Array,
    { name: 'true_event_years', kind: 'float32', role: 'ground_truth', unit: 'years', description: 'true time from baseline to AD dementia onset (null: not within follow-up)' },
    { validity: 'trueEventYearsValid' },
  ),
  field('trueRisk', Float64Array, {
    name: 'true_risk',
    kind: 'float64',
    role: 'ground_truth',
    description:
      'P(true event | the latent state): the "oracle (true event)" score, blind to coding, dropout and label noise; for mci_to_ad and incident_dementia_code: P(AD dementia by the horizon), 1 for prevalent AD',
  }),
  field(
    'labelRisk',
    Float64Array,
    {
      name: 'label_risk',
      kind: 'float64',
      role: 'ground_truth',
      description:
        'P(recorded target = 1 | the latent state, the baseline record and the site\'s coding, dropout and label-noise processes): the "oracle (recorded label)" score, the ceiling of any model of the recorded label (null: not eligible)',
    },
    { validity: 'targetValid' },
  ),
] as const;

type PatientColumnEntry = (typeof PATIENT_COLUMNS)[number];
type FieldEntry = Extract<PatientColumnEntry, { key: string }>;

/** A batch's patient arrays: one typed array per declared field, one Uint8Array per flag. */
export type PatientBuffers = { readonly n: number } & { readonly [F in FieldEntry as F['key']]: InstanceType<F['array']> } & {
  readonly [K in PatientFlag]: Uint8Array;
};

/** Fresh arrays for n patients (always fresh: callers may keep a batch). */
export function allocatePatientBuffers(n: number): PatientBuffers {
  const out: Record<string, unknown> = { n };
  for (const c of PATIENT_COLUMNS) if ('key' in c) out[c.key] = new c.array(n);
  for (const f of PATIENT_FLAGS) out[f] = new Uint8Array(n);
  return out as PatientBuffers;
}

/** The batch's columns, by name, in table order, for the Arrow writer. */
export function patientColumnBuffers(site: ResolvedSite, out: PatientBuffers, idOffsets: Int32Array, idBytes: Uint8Array): Map<string, ColumnBuffer> {
  const n = out.n;
  const flags = out as unknown as Record<PatientFlag, Uint8Array>;
  const arrays = out as unknown as Record<string, NumericArray>;
  const validityOf = (v: Validity | undefined): Uint8Array | undefined => {
    if (v === undefined) return undefined;
    const flag = typeof v === 'function' ? v(site) : v;
    return flag === null ? new Uint8Array(n) : flags[flag];
  };
  const map = new Map<string, ColumnBuffer>();
  for (const c of PATIENT_COLUMNS) {
    const name = c.spec(site).name;
    if ('ids' in c) map.set(name, { kind: 'utf8', offsets: idOffsets, bytes: idBytes });
    else if ('constant' in c) map.set(name, numeric(new Int8Array(n).fill(c.constant(site)), validityOf(c.validity)));
    else if (c.dictionaryIndices) map.set(name, dictionaryIndices(arrays[c.key] as Int8Array));
    else map.set(name, numeric(arrays[c.key], validityOf(c.validity)));
  }
  return map;
}

/** Patient table columns for a site (units depend on the site's conventions). */
export function patientColumns(site: ResolvedSite): ColumnSpec[] {
  return PATIENT_COLUMNS.map((c) => c.spec(site));
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
