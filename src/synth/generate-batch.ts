/**
 * One batch of patients of a site: the latent model, then what the hospital records.
 *
 *   demographics (age, sex, education, APOE e4)
 *     -> liability L = x'b + e  (e ~ N(0,1); education as cognitive reserve)
 *     -> true baseline diagnosis by thresholds that reproduce the site's diagnosis mix
 *     -> within-stage severity z (position of L inside its band, N(0,1))
 *     -> cognition (MMSE/MoCA/CDR-SB), MRI (+ scanner), frailty, wearables, comorbidities, labs
 *     -> progression: exponential CN->MCI->AD and dropout times, hazards scaled by e4 and z
 *     -> visits every visitIntervalMonths until the horizon or dropout
 *     -> coding drift: ICD system by date, under-coding, MCI coded as dementia, units,
 *        missingness, label noise.
 * Every variable draws from its own stream (random/rng.ts) in patient order, so a batch's content
 * does not depend on the batch size.
 *
 * Speed (issue #2: >= 1 M patients/s on one core): stages are small functions, run chunk by
 * chunk over preallocated typed arrays, with per-group and per-sex parameters hoisted into flat
 * arrays, and the per-patient decisions written without data-dependent jumps (branchless.ts).
 * These rewrites keep every output byte: compare generated columns before and after any change.
 */
import { DX_AD, DX_MCI, ICD_SYSTEM_INDEX, dxCodeIndex, systemIndexOn } from './coding.js';
import { type ColumnBatch, type ColumnBuffer, dictionaryIndices, numeric } from './columnar.js';
import { clampInt, roundHalfUp } from './branchless.js';
import { normalCdf } from '../random/normal.js';
import { SiteStreams } from '../random/rng.js';
import {
  FRAILTY,
  HIPPOCAMPUS_ICV_SLOPE,
  REF_AGE,
  REF_EDUCATION,
  REF_ICV_CM3,
  type SiteModel,
  ageDistribution,
  drawBmi,
  drawHeightCm,
  educationDistribution,
  frailtyLatentMean,
  friedProbabilities,
  liabilityMean,
  probAtLeastThree,
  slowGaitSpeedThreshold,
  weakGripThresholdKg,
} from './site-model.js';
import type { Dist, Group, ResolvedSite } from '../scenario/schema.js';

const GROUP_KEYS: Group[] = ['CN', 'MCI', 'AD'];
// exp(-intercept) of the three self-reported Fried criteria (logistic in the latent frailty).
const EXP_NEG_WEIGHT_LOSS = Math.exp(-FRAILTY.weightLossIntercept);
const EXP_NEG_EXHAUSTION = Math.exp(-FRAILTY.exhaustionIntercept);
const EXP_NEG_LOW_ACTIVITY = Math.exp(-FRAILTY.lowActivityIntercept);

// Two-way choices as arrays indexed by a 0/1 flag, so that hot loops select without a jump
// (branchless.ts); each entry is the constant the plain ternary would have used.
/** By female (0 male, 1 female). */
const ICV_MEAN = Float64Array.of(1480, 1330);
const ICV_SD = Float64Array.of(120, 110);
const CREATININE_SCALE = Float64Array.of(1.05, 0.85);
const STEPS_SEX_SHIFT = Float64Array.of(0.05, -0.05);
const SLEEP_SEX_SHIFT = Float64Array.of(-0.15, 0.15);
/** By diabetes (0/1). */
const GLUCOSE_MEAN = Float64Array.of(97, 150);
const GLUCOSE_SD = Float64Array.of(11, 35);
const HBA1C_MEAN = Float64Array.of(5.5, 7.2);
const HBA1C_SD = Float64Array.of(0.35, 1.0);
/** By hyperlipidemia (0/1). */
const CHOLESTEROL_MEAN = Float64Array.of(190, 215);
/** By hypertension (0/1): log-scale WMH shift. */
const WMH_HYPERTENSION = Float64Array.of(0, 0.25);

/** Patient state kept between the baseline pass and the visits pass. */
interface LatentState {
  group: Uint8Array;
  tMci: Float64Array;
  tAd: Float64Array;
  tDropout: Float64Array;
  recognizedMci: Uint8Array;
  mciAsDementia: Uint8Array;
  recognizedAd: Uint8Array;
  mmse0: Float64Array;
  moca0: Float64Array;
  cdr0: Float64Array;
  hipTrue0: Float64Array;
  gait0: Float64Array;
  cognitionObserved: Uint8Array;
  mriObserved: Uint8Array;
  frailtyObserved: Uint8Array;
}

export interface SiteBatch {
  patients: ColumnBatch;
  visits: ColumnBatch | null;
}

/** Residual SD once the visit-level measurement noise (SD 1) is taken out. */
function latentSd(d: Dist, noiseSd: number): number {
  return Math.sqrt(Math.max(d.sd * d.sd - noiseSd * noiseSd, 0.04 * d.sd * d.sd));
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** A per-group parameter as a [CN, MCI, AD] array. */
function groupTable(byGroup: Record<Group, Dist>, f: (d: Dist) => number): Float64Array {
  return Float64Array.from(GROUP_KEYS, (g) => f(byGroup[g]));
}

/** Log-normal parameters matching a mean and an SD. */
function logNormalParams(d: Dist): { mu: number; sigma: number } {
  const s2 = Math.log(1 + (d.sd * d.sd) / (d.mean * d.mean));
  return { mu: Math.log(d.mean) - s2 / 2, sigma: Math.sqrt(s2) };
}

/** ASCII of "00", "01", ..., "99". */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, k) => 48 + ((k & 1 ? (k >> 1) % 10 : Math.floor((k >> 1) / 10))));

/**
 * Writes the ids of patients [start, start + n): prefix + d digits of (a*i + b) mod 10^d, a
 * bijection since gcd(a, 10) = 1. Consecutive ids differ by a (mod 10^d), so after the first
 * only an addition is needed.
 */
function writeIds(model: SiteModel, start: number, n: number, bytes: Uint8Array, idLen: number): void {
  const prefix = model.idPrefix;
  const digits = model.idDigits;
  const space = 10 ** digits;
  const a = model.idMultiplier;
  // (a*start + b) mod 10^d without losing precision: split a into 16-bit halves.
  let v = ((((Math.floor(a / 65536) * start) % space) * 65536) % space + ((a % 65536) * start) % space + model.idOffset) % space;
  const prefixBytes = Uint8Array.from(prefix, (ch) => ch.charCodeAt(0));
  const p = prefixBytes.length;
  // With ids below 2^31 the digits come from int32 division (a multiply-shift), not doubles.
  const smallInts = space <= 2 ** 31;
  for (let i = 0; i < n; i++) {
    const offset = i * idLen;
    for (let k = 0; k < p; k++) bytes[offset + k] = prefixBytes[k];
    const end = offset + p + digits - 1;
    if (smallInts) {
      // Two digits per division, from a table of "00".."99".
      let rest = v | 0;
      let k = 0;
      for (; k + 1 < digits; k += 2) {
        const q = (rest / 100) | 0;
        const pair = 2 * (rest - q * 100);
        bytes[end - k] = DIGIT_PAIRS[pair + 1];
        bytes[end - k - 1] = DIGIT_PAIRS[pair];
        rest = q;
      }
      if (k < digits) bytes[end - k] = 48 + rest - ((rest / 10) | 0) * 10;
    } else {
      let rest = v;
      for (let k = 0; k < digits; k++) {
        const q = Math.floor(rest / 10);
        bytes[end - k] = 48 + rest - q * 10;
        rest = q;
      }
    }
    v += a;
    if (v >= space) v -= space * Math.floor(v / space);
  }
}

