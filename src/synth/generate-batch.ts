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
 * Every variable draws from its own stream (rng.ts) in patient order, so a batch's content
 * does not depend on the batch size.
 */
import { DX_AD, DX_MCI, ICD_SYSTEM_INDEX, dxCodeIndex, systemIndexOn } from './coding.js';
import { type ColumnBatch, type ColumnBuffer, dictionaryIndices, numeric } from './columnar.js';
import { clampInt, roundHalfUp } from './branchless.js';
import { normalCdf } from './normal.js';
import { SiteStreams } from './rng.js';
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
      let rest = v | 0;
      for (let k = 0; k < digits; k++) {
        const q = (rest / 10) | 0;
        bytes[end - k] = 48 + rest - q * 10;
        rest = q;
      }
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
 * Per-patient values a batch needs internally but never outputs. They are reused from batch to
 * batch of a site (one set per SiteStreams): ~40 arrays of 64 K entries per batch otherwise go
 * straight to the garbage collector. Every entry [0, n) is written before it is read. Output
 * columns (and validity arrays) are always fresh: callers may keep a batch.
 */
class Scratch {
  capacity = 0;
  female = new Uint8Array(0);
  e4 = new Uint8Array(0);
  group = new Uint8Array(0);
  diabetes = new Uint8Array(0);
  hypertension = new Uint8Array(0);
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