/**
 * Patients per pass of the stages over a batch. Every stage runs on patients [o, o + CHUNK),
 * then the next chunk. Why: a chunk's draws (~3 MB for 53 draws per patient) stay in cache
 * from the stage that draws them to the stage that uses them, and each stage function is called
 * a few times per batch, so V8 optimizes it within the first batch instead of after a few
 * (the first batches of a run used to take 5-10x longer). The content does not depend on the
 * chunk size: each stream is consumed in patient order.
 */
const CHUNK = 8192;

/**
 * Per-patient values a batch needs internally but never outputs. They are reused from batch to
 * batch of a site (one set per SiteStreams): ~25 arrays of 64 K entries per batch otherwise go
 * straight to the garbage collector. Every entry [0, n) is written before it is read.
 */
class Scratch {
  capacity = 0;
  female = new Uint8Array(0);
  e4 = new Uint8Array(0);
  group = new Uint8Array(0);
  frail = new Uint8Array(0);
  recMci = new Uint8Array(0);
  mciAsDem = new Uint8Array(0);
  recAd = new Uint8Array(0);
  age = new Float64Array(0);
  edu = new Float64Array(0);
  liability = new Float64Array(0);
  sev = new Float64Array(0);
  mmse0 = new Float64Array(0);
  moca0 = new Float64Array(0);
  cdr0 = new Float64Array(0);
  hipTrue0 = new Float64Array(0);
  frailty = new Float64Array(0);
  frailRisk = new Float64Array(0);
  gait0 = new Float64Array(0);
  tMci = new Float64Array(0);
  tAd = new Float64Array(0);
  tDrop = new Float64Array(0);
  trueRisk = new Float64Array(0);
  visitCount = new Int32Array(0);
  /** Patients of a chunk by true baseline stage (CN, MCI), for the stage-specific passes. */
  readonly cnIndex = new Int32Array(CHUNK);
  readonly mciIndex = new Int32Array(CHUNK);

  ensure(n: number): this {
    if (n <= this.capacity) return this;
    this.capacity = n;
    this.female = new Uint8Array(n);
    this.e4 = new Uint8Array(n);
    this.group = new Uint8Array(n);
    this.frail = new Uint8Array(n);
    this.recMci = new Uint8Array(n);
    this.mciAsDem = new Uint8Array(n);
    this.recAd = new Uint8Array(n);
    this.age = new Float64Array(n);
    this.edu = new Float64Array(n);
    this.liability = new Float64Array(n);
    this.sev = new Float64Array(n);
    this.mmse0 = new Float64Array(n);
    this.moca0 = new Float64Array(n);
    this.cdr0 = new Float64Array(n);
    this.hipTrue0 = new Float64Array(n);
    this.frailty = new Float64Array(n);
    this.frailRisk = new Float64Array(n);
    this.gait0 = new Float64Array(n);
    this.tMci = new Float64Array(n);
    this.tAd = new Float64Array(n);
    this.tDrop = new Float64Array(n);
    this.trueRisk = new Float64Array(n);
    this.visitCount = new Int32Array(n);
    return this;
  }
}

const scratchBySite = new WeakMap<SiteStreams, Scratch>();

/**
 * The patient table's output arrays of one batch (always fresh: callers may keep a batch).
 * Missingness flags double as the validity arrays of their columns.
 */
class PatientBuffers {
  readonly enroll: Int32Array;
  readonly sex: Int8Array;
  readonly age: Float32Array;
  readonly edu: Int8Array;
  readonly e4: Int8Array;
  readonly apoeObs: Uint8Array;
  readonly eduObs: Uint8Array;
  readonly cogObs: Uint8Array;
  readonly mriObs: Uint8Array;
  readonly frailObs: Uint8Array;
  readonly wearObs: Uint8Array;
  readonly labObs: Uint8Array;
  readonly mmse: Int8Array;
  readonly moca: Int8Array;
  readonly cdr: Float32Array;
  readonly hypertension: Int8Array;
  readonly diabetes: Int8Array;
  readonly hyperlipidemia: Int8Array;
  readonly glucose: Float32Array;
  readonly hba1c: Float32Array;
  readonly cholesterol: Float32Array;
  readonly creatinine: Float32Array;
  readonly icv: Float32Array;
  readonly hippocampus: Float32Array;
  readonly hippocampusAdj: Float32Array;
  readonly entorhinal: Float32Array;
  readonly ventricles: Float32Array;
  readonly wmh: Float32Array;
  readonly height: Float32Array;
  readonly weight: Float32Array;
  readonly bmi: Float32Array;
  readonly gait: Float32Array;
  readonly grip: Float32Array;
  readonly weightLoss: Int8Array;
  readonly exhaustion: Int8Array;
  readonly lowActivity: Int8Array;
  readonly slowGait: Int8Array;
  readonly weakGrip: Int8Array;
  readonly friedCount: Int8Array;
  readonly phenotype: Int8Array;
  readonly steps: Int32Array;
  readonly sleep: Float32Array;
  readonly sysBase: Int8Array;
  readonly codeBase: Int8Array;
  readonly recBase: Int8Array;
  readonly followup: Float32Array;
  readonly target: Int8Array;
  readonly targetValid: Uint8Array;
  readonly trueDx: Int8Array;
  readonly trueLiability: Float32Array;
  readonly trueEvent: Int8Array;
  readonly trueEventYears: Float32Array;
  readonly trueEventYearsValid: Uint8Array;
  readonly trueRisk: Float64Array;

  constructor(readonly n: number) {
    this.enroll = new Int32Array(n);
    this.sex = new Int8Array(n);
    this.age = new Float32Array(n);
    this.edu = new Int8Array(n);
    this.e4 = new Int8Array(n);
    this.apoeObs = new Uint8Array(n);
    this.eduObs = new Uint8Array(n);
    this.cogObs = new Uint8Array(n);
    this.mriObs = new Uint8Array(n);
    this.frailObs = new Uint8Array(n);
    this.wearObs = new Uint8Array(n);
    this.labObs = new Uint8Array(n);
    this.mmse = new Int8Array(n);
    this.moca = new Int8Array(n);
    this.cdr = new Float32Array(n);
    this.hypertension = new Int8Array(n);
    this.diabetes = new Int8Array(n);
    this.hyperlipidemia = new Int8Array(n);
    this.glucose = new Float32Array(n);
    this.hba1c = new Float32Array(n);
    this.cholesterol = new Float32Array(n);
    this.creatinine = new Float32Array(n);
    this.icv = new Float32Array(n);
    this.hippocampus = new Float32Array(n);
    this.hippocampusAdj = new Float32Array(n);
    this.entorhinal = new Float32Array(n);
    this.ventricles = new Float32Array(n);
    this.wmh = new Float32Array(n);
    this.height = new Float32Array(n);
    this.weight = new Float32Array(n);
    this.bmi = new Float32Array(n);
    this.gait = new Float32Array(n);
    this.grip = new Float32Array(n);
    this.weightLoss = new Int8Array(n);
    this.exhaustion = new Int8Array(n);
    this.lowActivity = new Int8Array(n);
    this.slowGait = new Int8Array(n);
    this.weakGrip = new Int8Array(n);
    this.friedCount = new Int8Array(n);
    this.phenotype = new Int8Array(n);
    this.steps = new Int32Array(n);
    this.sleep = new Float32Array(n);
    this.sysBase = new Int8Array(n);
    this.codeBase = new Int8Array(n);
    this.recBase = new Int8Array(n);
    this.followup = new Float32Array(n);
    this.target = new Int8Array(n);
    this.targetValid = new Uint8Array(n);
    this.trueDx = new Int8Array(n);
    this.trueLiability = new Float32Array(n);
    this.trueEvent = new Int8Array(n);
    this.trueEventYears = new Float32Array(n);
    this.trueEventYearsValid = new Uint8Array(n);
    this.trueRisk = new Float64Array(n);
  }

  /** The patient table's columns, in table order. */
  columns(site: ResolvedSite, idOffsets: Int32Array, idBytes: Uint8Array): Map<string, ColumnBuffer> {
    const n = this.n;
    const instrument = site.cognition.instrument;
    const none = (): Uint8Array => new Uint8Array(n);
    const fieldStrength = new Int8Array(n).fill(site.mri.fieldStrength === '3T' ? 1 : 0);
    return new Map<string, ColumnBuffer>([
      ['patient_id', { kind: 'utf8', offsets: idOffsets, bytes: idBytes }],
      ['site', numeric(new Int8Array(n))],
      ['enrollment_date', numeric(this.enroll)],
      ['sex', numeric(this.sex)],
      ['age_years', numeric(this.age)],
      ['education_years', numeric(this.edu, this.eduObs)],
      ['apoe_e4_carrier', numeric(this.e4, this.apoeObs)],
      ['mmse', numeric(this.mmse, instrument !== 'MoCA' ? this.cogObs : none())],
      ['moca', numeric(this.moca, instrument !== 'MMSE' ? this.cogObs : none())],
      ['cdr_sb', numeric(this.cdr, site.cognition.cdrSb ? this.cogObs : none())],
      ['hypertension', numeric(this.hypertension)],
      ['diabetes', numeric(this.diabetes)],
      ['hyperlipidemia', numeric(this.hyperlipidemia)],
      ['glucose', numeric(this.glucose, this.labObs)],
      ['hba1c', numeric(this.hba1c, this.labObs)],
      ['cholesterol_total', numeric(this.cholesterol, this.labObs)],
      ['creatinine', numeric(this.creatinine, this.labObs)],
      ['mri_field_strength', numeric(fieldStrength, this.mriObs)],
      ['mri_vendor', numeric(new Int8Array(n), this.mriObs)],
      ['icv_cm3', numeric(this.icv, this.mriObs)],
      ['hippocampus_cm3', numeric(this.hippocampus, this.mriObs)],
      ['hippocampus_icv_adj_cm3', numeric(this.hippocampusAdj, this.mriObs)],
      ['entorhinal_thickness_mm', numeric(this.entorhinal, this.mriObs)],
      ['ventricles_cm3', numeric(this.ventricles, this.mriObs)],
      ['wmh_cm3', numeric(this.wmh, this.mriObs)],
      ['height_cm', numeric(this.height)],
      ['weight', numeric(this.weight)],
      ['bmi', numeric(this.bmi)],
      ['gait_speed_m_s', numeric(this.gait, this.frailObs)],
      ['grip_strength_kg', numeric(this.grip, this.frailObs)],
      ['fried_weight_loss', numeric(this.weightLoss, this.frailObs)],
      ['fried_exhaustion', numeric(this.exhaustion, this.frailObs)],
      ['fried_low_activity', numeric(this.lowActivity, this.frailObs)],
      ['fried_slow_gait', numeric(this.slowGait, this.frailObs)],
      ['fried_weak_grip', numeric(this.weakGrip, this.frailObs)],
      ['fried_count', numeric(this.friedCount, this.frailObs)],
      ['frailty_phenotype', numeric(this.phenotype, this.frailObs)],
      ['steps_per_day', numeric(this.steps, this.wearObs)],
      ['sleep_hours', numeric(this.sleep, this.wearObs)],
      ['icd_system_baseline', numeric(this.sysBase)],
      ['dx_code_baseline', dictionaryIndices(this.codeBase)],
      ['dx_recorded_baseline', dictionaryIndices(this.recBase)],
      ['followup_years', numeric(this.followup)],
      ['target', numeric(this.target, this.targetValid)],
      ['true_dx_baseline', numeric(this.trueDx)],
      ['true_liability', numeric(this.trueLiability)],
      ['true_event', numeric(this.trueEvent)],
      ['true_event_years', numeric(this.trueEventYears, this.trueEventYearsValid)],
      ['true_risk', numeric(this.trueRisk)],
    ]);
  }
}

/** What every stage receives: the site, its streams, the batch's scratch and output arrays. */
interface Stage {
  model: SiteModel;
  site: ResolvedSite;
  streams: SiteStreams;
  w: Scratch;
  out: PatientBuffers;
}

/**
 * Generates patients [start, start + n) of a site. Each stage is its own small function: V8
 * optimizes (and inlines the model helpers into) small functions far better than one 500-line
 * body. Stages run chunk by chunk (see CHUNK) and index patients of the batch as o + i.
 */
export function generateBatch(model: SiteModel, streams: SiteStreams, start: number, n: number, withVisits: boolean): SiteBatch {
  let w = scratchBySite.get(streams);
  if (!w) scratchBySite.set(streams, (w = new Scratch()));
  w.ensure(n);
  const out = new PatientBuffers(n);
  const s: Stage = { model, site: model.site, streams, w, out };

  const idLen = model.idPrefix.length + model.idDigits;
  const idBytes = new Uint8Array(n * idLen);
  const idOffsets = new Int32Array(n + 1);
  writeIds(model, start, n, idBytes, idLen);
  for (let i = 0; i < n; i++) idOffsets[i + 1] = (i + 1) * idLen;

  const intervalYears = model.visitIntervalMonths / 12;
  for (let o = 0; o < n; o += CHUNK) {
    const len = Math.min(CHUNK, n - o);
    enrollmentDays(s, o, len);
    demographics(s, o, len);
    missingness(s, o, len);
    demographicColumns(s, o, len);
    liabilityAndDiagnosis(s, o, len);
    cognition(s, o, len);
    comorbiditiesAndLabs(s, o, len);
    mri(s, o, len);
    bodyAndFrailty(s, o, len);
    wearables(s, o, len);
    progression(s, o, len);
    codingRecognition(s, o, len);
    baselineCodingAndTarget(s, o, len, intervalYears);
  }

  const patients: ColumnBatch = { length: n, columns: out.columns(model.site, idOffsets, idBytes) };
  let visits: ColumnBatch | null = null;
  if (withVisits) {
    const state: LatentState = {
      group: w.group,
      tMci: w.tMci,
      tAd: w.tAd,
      tDropout: w.tDrop,
      recognizedMci: w.recMci,
      mciAsDementia: w.mciAsDem,
      recognizedAd: w.recAd,
      mmse0: w.mmse0,
      moca0: w.moca0,
      cdr0: w.cdr0,
      hipTrue0: w.hipTrue0,
      gait0: w.gait0,
      cognitionObserved: out.cogObs,
      mriObserved: out.mriObs,
      frailtyObserved: out.frailObs,
    };
    visits = generateVisits(model, streams, state, idBytes, idLen, out.enroll, w.age, w.visitCount, n, intervalYears);
  }
  return { patients, visits };
}