  ensure(n: number): this {
    if (n <= this.capacity) return this;
    this.capacity = n;
    this.female = new Uint8Array(n);
    this.e4 = new Uint8Array(n);
    this.group = new Uint8Array(n);
    this.diabetes = new Uint8Array(n);
    this.hypertension = new Uint8Array(n);
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

/** Missingness flags of one batch (also the validity arrays of the output columns). */
interface Observed {
  apoe: Uint8Array;
  edu: Uint8Array;
  cog: Uint8Array;
  mri: Uint8Array;
  frail: Uint8Array;
  wear: Uint8Array;
  lab: Uint8Array;
}

/**
 * Generates patients [start, start + n) of a site. Each stage is its own function: V8 optimizes
 * (and inlines the model helpers into) small functions far better than one 500-line body.
 */
export function generateBatch(model: SiteModel, streams: SiteStreams, start: number, n: number, withVisits: boolean): SiteBatch {
  let w = scratchBySite.get(streams);
  if (!w) scratchBySite.set(streams, (w = new Scratch()));
  w.ensure(n);
  const cols = new Map<string, ColumnBuffer>();

  // ---- identifiers and dates
  const idLen = model.idPrefix.length + model.idDigits;
  const idBytes = new Uint8Array(n * idLen);
  const idOffsets = new Int32Array(n + 1);
  writeIds(model, start, n, idBytes, idLen);
  for (let i = 0; i < n; i++) idOffsets[i + 1] = (i + 1) * idLen;
  cols.set('patient_id', { kind: 'utf8', offsets: idOffsets, bytes: idBytes });
  cols.set('site', numeric(new Int8Array(n)));
  const enroll = enrollmentDays(model, streams, n);
  cols.set('enrollment_date', numeric(enroll));

  demographics(model.site, streams, n, w);
  const obs = missingness(model.site, streams, n);
  demographicColumns(n, w, obs, cols);
  liabilityAndDiagnosis(model, streams, n, w);
  cognition(model.site, streams, n, w, obs, cols);
  comorbiditiesAndLabs(model.site, streams, n, w, obs, cols);
  mri(model.site, streams, n, w, obs, cols);
  bodyAndFrailty(model, streams, n, w, obs, cols);
  wearables(model, streams, n, w, obs, cols);
  progression(model, streams, n, w);
  codingRecognition(model.site, streams, n, w);

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
    cognitionObserved: obs.cog,
    mriObserved: obs.mri,
    frailtyObserved: obs.frail,
  };

  const intervalYears = model.visitIntervalMonths / 12;
  baselineCodingAndTarget(model, streams, n, w, obs, enroll, intervalYears, cols);

  const patients: ColumnBatch = { length: n, columns: cols };
  const visits = withVisits ? generateVisits(model, streams, state, idBytes, idLen, enroll, w.age, w.visitCount, n, intervalYears) : null;
  return { patients, visits };
}

function enrollmentDays(model: SiteModel, streams: SiteStreams, n: number): Int32Array {
  const enroll = new Int32Array(n);
  const u = streams.get('enrollment').uniforms(n);
  const first = model.enrollmentStartDays;
  const span = model.enrollmentEndDays - model.enrollmentStartDays + 1;
  for (let i = 0; i < n; i++) enroll[i] = first + Math.floor(u[i] * span);
  return enroll;
}

// ---- demographics
function demographics(site: ResolvedSite, streams: SiteStreams, n: number, w: Scratch): void {
  const { female, age, edu, e4 } = w;
  const ff = site.demographics.femaleFraction;
  const us = streams.get('sex').uniforms(n);
  for (let i = 0; i < n; i++) female[i] = +(us[i] < ff);
  ageDistribution(site).fromUniforms(streams.get('age').uniforms(n), age, n);
  educationDistribution(site).fromUniforms(streams.get('education').uniforms(n), edu, n);
  for (let i = 0; i < n; i++) edu[i] = roundHalfUp(edu[i]);
  const rate = site.apoeE4CarrierRate;
  const ug = streams.get('apoe').uniforms(n);
  for (let i = 0; i < n; i++) e4[i] = +(ug[i] < rate);
}

// ---- missingness flags per modality (one stream, fixed draws per patient)
function missingness(site: ResolvedSite, streams: SiteStreams, n: number): Observed {
  const miss = site.missingness;
  const apoe = new Uint8Array(n);
  const edu = new Uint8Array(n);
  const cog = new Uint8Array(n);
  const mriObs = new Uint8Array(n);
  const frail = new Uint8Array(n);
  const wear = new Uint8Array(n);
  const lab = new Uint8Array(n);
  const u = streams.get('missingness').uniforms(7 * n);
  const mApoe = miss.apoe;
  const mEdu = miss.education;
  const mCog = miss.cognition;
  const mLab = miss.labs;
  const scanned = site.mri.scannedFraction * (1 - miss.mri);
  const frailAvail = site.frailty.availableFraction * (1 - miss.frailty);
  const wearAvail = site.wearables.availableFraction * (1 - miss.wearables);
  for (let i = 0, j = 0; i < n; i++, j += 7) {
    apoe[i] = +(u[j] >= mApoe);
    edu[i] = +(u[j + 1] >= mEdu);
    cog[i] = +(u[j + 2] >= mCog);
    mriObs[i] = +(u[j + 3] < scanned);
    frail[i] = +(u[j + 4] < frailAvail);
    wear[i] = +(u[j + 5] < wearAvail);
    lab[i] = +(u[j + 6] >= mLab);
  }
  return { apoe, edu, cog, mri: mriObs, frail, wear, lab };
}

function demographicColumns(n: number, w: Scratch, obs: Observed, cols: Map<string, ColumnBuffer>): void {
  const { female, age, edu, e4 } = w;
  const sex = new Int8Array(n);
  const ageOut = new Float32Array(n);
  const eduOut = new Int8Array(n);
  const e4Out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    sex[i] = 1 - female[i];
    ageOut[i] = roundHalfUp(age[i] * 10) / 10;
    eduOut[i] = edu[i];
    e4Out[i] = e4[i];
  }
  cols.set('sex', numeric(sex));
  cols.set('age_years', numeric(ageOut));
  cols.set('education_years', numeric(eduOut, obs.edu));
  cols.set('apoe_e4_carrier', numeric(e4Out, obs.apoe));
}