// ---- identifiers and dates
function enrollmentDays(s: Stage, o: number, len: number): void {
  const enroll = s.out.enroll;
  const u = s.streams.get('enrollment').uniforms(len);
  const first = s.model.enrollmentStartDays;
  const span = s.model.enrollmentEndDays - s.model.enrollmentStartDays + 1;
  for (let i = 0; i < len; i++) enroll[o + i] = first + Math.floor(u[i] * span);
}

// ---- demographics
function demographics(s: Stage, o: number, len: number): void {
  const { site, streams } = s;
  const { female, age, edu, e4 } = s.w;
  const ff = site.demographics.femaleFraction;
  const us = streams.get('sex').uniforms(len);
  for (let i = 0; i < len; i++) female[o + i] = +(us[i] < ff);
  // Quantiles straight into the scratch arrays at the chunk's offset.
  ageDistribution(site).fromUniforms(streams.get('age').uniforms(len), age.subarray(o, o + len), len);
  educationDistribution(site).fromUniforms(streams.get('education').uniforms(len), edu.subarray(o, o + len), len);
  for (let i = o; i < o + len; i++) edu[i] = roundHalfUp(edu[i]);
  const rate = site.apoeE4CarrierRate;
  const ug = streams.get('apoe').uniforms(len);
  for (let i = 0; i < len; i++) e4[o + i] = +(ug[i] < rate);
}

// ---- missingness flags per modality (one stream, fixed draws per patient)
function missingness(s: Stage, o: number, len: number): void {
  const site = s.site;
  const { apoeObs, eduObs, cogObs, mriObs, frailObs, wearObs, labObs } = s.out;
  const miss = site.missingness;
  const u = s.streams.get('missingness').uniforms(7 * len);
  const mApoe = miss.apoe;
  const mEdu = miss.education;
  const mCog = miss.cognition;
  const mLab = miss.labs;
  const scanned = site.mri.scannedFraction * (1 - miss.mri);
  const frailAvail = site.frailty.availableFraction * (1 - miss.frailty);
  const wearAvail = site.wearables.availableFraction * (1 - miss.wearables);
  for (let i = 0, j = 0; i < len; i++, j += 7) {
    const p = o + i;
    apoeObs[p] = +(u[j] >= mApoe);
    eduObs[p] = +(u[j + 1] >= mEdu);
    cogObs[p] = +(u[j + 2] >= mCog);
    mriObs[p] = +(u[j + 3] < scanned);
    frailObs[p] = +(u[j + 4] < frailAvail);
    wearObs[p] = +(u[j + 5] < wearAvail);
    labObs[p] = +(u[j + 6] >= mLab);
  }
}

function demographicColumns(s: Stage, o: number, len: number): void {
  const { female, age, edu, e4 } = s.w;
  const out = s.out;
  const sex = out.sex;
  const ageOut = out.age;
  const eduOut = out.edu;
  const e4Out = out.e4;
  for (let p = o; p < o + len; p++) {
    sex[p] = 1 - female[p];
    ageOut[p] = roundHalfUp(age[p] * 10) / 10;
    eduOut[p] = edu[p];
    e4Out[p] = e4[p];
  }
}

// ---- latent liability, true diagnosis, within-stage severity
function liabilityAndDiagnosis(s: Stage, o: number, len: number): void {
  const model = s.model;
  const { age, e4, female, edu, liability, group } = s.w;
  const z = s.streams.get('liability').normals(len);
  const [t1, t2] = model.thresholds;
  const r = s.site.riskModel;
  const ageK = r.ageLogOddsPer10y;
  const e4K = r.apoeE4Shift;
  const femaleK = r.femaleShift;
  const eduK = r.educationShiftPerYear;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    // liabilityMean(site, age, e4, female, edu) + z, written out term by term in its order.
    const l = (ageK * (age[p] - REF_AGE)) / 10 + e4K * e4[p] + femaleK * female[p] + eduK * (edu[p] - REF_EDUCATION) + z[i];
    liability[p] = l;
    // l < t1 ? 0 : l < t2 ? 1 : 2, as t1 <= t2.
    group[p] = +(l >= t1) + +(l >= t2);
  }
  model.liabilityCdfTable.severityZs(model.bandCdf, liability.subarray(o, o + len), group.subarray(o, o + len), s.w.sev.subarray(o, o + len), len);
}

// ---- cognition: a shared cognitive factor correlated with severity, one noise per test
function cognition(s: Stage, o: number, len: number): void {
  const { group, sev, edu, age, mmse0, moca0, cdr0 } = s.w;
  const { mmse: mmseOut, moca: mocaOut, cdr: cdrOut } = s.out;
  const streams = s.streams;
  // Per patient: a shared factor; MMSE and MoCA a latent and a visit noise each; CDR-SB one.
  const zc = streams.get('cognition').normals(len);
  const zm = streams.get('cognition.mmse').normals(2 * len);
  const zq = streams.get('cognition.moca').normals(2 * len);
  const zd = streams.get('cognition.cdr').normals(len);
  const c = s.site.cognition;
  // Per-group parameters as flat arrays: keyed object lookups per patient are slow.
  const mmseMean = groupTable(c.mmse, (d) => d.mean);
  const mmseSd = groupTable(c.mmse, (d) => latentSd(d, 1));
  const mocaMean = groupTable(c.moca, (d) => d.mean);
  const mocaSd = groupTable(c.moca, (d) => latentSd(d, 1));
  const cdrMean = groupTable(c.cdrSbByGroup, (d) => d.mean);
  const cdrSd = groupTable(c.cdrSbByGroup, (d) => d.sd);
  const eduEffect = c.educationEffectPerYear;
  const ageEffect = c.ageEffectPerYear;
  const cdrPick = Float64Array.of(0, 0, 18);
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const g = group[p];
    const cog = 0.6 * sev[p] + 0.8 * zc[i]; // higher = more impaired
    const adjust = eduEffect * (edu[p] - REF_EDUCATION) + ageEffect * (age[p] - REF_AGE);
    const mm = mmseMean[g] + adjust - mmseSd[g] * (0.9 * cog + 0.436 * zm[2 * i]);
    // MoCA's scoring rule adds 1 point for <= 12 y schooling (NAS): part of every MoCA score.
    const mo = mocaMean[g] + adjust - mocaSd[g] * (0.9 * cog + 0.436 * zq[2 * i]) + +(edu[p] <= 12);
    const cd = cdrMean[g] + cdrSd[g] * (0.8 * cog + 0.6 * zd[i]);
    mmse0[p] = mm;
    moca0[p] = mo;
    cdr0[p] = cd;
    // Baseline observation: visit noise SD 1 point. Scores are small integers: clamp them as
    // int32 (NaN, impossible here, would give 0 either way).
    mmseOut[p] = clampInt(roundHalfUp(mm + zm[2 * i + 1]) | 0, 30);
    mocaOut[p] = clampInt(roundHalfUp(mo + zq[2 * i + 1]) | 0, 30);
    // clamp(x, 0, 18) by an indexed pick: x itself (-0 included), 0 or 18.
    const x = roundHalfUp(cd * 2) / 2;
    cdrPick[0] = x;
    cdrOut[p] = cdrPick[+(x < 0) + 2 * +(x > 18)];
  }
}

// ---- comorbidities and labs
function comorbiditiesAndLabs(s: Stage, o: number, len: number): void {
  const { age, female } = s.w;
  const out = s.out;
  const htn = out.hypertension;
  const dm = out.diabetes;
  const hl = out.hyperlipidemia;
  const u = s.streams.get('comorbidities').uniforms(3 * len);
  const cm = s.site.comorbidities;
  const htnRate = cm.hypertension;
  const dmRate = cm.diabetes;
  const hlRate = cm.hyperlipidemia;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    // Hypertension rises with age (~1.5 %-points per year around the reference age).
    const pHtn = clamp(htnRate + 0.015 * (age[p] - REF_AGE), 0, 1);
    htn[p] = +(u[3 * i] < pHtn);
    dm[p] = +(u[3 * i + 1] < dmRate);
    hl[p] = +(u[3 * i + 2] < hlRate);
  }

  const zl = s.streams.get('labs').normals(4 * len);
  const si = s.site.coding.labUnits === 'SI';
  const { glucose, hba1c, cholesterol: chol, creatinine: creat } = out;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const j = 4 * i;
    const d = dm[p];
    const g = GLUCOSE_MEAN[d] + GLUCOSE_SD[d] * zl[j]; // mg/dL
    const a = HBA1C_MEAN[d] + HBA1C_SD[d] * zl[j + 1]; // NGSP %
    const ch = CHOLESTEROL_MEAN[hl[p]] + 38 * zl[j + 2]; // mg/dL
    const cr = CREATININE_SCALE[female[p]] * Math.exp(0.22 * zl[j + 3] + 0.006 * (age[p] - REF_AGE)); // mg/dL
    const gC = Math.max(40, g);
    const aC = Math.max(4, a);
    const chC = Math.max(90, ch);
    // UNITS1/UNITS2/UNITS3 conversions
    glucose[p] = si ? roundHalfUp(gC * 0.0555 * 10) / 10 : roundHalfUp(gC);
    hba1c[p] = si ? roundHalfUp((aC - 2.15) * 10.929) : roundHalfUp(aC * 10) / 10;
    chol[p] = si ? roundHalfUp((chC / 38.67) * 100) / 100 : roundHalfUp(chC);
    creat[p] = si ? roundHalfUp(cr * 88.4) : roundHalfUp(cr * 100) / 100;
  }
}

// ---- MRI: true biology, then the site's scanner
function mri(s: Stage, o: number, len: number): void {
  const { group, sev, age, female, hipTrue0 } = s.w;
  const out = s.out;
  const hypertension = out.hypertension;
  const { icv: icvOut, hippocampus: hipOut, hippocampusAdj: hipAdjOut, entorhinal: ercOut, ventricles: ventOut, wmh: wmhOut } = out;
  // Ten normals per patient: five true values, then five measurement noises.
  const z = s.streams.get('mri').normals(10 * len);
  const m = s.site.mri;
  const fieldFactor = m.fieldStrength === '3T' ? m.fieldStrengthVolumeFactor : 1;
  // Hoisted for the hot loop: property chains per patient cost more than the math.
  const cv = m.measurementCv;
  const hipMul = m.scannerBias.hippocampus.multiplicative;
  const hipAdd = m.scannerBias.hippocampus.additive;
  const ercMul = m.scannerBias.entorhinal.multiplicative;
  const ercAdd = m.scannerBias.entorhinal.additive;
  const ventMul = m.scannerBias.ventricles.multiplicative;
  const ventAdd = m.scannerBias.ventricles.additive;
  const wmhMul = m.scannerBias.wmh.multiplicative;
  const wmhAdd = m.scannerBias.wmh.additive;
  const wmhMu = groupTable(m.wmhCm3, (d) => logNormalParams(d).mu);
  const wmhSigma = groupTable(m.wmhCm3, (d) => logNormalParams(d).sigma);
  const hipMean = groupTable(m.hippocampusCm3, (d) => d.mean);
  const hipSd = groupTable(m.hippocampusCm3, (d) => d.sd);
  const ercMean = groupTable(m.entorhinalThicknessMm, (d) => d.mean);
  const ercSd = groupTable(m.entorhinalThicknessMm, (d) => d.sd);
  const ventMean = groupTable(m.ventriclesCm3, (d) => d.mean);
  const ventSd = groupTable(m.ventriclesCm3, (d) => d.sd);
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const g = group[p];
    const sv = sev[p];
    const j = 10 * i;
    const ageDelta = age[p] - REF_AGE;
    const icv = ICV_MEAN[female[p]] + ICV_SD[female[p]] * z[j];
    // FRASER: ~0.85 %/yr healthy-ageing hippocampal loss; HUA: ventricles expand faster when younger.
    const hipAdjTrue = (hipMean[g] - hipSd[g] * (0.5 * sv + 0.866 * z[j + 1])) * (1 - 0.0085 * ageDelta);
    const hipTrue = Math.max(1, hipAdjTrue + HIPPOCAMPUS_ICV_SLOPE * (icv - REF_ICV_CM3));
    hipTrue0[p] = hipTrue;
    const erc = Math.max(1, ercMean[g] - ercSd[g] * (0.5 * sv + 0.866 * z[j + 2]));
    const vent = Math.max(5, (ventMean[g] + ventSd[g] * (0.4 * sv + 0.917 * z[j + 3])) * (1 + 0.02 * ageDelta));
    const wmh = Math.exp(wmhMu[g] + wmhSigma[g] * z[j + 4] + 0.04 * ageDelta + WMH_HYPERTENSION[hypertension[p]]);
    // Measurement: field strength scales volumes (BUCH), the site's bias, then scan noise.
    const icvM = icv * fieldFactor * (1 + cv * z[j + 5]);
    const hipM = (hipTrue * fieldFactor * hipMul + hipAdd) * (1 + cv * z[j + 6]);
    const ercM = (erc * ercMul + ercAdd) * (1 + cv * z[j + 7]);
    const ventM = (vent * fieldFactor * ventMul + ventAdd) * (1 + cv * z[j + 8]);
    const wmhM = Math.max(0, (wmh * fieldFactor * wmhMul + wmhAdd) * (1 + 3 * cv * z[j + 9]));
    icvOut[p] = roundHalfUp(icvM);
    hipOut[p] = roundHalfUp(hipM * 1000) / 1000;
    hipAdjOut[p] = roundHalfUp((hipM - HIPPOCAMPUS_ICV_SLOPE * (icvM - REF_ICV_CM3)) * 1000) / 1000;
    ercOut[p] = roundHalfUp(ercM * 1000) / 1000;
    ventOut[p] = roundHalfUp(ventM * 10) / 10;
    wmhOut[p] = roundHalfUp(wmhM * 100) / 100;
  }
}