// ---- latent liability, true diagnosis, within-stage severity
function liabilityAndDiagnosis(model: SiteModel, streams: SiteStreams, n: number, w: Scratch): void {
  const { age, e4, female, edu, liability, group } = w;
  const z = streams.get('liability').normals(n);
  const [t1, t2] = model.thresholds;
  const r = model.site.riskModel;
  const ageK = r.ageLogOddsPer10y;
  const e4K = r.apoeE4Shift;
  const femaleK = r.femaleShift;
  const eduK = r.educationShiftPerYear;
  for (let i = 0; i < n; i++) {
    // liabilityMean(site, age, e4, female, edu) + z, written out term by term in its order.
    const l = (ageK * (age[i] - REF_AGE)) / 10 + e4K * e4[i] + femaleK * female[i] + eduK * (edu[i] - REF_EDUCATION) + z[i];
    liability[i] = l;
    // l < t1 ? 0 : l < t2 ? 1 : 2, as t1 <= t2.
    group[i] = +(l >= t1) + +(l >= t2);
  }
  model.liabilityCdfTable.severityZs(model.bandCdf, liability, group, w.sev, n);
}

// ---- cognition: a shared cognitive factor correlated with severity, one noise per test
function cognition(site: ResolvedSite, streams: SiteStreams, n: number, w: Scratch, obs: Observed, cols: Map<string, ColumnBuffer>): void {
  const { group, sev, edu, age, mmse0, moca0, cdr0 } = w;
  const instrument = site.cognition.instrument;
  const hasMmse = instrument !== 'MoCA';
  const hasMoca = instrument !== 'MMSE';
  // Per patient: a shared factor; MMSE and MoCA a latent and a visit noise each; CDR-SB one.
  const zc = streams.get('cognition').normals(n);
  const zm = streams.get('cognition.mmse').normals(2 * n);
  const zq = streams.get('cognition.moca').normals(2 * n);
  const zd = streams.get('cognition.cdr').normals(n);
  const c = site.cognition;
  const mmseOut = new Int8Array(n);
  const mocaOut = new Int8Array(n);
  const cdrOut = new Float32Array(n);
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
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const cog = 0.6 * sev[i] + 0.8 * zc[i]; // higher = more impaired
    const adjust = eduEffect * (edu[i] - REF_EDUCATION) + ageEffect * (age[i] - REF_AGE);
    const mm = mmseMean[g] + adjust - mmseSd[g] * (0.9 * cog + 0.436 * zm[2 * i]);
    // MoCA's scoring rule adds 1 point for <= 12 y schooling (NAS): part of every MoCA score.
    const mo = mocaMean[g] + adjust - mocaSd[g] * (0.9 * cog + 0.436 * zq[2 * i]) + +(edu[i] <= 12);
    const cd = cdrMean[g] + cdrSd[g] * (0.8 * cog + 0.6 * zd[i]);
    mmse0[i] = mm;
    moca0[i] = mo;
    cdr0[i] = cd;
    // Baseline observation: visit noise SD 1 point.
    // Scores are small integers: clamp them as int32 (NaN, impossible here, would give 0 either way).
    mmseOut[i] = clampInt(roundHalfUp(mm + zm[2 * i + 1]) | 0, 30);
    mocaOut[i] = clampInt(roundHalfUp(mo + zq[2 * i + 1]) | 0, 30);
    // clamp(x, 0, 18) by an indexed pick: x itself (-0 included), 0 or 18.
    const x = roundHalfUp(cd * 2) / 2;
    cdrPick[0] = x;
    cdrOut[i] = cdrPick[+(x < 0) + 2 * +(x > 18)];
  }
  cols.set('mmse', numeric(mmseOut, hasMmse ? obs.cog : new Uint8Array(n)));
  cols.set('moca', numeric(mocaOut, hasMoca ? obs.cog : new Uint8Array(n)));
  cols.set('cdr_sb', numeric(cdrOut, site.cognition.cdrSb ? obs.cog : new Uint8Array(n)));
}

// ---- comorbidities and labs
function comorbiditiesAndLabs(site: ResolvedSite, streams: SiteStreams, n: number, w: Scratch, obs: Observed, cols: Map<string, ColumnBuffer>): void {
  const { age, female, diabetes, hypertension } = w;
  const u = streams.get('comorbidities').uniforms(3 * n);
  const cm = site.comorbidities;
  const htnRate = cm.hypertension;
  const dmRate = cm.diabetes;
  const hlRate = cm.hyperlipidemia;
  const htn = new Int8Array(n);
  const dm = new Int8Array(n);
  const hl = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    // Hypertension rises with age (~1.5 %-points per year around the reference age).
    const pHtn = clamp(htnRate + 0.015 * (age[i] - REF_AGE), 0, 1);
    hypertension[i] = htn[i] = +(u[3 * i] < pHtn);
    diabetes[i] = dm[i] = +(u[3 * i + 1] < dmRate);
    hl[i] = +(u[3 * i + 2] < hlRate);
  }
  cols.set('hypertension', numeric(htn));
  cols.set('diabetes', numeric(dm));
  cols.set('hyperlipidemia', numeric(hl));

  const zl = streams.get('labs').normals(4 * n);
  const si = site.coding.labUnits === 'SI';
  const glucose = new Float32Array(n);
  const hba1c = new Float32Array(n);
  const chol = new Float32Array(n);
  const creat = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const j = 4 * i;
    const d = diabetes[i];
    const g = GLUCOSE_MEAN[d] + GLUCOSE_SD[d] * zl[j]; // mg/dL
    const a = HBA1C_MEAN[d] + HBA1C_SD[d] * zl[j + 1]; // NGSP %
    const ch = CHOLESTEROL_MEAN[hl[i]] + 38 * zl[j + 2]; // mg/dL
    const cr = CREATININE_SCALE[female[i]] * Math.exp(0.22 * zl[j + 3] + 0.006 * (age[i] - REF_AGE)); // mg/dL
    const gC = Math.max(40, g);
    const aC = Math.max(4, a);
    const chC = Math.max(90, ch);
    // UNITS1/UNITS2/UNITS3 conversions
    glucose[i] = si ? roundHalfUp(gC * 0.0555 * 10) / 10 : roundHalfUp(gC);
    hba1c[i] = si ? roundHalfUp((aC - 2.15) * 10.929) : roundHalfUp(aC * 10) / 10;
    chol[i] = si ? roundHalfUp((chC / 38.67) * 100) / 100 : roundHalfUp(chC);
    creat[i] = si ? roundHalfUp(cr * 88.4) : roundHalfUp(cr * 100) / 100;
  }
  cols.set('glucose', numeric(glucose, obs.lab));
  cols.set('hba1c', numeric(hba1c, obs.lab));
  cols.set('cholesterol_total', numeric(chol, obs.lab));
  cols.set('creatinine', numeric(creat, obs.lab));
}