// ---- body, frailty (Fried phenotype)
function bodyAndFrailty(s: Stage, o: number, len: number): void {
  const { model, site, streams } = s;
  const { age, female, group, sev, frailty, frailRisk, frail, gait0 } = s.w;
  const out = s.out;
  const diabetes = out.diabetes;
  const { height: heightOut, weight: weightOut, bmi: bmiOut, gait: gaitOut, grip: gripOut } = out;
  const { weightLoss, exhaustion, lowActivity, slowGait, weakGrip, friedCount, phenotype } = out;
  const zb = streams.get('body').normals(2 * len);
  // Per patient: latent frailty, gait and grip residuals; three criterion uniforms.
  const zf = streams.get('frailty').normals(3 * len);
  const uf = streams.get('frailty.criteria').uniforms(3 * len);
  const probs = new Float64Array(5);
  const lb = site.coding.weightUnit === 'lb';
  const gs = site.frailty.gaitSpeedMps;
  // The gait and grip criteria's probabilities only matter for the frailty oracle.
  const needFrailRisk = model.target === 'frailty';
  // Hoisted for the hot loop: property chains per patient cost more than the math.
  const latentSd = site.frailty.latentSd;
  const offset = model.frailtyOffset;
  const gaitMean = gs.mean;
  const gaitSlope = FRAILTY.gaitSlopeMps;
  const gaitResidualSd = gs.sd * FRAILTY.gaitResidualSdFactor;
  // [male, female]
  const grips = site.frailty.gripStrengthKg;
  const gripMean = Float64Array.of(grips.male.mean, grips.female.mean);
  const gripSd = Float64Array.of(grips.male.sd, grips.female.sd);
  const gripSlope = Float64Array.of(FRAILTY.gripSlopeKg.male, FRAILTY.gripSlopeKg.female);
  const gripResidualFactor = FRAILTY.gripResidualSdFactor;
  const slope = FRAILTY.criterionSlope;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const fem = female[p];
    const h = drawHeightCm(fem, zb[2 * i]);
    const bmi = drawBmi(zb[2 * i + 1]);
    const hm = h / 100;
    const wt = bmi * hm * hm;
    heightOut[p] = roundHalfUp(h * 10) / 10;
    weightOut[p] = roundHalfUp((lb ? wt * 2.20462 : wt) * 10) / 10;
    bmiOut[p] = roundHalfUp(bmi * 10) / 10;
    const f = frailtyLatentMean(age[p], fem, diabetes[p], group[p], sev[p]) + latentSd * zf[3 * i] + offset;
    frailty[p] = f;
    if (needFrailRisk) {
      friedProbabilities(site, f, fem, h, bmi, probs);
      frailRisk[p] = probAtLeastThree(probs);
    }
    // u < logistic(a + b f)  <=>  (1 - u) / u > exp(-(a + b f)): one exp for the three.
    const e = Math.exp(-slope * f);
    const wl = +(uf[3 * i] * (1 + EXP_NEG_WEIGHT_LOSS * e) < 1);
    const ex = +(uf[3 * i + 1] * (1 + EXP_NEG_EXHAUSTION * e) < 1);
    const la = +(uf[3 * i + 2] * (1 + EXP_NEG_LOW_ACTIVITY * e) < 1);
    const gait = Math.max(0.1, gaitMean - gaitSlope * f + gaitResidualSd * zf[3 * i + 1]);
    // Same expression as gd.mean - gripSlope * f + gd.sd * factor * z, per sex.
    const grip = Math.max(2, gripMean[fem] - gripSlope[fem] * f + gripSd[fem] * gripResidualFactor * zf[3 * i + 2]);
    gait0[p] = gait;
    const slow = +(gait <= slowGaitSpeedThreshold(fem, h));
    const weak = +(grip <= weakGripThresholdKg(fem, bmi));
    weightLoss[p] = wl;
    exhaustion[p] = ex;
    lowActivity[p] = la;
    slowGait[p] = slow;
    weakGrip[p] = weak;
    const count = wl + ex + la + slow + weak;
    friedCount[p] = count;
    // robust 0, prefrail 1-2, frail >= 3
    phenotype[p] = +(count > 0) + +(count >= 3);
    frail[p] = +(count >= 3);
    gaitOut[p] = roundHalfUp(gait * 100) / 100;
    gripOut[p] = roundHalfUp(grip * 10) / 10;
  }
}

// ---- wearables
function wearables(s: Stage, o: number, len: number): void {
  const { frailty, female } = s.w;
  const { steps, sleep } = s.out;
  const site = s.site;
  const zw = s.streams.get('wearables').normals(2 * len);
  const sp = logNormalParams(site.wearables.stepsPerDay);
  const mu = sp.mu;
  const sigma = sp.sigma;
  const offset = s.model.frailtyOffset;
  const sleepMean = site.wearables.sleepHours.mean;
  const sleepSd = site.wearables.sleepHours.sd;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    // TL09/TL11: fewer steps with age and frailty, men walk more; NSHAP: women sleep longer.
    steps[p] = roundHalfUp(Math.exp(mu + sigma * zw[2 * i] - 0.3 * (frailty[p] - offset) + STEPS_SEX_SHIFT[female[p]]));
    sleep[p] = roundHalfUp(clamp(sleepMean + SLEEP_SEX_SHIFT[female[p]] + sleepSd * zw[2 * i + 1], 2, 14) * 10) / 10;
  }
}

// ---- progression: exponential stage transitions and dropout
function progression(s: Stage, o: number, len: number): void {
  const model = s.model;
  const { e4, sev, group, tMci, tAd, tDrop, trueRisk, cnIndex, mciIndex } = s.w;
  const u = s.streams.get('progression').uniforms(3 * len);
  const p = s.site.progression;
  const logHrE4 = Math.log(p.hazardRatioE4);
  const logHrSev = Math.log(p.hazardRatioPerLatentSd);
  const Y = model.followUpYears;
  const hCnToMci = model.hazardCnToMci;
  const hMciToAd = model.hazardMciToAd;
  const hDropout = model.hazardDropout;
  // Everyone: dropout time, and the AD defaults (in AD from baseline, risk 1). CN and MCI
  // patients are listed (without a jump) and overwritten by their own pass below, so that no
  // loop branches on the random stage.
  let nCn = 0;
  let nMci = 0;
  for (let i = 0; i < len; i++) {
    const q = o + i;
    tDrop[q] = -Math.log(u[3 * i + 2]) / hDropout;
    tMci[q] = 0;
    tAd[q] = 0;
    trueRisk[q] = 1;
    const g = group[q];
    cnIndex[nCn] = q;
    mciIndex[nMci] = q;
    nCn += +(g === 0);
    nMci += +(g === 1);
  }
  for (let k = 0; k < nMci; k++) {
    const q = mciIndex[k];
    const i = q - o;
    const factor = Math.exp(logHrE4 * e4[q] + logHrSev * sev[q]);
    const l2 = hMciToAd * factor;
    tAd[q] = -Math.log(u[3 * i + 1]) / l2;
    trueRisk[q] = 1 - Math.exp(-l2 * Y);
  }
  for (let k = 0; k < nCn; k++) {
    const q = cnIndex[k];
    const i = q - o;
    const factor = Math.exp(logHrE4 * e4[q] + logHrSev * sev[q]);
    const l1 = hCnToMci * factor;
    const l2 = hMciToAd * factor;
    const t = -Math.log(u[3 * i]) / l1;
    tMci[q] = t;
    tAd[q] = t - Math.log(u[3 * i + 1]) / l2;
    trueRisk[q] = hypoexponentialCdf(l1, l2, Y);
  }
}