// ---- MRI: true biology, then the site's scanner
function mri(site: ResolvedSite, streams: SiteStreams, n: number, w: Scratch, obs: Observed, cols: Map<string, ColumnBuffer>): void {
  const { group, sev, age, female, hypertension, hipTrue0 } = w;
  // Ten normals per patient: five true values, then five measurement noises.
  const z = streams.get('mri').normals(10 * n);
  const m = site.mri;
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
  const fs = new Int8Array(n).fill(m.fieldStrength === '3T' ? 1 : 0);
  const vendor = new Int8Array(n);
  const icvOut = new Float32Array(n);
  const hipOut = new Float32Array(n);
  const hipAdjOut = new Float32Array(n);
  const ercOut = new Float32Array(n);
  const ventOut = new Float32Array(n);
  const wmhOut = new Float32Array(n);
  const wmhMu = groupTable(m.wmhCm3, (d) => logNormalParams(d).mu);
  const wmhSigma = groupTable(m.wmhCm3, (d) => logNormalParams(d).sigma);
  const hipMean = groupTable(m.hippocampusCm3, (d) => d.mean);
  const hipSd = groupTable(m.hippocampusCm3, (d) => d.sd);
  const ercMean = groupTable(m.entorhinalThicknessMm, (d) => d.mean);
  const ercSd = groupTable(m.entorhinalThicknessMm, (d) => d.sd);
  const ventMean = groupTable(m.ventriclesCm3, (d) => d.mean);
  const ventSd = groupTable(m.ventriclesCm3, (d) => d.sd);
  for (let i = 0; i < n; i++) {
    const g = group[i];
    const s = sev[i];
    const j = 10 * i;
    const ageDelta = age[i] - REF_AGE;
    const icv = ICV_MEAN[female[i]] + ICV_SD[female[i]] * z[j];
    // FRASER: ~0.85 %/yr healthy-ageing hippocampal loss; HUA: ventricles expand faster when younger.
    const hipAdjTrue = (hipMean[g] - hipSd[g] * (0.5 * s + 0.866 * z[j + 1])) * (1 - 0.0085 * ageDelta);
    const hipTrue = Math.max(1, hipAdjTrue + HIPPOCAMPUS_ICV_SLOPE * (icv - REF_ICV_CM3));
    hipTrue0[i] = hipTrue;
    const erc = Math.max(1, ercMean[g] - ercSd[g] * (0.5 * s + 0.866 * z[j + 2]));
    const vent = Math.max(5, (ventMean[g] + ventSd[g] * (0.4 * s + 0.917 * z[j + 3])) * (1 + 0.02 * ageDelta));
    const wmh = Math.exp(wmhMu[g] + wmhSigma[g] * z[j + 4] + 0.04 * ageDelta + WMH_HYPERTENSION[hypertension[i]]);
    // Measurement: field strength scales volumes (BUCH), the site's bias, then scan noise.
    const icvM = icv * fieldFactor * (1 + cv * z[j + 5]);
    const hipM = (hipTrue * fieldFactor * hipMul + hipAdd) * (1 + cv * z[j + 6]);
    const ercM = (erc * ercMul + ercAdd) * (1 + cv * z[j + 7]);
    const ventM = (vent * fieldFactor * ventMul + ventAdd) * (1 + cv * z[j + 8]);
    const wmhM = Math.max(0, (wmh * fieldFactor * wmhMul + wmhAdd) * (1 + 3 * cv * z[j + 9]));
    icvOut[i] = roundHalfUp(icvM);
    hipOut[i] = roundHalfUp(hipM * 1000) / 1000;
    hipAdjOut[i] = roundHalfUp((hipM - HIPPOCAMPUS_ICV_SLOPE * (icvM - REF_ICV_CM3)) * 1000) / 1000;
    ercOut[i] = roundHalfUp(ercM * 1000) / 1000;
    ventOut[i] = roundHalfUp(ventM * 10) / 10;
    wmhOut[i] = roundHalfUp(wmhM * 100) / 100;
  }
  cols.set('mri_field_strength', numeric(fs, obs.mri));
  cols.set('mri_vendor', numeric(vendor, obs.mri));
  cols.set('icv_cm3', numeric(icvOut, obs.mri));
  cols.set('hippocampus_cm3', numeric(hipOut, obs.mri));
  cols.set('hippocampus_icv_adj_cm3', numeric(hipAdjOut, obs.mri));
  cols.set('entorhinal_thickness_mm', numeric(ercOut, obs.mri));
  cols.set('ventricles_cm3', numeric(ventOut, obs.mri));
  cols.set('wmh_cm3', numeric(wmhOut, obs.mri));
}

// ---- body, frailty (Fried phenotype)
function bodyAndFrailty(model: SiteModel, streams: SiteStreams, n: number, w: Scratch, obs: Observed, cols: Map<string, ColumnBuffer>): void {
  const site = model.site;
  const { age, female, diabetes, group, sev, frailty, frailRisk, frail, gait0 } = w;
  const zb = streams.get('body').normals(2 * n);
  // Per patient: latent frailty, gait and grip residuals; three criterion uniforms.
  const zf = streams.get('frailty').normals(3 * n);
  const uf = streams.get('frailty.criteria').uniforms(3 * n);
  const heightOut = new Float32Array(n);
  const weightOut = new Float32Array(n);
  const bmiOut = new Float32Array(n);
  const gaitOut = new Float32Array(n);
  const gripOut = new Float32Array(n);
  const critWeightLoss = new Int8Array(n);
  const critExhaustion = new Int8Array(n);
  const critLowActivity = new Int8Array(n);
  const critSlowGait = new Int8Array(n);
  const critWeakGrip = new Int8Array(n);
  const countOut = new Int8Array(n);
  const phenoOut = new Int8Array(n);
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
  for (let i = 0; i < n; i++) {
    const fem = female[i];
    const h = drawHeightCm(fem, zb[2 * i]);
    const bmi = drawBmi(zb[2 * i + 1]);
    const hm = h / 100;
    const wt = bmi * hm * hm;
    heightOut[i] = roundHalfUp(h * 10) / 10;
    weightOut[i] = roundHalfUp((lb ? wt * 2.20462 : wt) * 10) / 10;
    bmiOut[i] = roundHalfUp(bmi * 10) / 10;
    const f = frailtyLatentMean(age[i], fem, diabetes[i], group[i], sev[i]) + latentSd * zf[3 * i] + offset;
    frailty[i] = f;
    if (needFrailRisk) {
      friedProbabilities(site, f, fem, h, bmi, probs);
      frailRisk[i] = probAtLeastThree(probs);
    }
    // u < logistic(a + b f)  <=>  (1 - u) / u > exp(-(a + b f)): one exp for the three.
    const e = Math.exp(-slope * f);
    const wl = +(uf[3 * i] * (1 + EXP_NEG_WEIGHT_LOSS * e) < 1);
    const ex = +(uf[3 * i + 1] * (1 + EXP_NEG_EXHAUSTION * e) < 1);
    const la = +(uf[3 * i + 2] * (1 + EXP_NEG_LOW_ACTIVITY * e) < 1);
    const gait = Math.max(0.1, gaitMean - gaitSlope * f + gaitResidualSd * zf[3 * i + 1]);
    // Same expression as gd.mean - gripSlope * f + gd.sd * factor * z, per sex.
    const grip = Math.max(2, gripMean[fem] - gripSlope[fem] * f + gripSd[fem] * gripResidualFactor * zf[3 * i + 2]);
    gait0[i] = gait;
    const slow = +(gait <= slowGaitSpeedThreshold(fem, h));
    const weak = +(grip <= weakGripThresholdKg(fem, bmi));
    critWeightLoss[i] = wl;
    critExhaustion[i] = ex;
    critLowActivity[i] = la;
    critSlowGait[i] = slow;
    critWeakGrip[i] = weak;
    const count = wl + ex + la + slow + weak;
    countOut[i] = count;
    // robust 0, prefrail 1-2, frail >= 3
    phenoOut[i] = +(count > 0) + +(count >= 3);
    frail[i] = +(count >= 3);
    gaitOut[i] = roundHalfUp(gait * 100) / 100;
    gripOut[i] = roundHalfUp(grip * 10) / 10;
  }
  const frailObs = obs.frail;
  cols.set('height_cm', numeric(heightOut));
  cols.set('weight', numeric(weightOut));
  cols.set('bmi', numeric(bmiOut));
  cols.set('gait_speed_m_s', numeric(gaitOut, frailObs));
  cols.set('grip_strength_kg', numeric(gripOut, frailObs));
  cols.set('fried_weight_loss', numeric(critWeightLoss, frailObs));
  cols.set('fried_exhaustion', numeric(critExhaustion, frailObs));
  cols.set('fried_low_activity', numeric(critLowActivity, frailObs));
  cols.set('fried_slow_gait', numeric(critSlowGait, frailObs));
  cols.set('fried_weak_grip', numeric(critWeakGrip, frailObs));
  cols.set('fried_count', numeric(countOut, frailObs));
  cols.set('frailty_phenotype', numeric(phenoOut, frailObs));
}

// ---- wearables
function wearables(model: SiteModel, streams: SiteStreams, n: number, w: Scratch, obs: Observed, cols: Map<string, ColumnBuffer>): void {
  const { frailty, female } = w;
  const site = model.site;
  const zw = streams.get('wearables').normals(2 * n);
  const steps = new Int32Array(n);
  const sleep = new Float32Array(n);
  const sp = logNormalParams(site.wearables.stepsPerDay);
  const mu = sp.mu;
  const sigma = sp.sigma;
  const offset = model.frailtyOffset;
  const sleepMean = site.wearables.sleepHours.mean;
  const sleepSd = site.wearables.sleepHours.sd;
  for (let i = 0; i < n; i++) {
    // TL09/TL11: fewer steps with age and frailty, men walk more; NSHAP: women sleep longer.
    steps[i] = roundHalfUp(Math.exp(mu + sigma * zw[2 * i] - 0.3 * (frailty[i] - offset) + STEPS_SEX_SHIFT[female[i]]));
    sleep[i] = roundHalfUp(clamp(sleepMean + SLEEP_SEX_SHIFT[female[i]] + sleepSd * zw[2 * i + 1], 2, 14) * 10) / 10;
  }
  cols.set('steps_per_day', numeric(steps, obs.wear));
  cols.set('sleep_hours', numeric(sleep, obs.wear));
}