// ---- coding: per-patient recognition of MCI and dementia
function codingRecognition(s: Stage, o: number, len: number): void {
  const { recMci, mciAsDem, recAd } = s.w;
  const u = s.streams.get('coding').uniforms(3 * len);
  const c = s.site.coding;
  const mciSens = c.mciSensitivity;
  const mciAsDemRate = c.mciCodedAsDementia;
  const demSens = c.dementiaSensitivity;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    recMci[p] = +(u[3 * i] < mciSens);
    mciAsDem[p] = +(u[3 * i + 1] < mciAsDemRate);
    recAd[p] = +(u[3 * i + 2] < demSens);
  }
}

// baselineCodingAndTarget computes recorded diagnoses arithmetically with these values.
if (DX_MCI !== 0 || DX_AD !== 1) throw new Error('internal: DX_MCI = 0 and DX_AD = 1 expected');

const TARGET_CONVERSION = 0;
const TARGET_IMPAIRMENT = 1;
const TARGET_FRAILTY = 2;

/**
 * dxCodeIndex as a table: [system * 4 + c], c = 0 no recorded diagnosis (-1), 1 MCI, 2 AD with
 * onset before 65, 3 AD from 65.
 */
const DX_CODE_LOOKUP = Int8Array.from({ length: 12 }, (_, k) => {
  const system = k >> 2;
  const c = k & 3;
  return c === 0 ? -1 : c === 1 ? dxCodeIndex(system, DX_MCI, 70) : dxCodeIndex(system, DX_AD, c === 2 ? 60 : 70);
});

// ---- baseline coding and the recorded target (from the visit schedule)
function baselineCodingAndTarget(s: Stage, o: number, len: number, intervalYears: number): void {
  const { model, site } = s;
  const { age, e4, female, edu, group, liability, tMci, tAd, tDrop, trueRisk, frail, frailRisk, recMci, mciAsDem, recAd, visitCount } = s.w;
  const out = s.out;
  const { enroll, frailObs, sysBase, codeBase, recBase, followup, target, targetValid, trueDx, trueLiability } = out;
  const { trueEvent, trueEventYears, trueEventYearsValid, trueRisk: riskOut } = out;
  const lastVisit = Math.floor(model.followUpYears / intervalYears + 1e-9);
  const un = s.streams.get('label-noise').uniforms(len);
  const Y = model.followUpYears;
  const [t1] = model.thresholds;
  const labelNoise = site.coding.labelNoise;
  const targetKind = model.target === 'conversion_to_ad' ? TARGET_CONVERSION : model.target === 'current_impairment' ? TARGET_IMPAIRMENT : TARGET_FRAILTY;
  // systemIndexOn with the site's settings hoisted: ICD-9-CM before the switch date.
  const sysAfterSwitch = systemIndexOn(Number.MAX_SAFE_INTEGER, site.coding.icdSystem, model.switchDays);
  const switchDays = model.switchDays ?? -Infinity;
  const icd9 = ICD_SYSTEM_INDEX['ICD-9-CM'];
  const yearsPick = new Float64Array(2);
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const tm = tMci[p];
    const ta = tAd[p];
    const td = tDrop[p];
    // Visits k = 0..lastVisit at t = k * interval; follow-up ends before the first t > dropout
    // (t grows with k, so that is a count). Baseline is always observed.
    let observedVisits = 1;
    for (let k = 1; k <= lastVisit; k++) observedVisits += +!(k * intervalYears > td);
    // recordedDx(t): AD if in AD by t and dementia is recognized; else, if in MCI or AD by t,
    // the MCI recognition: -1 none, DX_MCI, or DX_AD when MCI is coded as dementia.
    // With DX_MCI = 0 and DX_AD = 1: mciCode = recMci ? mciAsDem : -1.
    const ad = recAd[p];
    const mciCode = recMci[p] * (1 + mciAsDem[p]) - 1;
    const adNow = +(0 >= ta) & ad;
    const rec0 = adNow * DX_AD + (1 - adNow) * (+(0 >= tm) * (mciCode + 1) - 1);
    // "AD coded at some follow-up visit" is monotone in t: test the last observed visit.
    const kLast = observedVisits - 1;
    const tLast = kLast * intervalYears;
    const adCodedAtFollowUp = +(kLast > 0) & ((+(tLast >= ta) & ad) | (+(tLast >= tm) & +(mciCode === DX_AD)));
    const sys = enroll[p] < switchDays ? icd9 : sysAfterSwitch;
    sysBase[p] = sys;
    recBase[p] = rec0;
    codeBase[p] = DX_CODE_LOOKUP[4 * sys + rec0 + 1 + (+(rec0 === DX_AD) & +(age[p] >= 65))];
    visitCount[p] = observedVisits;
    followup[p] = (observedVisits - 1) * intervalYears;
    const adBy = +(ta <= Y);
    trueEventYearsValid[p] = adBy;
    yearsPick[1] = roundHalfUp(ta * 1000) / 1000;
    trueEventYears[p] = yearsPick[adBy];

    // The recorded label where the patient is eligible, flipped by label noise.
    let eligible: number;
    let label: number;
    let event: number;
    let risk: number;
    if (targetKind === TARGET_CONVERSION) {
      // Eligible: no dementia code at baseline and at least one follow-up visit.
      eligible = +(rec0 !== DX_AD) & +(observedVisits > 1);
      label = adCodedAtFollowUp;
      event = adBy;
      risk = trueRisk[p];
    } else if (targetKind === TARGET_IMPAIRMENT) {
      eligible = 1;
      label = +(rec0 >= 0);
      event = +(group[p] > 0);
      // P(L >= t1 | covariates) with the N(0,1) residual: a closed form.
      risk = 1 - normalCdf(t1 - liabilityMean(site, age[p], e4[p], female[p], edu[p]));
    } else {
      eligible = frailObs[p];
      label = frail[p];
      event = frail[p];
      risk = frailRisk[p];
    }
    target[p] = eligible & (label ^ +(un[i] < labelNoise));
    targetValid[p] = eligible;
    trueEvent[p] = event;
    riskOut[p] = risk;
    trueDx[p] = group[p];
    trueLiability[p] = liability[p];
  }
}

/** P(T1 + T2 <= y) for independent exponentials with rates l1, l2 (CN -> MCI -> AD). */
export function hypoexponentialCdf(l1: number, l2: number, y: number): number {
  if (Math.abs(l1 - l2) < 1e-9 * Math.max(l1, l2)) return 1 - Math.exp(-l1 * y) * (1 + l1 * y);
  return 1 - (l2 * Math.exp(-l1 * y) - l1 * Math.exp(-l2 * y)) / (l2 - l1);
}

function trueGroupAt(s: LatentState, i: number, t: number): number {
  if (t >= s.tAd[i]) return 2;
  if (t >= s.tMci[i]) return 1;
  return 0;
}

/** Recorded diagnosis at time t: -1 none, DX_MCI or DX_AD, after under-coding. */
function recordedDx(s: LatentState, i: number, t: number): number {
  const g = trueGroupAt(s, i, t);
  if (g === 0) return -1;
  if (g === 2 && s.recognizedAd[i]) return DX_AD;
  if (s.recognizedMci[i]) return s.mciAsDementia[i] ? DX_AD : DX_MCI;
  return -1;
}

function generateVisits(
  model: SiteModel,
  streams: SiteStreams,
  s: LatentState,
  idBytes: Uint8Array,
  idLen: number,
  enroll: Int32Array,
  age: Float64Array,
  visitCount: Int32Array,
  n: number,
  intervalYears: number,
): ColumnBatch {
  const site = model.site;
  let total = 0;
  for (let i = 0; i < n; i++) total += visitCount[i];
  // Per visit: a date jitter uniform and five normals (MMSE, MoCA, CDR-SB, MRI, gait).
  const uj = streams.get('visits.jitter').uniforms(total);
  const zv = streams.get('visits').normals(5 * total);
  const ids = new Uint8Array(total * idLen);
  const offsets = new Int32Array(total + 1);
  const visitIndex = new Int8Array(total);
  const date = new Int32Array(total);
  const years = new Float32Array(total);
  const ageOut = new Float32Array(total);
  const sys = new Int8Array(total);
  const code = new Int8Array(total);
  const rec = new Int8Array(total);
  const mmse = new Int8Array(total);
  const moca = new Int8Array(total);
  const cdr = new Float32Array(total);
  const hip = new Float32Array(total);
  const gait = new Float32Array(total);
  const trueDx = new Int8Array(total);
  const hipValid = new Uint8Array(total);
  const gaitValid = new Uint8Array(total);
  const p = site.progression;
  const m = site.mri;
  const fieldFactor = m.fieldStrength === '3T' ? m.fieldStrengthVolumeFactor : 1;
  const instrument = site.cognition.instrument;
  const mmseValid = new Uint8Array(total);
  const mocaValid = new Uint8Array(total);
  const cdrValid = new Uint8Array(total);
  let row = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < visitCount[i]; k++, row++) {
      ids.set(idBytes.subarray(i * idLen, (i + 1) * idLen), row * idLen);
      offsets[row + 1] = (row + 1) * idLen;
      const t = k * intervalYears;
      visitIndex[row] = k;
      const jitter = k === 0 ? 0 : Math.floor(uj[row] * 29) - 14;
      const day = enroll[i] + Math.round(t * 365.25) + jitter;
      date[row] = day;
      years[row] = Math.round(((day - enroll[i]) / 365.25) * 1000) / 1000;
      ageOut[row] = Math.round((age[i] + t) * 10) / 10;
      const sysIdx = systemIndexOn(day, site.coding.icdSystem, model.switchDays);
      sys[row] = sysIdx;
      const dx = recordedDx(s, i, t);
      rec[row] = dx;
      code[row] = dx < 0 ? -1 : dxCodeIndex(sysIdx, dx, age[i] + t);
      const g = trueGroupAt(s, i, t);
      trueDx[row] = g;
      // Time spent in MCI and in AD up to t drives decline (CERAD, NACC).
      const inAd = Math.max(0, t - s.tAd[i]);
      const inMci = Math.max(0, Math.min(t, s.tAd[i]) - s.tMci[i]);
      const eMmse = zv[5 * row];
      const eMoca = zv[5 * row + 1];
      const eCdr = zv[5 * row + 2];
      const cogDrop = 0.05 * t + p.mmseDeclineMciPerYear * inMci + p.mmseDeclineAdPerYear * inAd;
      mmse[row] = clamp(Math.round(s.mmse0[i] - cogDrop + eMmse), 0, 30);
      moca[row] = clamp(Math.round(s.moca0[i] - 1.2 * cogDrop + eMoca), 0, 30);
      cdr[row] = clamp(Math.round((s.cdr0[i] + 0.5 * inMci + p.cdrSbIncreaseAdPerYear * inAd + 0.3 * eCdr * (k > 0 ? 1 : 0)) * 2) / 2, 0, 18);
      const cog = s.cognitionObserved[i];
      mmseValid[row] = instrument !== 'MoCA' ? cog : 0;
      mocaValid[row] = instrument !== 'MMSE' ? cog : 0;
      cdrValid[row] = site.cognition.cdrSb ? cog : 0;
      // MRI at baseline and every other visit for scanned patients; atrophy by stage (BARNES, JACK00).
      const eHip = zv[5 * row + 3];
      if (s.mriObserved[i] && k % 2 === 0) {
        const inCn = Math.min(t, s.tMci[i]);
        const loss = (p.hippocampusAtrophyPctPerYear.CN * inCn + p.hippocampusAtrophyPctPerYear.MCI * inMci + p.hippocampusAtrophyPctPerYear.AD * inAd) / 100;
        const hv = s.hipTrue0[i] * Math.exp(-loss);
        const b = m.scannerBias.hippocampus;
        hip[row] = Math.round((hv * fieldFactor * b.multiplicative + b.additive) * (1 + m.measurementCv * eHip) * 1000) / 1000;
        hipValid[row] = 1;
      }
      const eGait = zv[5 * row + 4];
      if (s.frailtyObserved[i]) {
        gait[row] = Math.round(Math.max(0.1, s.gait0[i] - 0.02 * t - 0.03 * inAd + 0.05 * eGait * (k > 0 ? 1 : 0)) * 100) / 100;
        gaitValid[row] = 1;
      }
    }
  }
  const cols = new Map<string, ColumnBuffer>();
  cols.set('patient_id', { kind: 'utf8', offsets, bytes: ids });
  cols.set('site', numeric(new Int8Array(total)));
  cols.set('visit_index', numeric(visitIndex));
  cols.set('visit_date', numeric(date));
  cols.set('years_since_baseline', numeric(years));
  cols.set('age_years', numeric(ageOut));
  cols.set('icd_system', numeric(sys));
  cols.set('dx_code', dictionaryIndices(code));
  cols.set('dx_recorded', dictionaryIndices(rec));
  cols.set('mmse', numeric(mmse, mmseValid));
  cols.set('moca', numeric(moca, mocaValid));
  cols.set('cdr_sb', numeric(cdr, cdrValid));
  cols.set('hippocampus_cm3', numeric(hip, hipValid));
  cols.set('gait_speed_m_s', numeric(gait, gaitValid));
  cols.set('true_dx', numeric(trueDx));
  return { length: total, columns: cols };
}