// ---- progression: exponential stage transitions and dropout
function progression(model: SiteModel, streams: SiteStreams, n: number, w: Scratch): void {
  const { e4, sev, group, tMci, tAd, tDrop, trueRisk } = w;
  const u = streams.get('progression').uniforms(3 * n);
  const p = model.site.progression;
  const logHrE4 = Math.log(p.hazardRatioE4);
  const logHrSev = Math.log(p.hazardRatioPerLatentSd);
  const Y = model.followUpYears;
  const hCnToMci = model.hazardCnToMci;
  const hMciToAd = model.hazardMciToAd;
  const hDropout = model.hazardDropout;
  for (let i = 0; i < n; i++) {
    tDrop[i] = -Math.log(u[3 * i + 2]) / hDropout;
    const g = group[i];
    if (g === 2) {
      tMci[i] = 0;
      tAd[i] = 0;
      trueRisk[i] = 1;
      continue;
    }
    const factor = Math.exp(logHrE4 * e4[i] + logHrSev * sev[i]);
    const l1 = hCnToMci * factor;
    const l2 = hMciToAd * factor;
    if (g === 1) {
      tMci[i] = 0;
      tAd[i] = -Math.log(u[3 * i + 1]) / l2;
      trueRisk[i] = 1 - Math.exp(-l2 * Y);
    } else {
      const t = -Math.log(u[3 * i]) / l1;
      tMci[i] = t;
      tAd[i] = t - Math.log(u[3 * i + 1]) / l2;
      trueRisk[i] = hypoexponentialCdf(l1, l2, Y);
    }
  }
}

// ---- coding: per-patient recognition of MCI and dementia
function codingRecognition(site: ResolvedSite, streams: SiteStreams, n: number, w: Scratch): void {
  const { recMci, mciAsDem, recAd } = w;
  const u = streams.get('coding').uniforms(3 * n);
  const c = site.coding;
  const mciSens = c.mciSensitivity;
  const mciAsDemRate = c.mciCodedAsDementia;
  const demSens = c.dementiaSensitivity;
  for (let i = 0; i < n; i++) {
    recMci[i] = +(u[3 * i] < mciSens);
    mciAsDem[i] = +(u[3 * i + 1] < mciAsDemRate);
    recAd[i] = +(u[3 * i + 2] < demSens);
  }
}

const TARGET_CONVERSION = 0;
const TARGET_IMPAIRMENT = 1;
const TARGET_FRAILTY = 2;

// ---- baseline coding and the recorded target (from the visit schedule)
function baselineCodingAndTarget(
  model: SiteModel,
  streams: SiteStreams,
  n: number,
  w: Scratch,
  obs: Observed,
  enroll: Int32Array,
  intervalYears: number,
  cols: Map<string, ColumnBuffer>,
): void {
  const site = model.site;
  const { age, e4, female, edu, group, tMci, tAd, tDrop, trueRisk, frail, frailRisk, recMci, mciAsDem, recAd, visitCount } = w;
  const frailObs = obs.frail;
  const lastVisit = Math.floor(model.followUpYears / intervalYears + 1e-9);
  const sysBase = new Int8Array(n);
  const codeBase = new Int8Array(n);
  const recBase = new Int8Array(n);
  const followup = new Float32Array(n);
  const target = new Int8Array(n);
  const targetValid = new Uint8Array(n);
  const trueEvent = new Int8Array(n);
  const trueEventYears = new Float32Array(n);
  const trueEventYearsValid = new Uint8Array(n);
  const riskOut = new Float64Array(n);
  const un = streams.get('label-noise').uniforms(n);
  const Y = model.followUpYears;
  const [t1] = model.thresholds;
  const labelNoise = site.coding.labelNoise;
  const targetKind = model.target === 'conversion_to_ad' ? TARGET_CONVERSION : model.target === 'current_impairment' ? TARGET_IMPAIRMENT : TARGET_FRAILTY;
  // systemIndexOn with the site's settings hoisted: ICD-9-CM before the switch date.
  const sysAfterSwitch = systemIndexOn(Number.MAX_SAFE_INTEGER, site.coding.icdSystem, model.switchDays);
  const switchDays = model.switchDays ?? -Infinity;
  const icd9 = ICD_SYSTEM_INDEX['ICD-9-CM'];
  for (let i = 0; i < n; i++) {
    // recordedDx at time t, written out: true stage by t, then under-coding.
    const tm = tMci[i];
    const ta = tAd[i];
    const td = tDrop[i];
    const adIfRecognized = recAd[i] === 1;
    const mciCode = recMci[i] ? (mciAsDem[i] ? DX_AD : DX_MCI) : -1;
    let observedVisits = 1;
    let adCodedAtFollowUp = 0;
    // Baseline (k = 0) is always observed.
    const rec0 = 0 >= ta && adIfRecognized ? DX_AD : 0 >= tm ? mciCode : -1;
    for (let k = 1; k <= lastVisit; k++) {
      const t = k * intervalYears;
      if (t > td) break;
      observedVisits++;
      const rec = t >= ta && adIfRecognized ? DX_AD : t >= tm ? mciCode : -1;
      if (rec === DX_AD) adCodedAtFollowUp = 1;
    }
    const day = enroll[i];
    const sys = day < switchDays ? icd9 : sysAfterSwitch;
    sysBase[i] = sys;
    recBase[i] = rec0;
    codeBase[i] = rec0 < 0 ? -1 : dxCodeIndex(sys, rec0, age[i]);
    visitCount[i] = observedVisits;
    followup[i] = (observedVisits - 1) * intervalYears;
    const adBy = ta <= Y ? 1 : 0;
    trueEventYearsValid[i] = adBy;
    trueEventYears[i] = adBy ? Math.round(ta * 1000) / 1000 : 0;

    let label = -1;
    let event = 0;
    let risk = 0;
    if (targetKind === TARGET_CONVERSION) {
      // Eligible: no dementia code at baseline and at least one follow-up visit.
      event = adBy;
      risk = trueRisk[i];
      if (rec0 !== DX_AD && observedVisits > 1) label = adCodedAtFollowUp;
    } else if (targetKind === TARGET_IMPAIRMENT) {
      event = group[i] > 0 ? 1 : 0;
      // P(L >= t1 | covariates) with the N(0,1) residual: a closed form.
      risk = 1 - normalCdf(t1 - liabilityMean(site, age[i], e4[i], female[i], edu[i]));
      label = rec0 >= 0 ? 1 : 0;
    } else {
      event = frail[i];
      risk = frailRisk[i];
      if (frailObs[i]) label = frail[i];
    }
    if (label >= 0 && un[i] < labelNoise) label = 1 - label;
    target[i] = label < 0 ? 0 : label;
    targetValid[i] = label < 0 ? 0 : 1;
    trueEvent[i] = event;
    riskOut[i] = risk;
  }
  cols.set('icd_system_baseline', numeric(sysBase));
  cols.set('dx_code_baseline', dictionaryIndices(codeBase));
  cols.set('dx_recorded_baseline', dictionaryIndices(recBase));
  cols.set('followup_years', numeric(followup));
  cols.set('target', numeric(target, targetValid));
  const trueDx = new Int8Array(n);
  const lat = new Float32Array(n);
  const liability = w.liability;
  for (let i = 0; i < n; i++) {
    trueDx[i] = group[i];
    lat[i] = liability[i];
  }
  cols.set('true_dx_baseline', numeric(trueDx));
  cols.set('true_liability', numeric(lat));
  cols.set('true_event', numeric(trueEvent));
  cols.set('true_event_years', numeric(trueEventYears, trueEventYearsValid));
  cols.set('true_risk', numeric(riskOut));
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
