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
import { DX_AD, DX_MCI, dxCodeIndex, systemIndexOn } from './coding.js';
import { type ColumnBatch, type ColumnBuffer, dictionaryIndices, numeric } from './columnar.js';
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
  educationDistribution,
  drawHeightCm,
  frailtyLatentMean,
  friedProbabilities,
  liabilityMean,
  probAtLeastThree,
  slowGaitSpeedThreshold,
  weakGripThresholdKg,
} from './site-model.js';
import type { Dist, Group } from '../scenario/schema.js';

const GROUP_KEYS: Group[] = ['CN', 'MCI', 'AD'];
// exp(-intercept) of the three self-reported Fried criteria (logistic in the latent frailty).
const EXP_NEG_WEIGHT_LOSS = Math.exp(-FRAILTY.weightLossIntercept);
const EXP_NEG_EXHAUSTION = Math.exp(-FRAILTY.exhaustionIntercept);
const EXP_NEG_LOW_ACTIVITY = Math.exp(-FRAILTY.lowActivityIntercept);

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
  for (let i = 0; i < n; i++) {
    const offset = i * idLen;
    for (let k = 0; k < prefix.length; k++) bytes[offset + k] = prefix.charCodeAt(k);
    let rest = v;
    const end = offset + prefix.length + digits - 1;
    for (let k = 0; k < digits; k++) {
      const q = Math.floor(rest / 10);
      bytes[end - k] = 48 + rest - q * 10;
      rest = q;
    }
    v += a;
    if (v >= space) v -= space * Math.floor(v / space);
  }
}

/** Generates patients [start, start + n) of a site. */
export function generateBatch(model: SiteModel, streams: SiteStreams, start: number, n: number, withVisits: boolean): SiteBatch {
  const site = model.site;
  const cols = new Map<string, ColumnBuffer>();

  // ---- identifiers and dates
  const idLen = model.idPrefix.length + model.idDigits;
  const idBytes = new Uint8Array(n * idLen);
  const idOffsets = new Int32Array(n + 1);
  writeIds(model, start, n, idBytes, idLen);
  for (let i = 0; i < n; i++) idOffsets[i + 1] = (i + 1) * idLen;
  cols.set('patient_id', { kind: 'utf8', offsets: idOffsets, bytes: idBytes });
  cols.set('site', numeric(new Int8Array(n)));
  const enroll = new Int32Array(n);
  {
    const u = streams.get('enrollment').uniforms(n);
    const span = model.enrollmentEndDays - model.enrollmentStartDays + 1;
    for (let i = 0; i < n; i++) enroll[i] = model.enrollmentStartDays + Math.floor(u[i] * span);
  }
  cols.set('enrollment_date', numeric(enroll));

  // ---- demographics
  const female = new Uint8Array(n);
  const age = new Float64Array(n);
  const edu = new Float64Array(n);
  const e4 = new Uint8Array(n);
  {
    const ff = site.demographics.femaleFraction;
    const us = streams.get('sex').uniforms(n);
    for (let i = 0; i < n; i++) female[i] = us[i] < ff ? 1 : 0;
    const ageDist = ageDistribution(site);
    const ua = streams.get('age').uniforms(n);
    for (let i = 0; i < n; i++) age[i] = ageDist.fromUniform(ua[i]);
    const eduDist = educationDistribution(site);
    const ue = streams.get('education').uniforms(n);
    for (let i = 0; i < n; i++) edu[i] = Math.round(eduDist.fromUniform(ue[i]));
    const rate = site.apoeE4CarrierRate;
    const ug = streams.get('apoe').uniforms(n);
    for (let i = 0; i < n; i++) e4[i] = ug[i] < rate ? 1 : 0;
  }

  // ---- missingness flags per modality (one stream, fixed draws per patient)
  const miss = site.missingness;
  const apoeObs = new Uint8Array(n);
  const eduObs = new Uint8Array(n);
  const cogObs = new Uint8Array(n);
  const mriObs = new Uint8Array(n);
  const frailObs = new Uint8Array(n);
  const wearObs = new Uint8Array(n);
  const labObs = new Uint8Array(n);
  {
    const u = streams.get('missingness').uniforms(7 * n);
    const scanned = site.mri.scannedFraction * (1 - miss.mri);
    const frail = site.frailty.availableFraction * (1 - miss.frailty);
    const wear = site.wearables.availableFraction * (1 - miss.wearables);
    for (let i = 0, j = 0; i < n; i++, j += 7) {
      apoeObs[i] = u[j] >= miss.apoe ? 1 : 0;
      eduObs[i] = u[j + 1] >= miss.education ? 1 : 0;
      cogObs[i] = u[j + 2] >= miss.cognition ? 1 : 0;
      mriObs[i] = u[j + 3] < scanned ? 1 : 0;
      frailObs[i] = u[j + 4] < frail ? 1 : 0;
      wearObs[i] = u[j + 5] < wear ? 1 : 0;
      labObs[i] = u[j + 6] >= miss.labs ? 1 : 0;
    }
  }
  {
    const sex = new Int8Array(n);
    const ageOut = new Float32Array(n);
    const eduOut = new Int8Array(n);
    const e4Out = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      sex[i] = female[i] ? 0 : 1;
      ageOut[i] = Math.round(age[i] * 10) / 10;
      eduOut[i] = edu[i];
      e4Out[i] = e4[i];
    }
    cols.set('sex', numeric(sex));
    cols.set('age_years', numeric(ageOut));
    cols.set('education_years', numeric(eduOut, eduObs));
    cols.set('apoe_e4_carrier', numeric(e4Out, apoeObs));
  }

  // ---- latent liability, true diagnosis, within-stage severity
  const liability = new Float64Array(n);
  const group = new Uint8Array(n);
  const sev = new Float64Array(n);
  {
    const z = streams.get('liability').normals(n);
    const [t1, t2] = model.thresholds;
    const cdfTable = model.liabilityCdfTable;
    for (let i = 0; i < n; i++) {
      const l = liabilityMean(site, age[i], e4[i], female[i], edu[i]) + z[i];
      liability[i] = l;
      const g = l < t1 ? 0 : l < t2 ? 1 : 2;
      group[i] = g;
      sev[i] = cdfTable.severityZ(model.bandCdf, l, g);
    }
  }

  // ---- cognition: a shared cognitive factor correlated with severity, one noise per test
  const instrument = site.cognition.instrument;
  const hasMmse = instrument !== 'MoCA';
  const hasMoca = instrument !== 'MMSE';
  const mmse0 = new Float64Array(n);
  const moca0 = new Float64Array(n);
  const cdr0 = new Float64Array(n);
  {
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
    for (let i = 0; i < n; i++) {
      const g = group[i];
      const cog = 0.6 * sev[i] + 0.8 * zc[i]; // higher = more impaired
      const adjust = c.educationEffectPerYear * (edu[i] - REF_EDUCATION) + c.ageEffectPerYear * (age[i] - REF_AGE);
      mmse0[i] = mmseMean[g] + adjust - mmseSd[g] * (0.9 * cog + 0.436 * zm[2 * i]);
      // MoCA's scoring rule adds 1 point for <= 12 y schooling (NAS): part of every MoCA score.
      moca0[i] = mocaMean[g] + adjust - mocaSd[g] * (0.9 * cog + 0.436 * zq[2 * i]) + (edu[i] <= 12 ? 1 : 0);
      cdr0[i] = cdrMean[g] + cdrSd[g] * (0.8 * cog + 0.6 * zd[i]);
      // Baseline observation: visit noise SD 1 point.
      mmseOut[i] = clamp(Math.round(mmse0[i] + zm[2 * i + 1]), 0, 30);
      mocaOut[i] = clamp(Math.round(moca0[i] + zq[2 * i + 1]), 0, 30);
      cdrOut[i] = clamp(Math.round(cdr0[i] * 2) / 2, 0, 18);
    }
    cols.set('mmse', numeric(mmseOut, hasMmse ? cogObs : new Uint8Array(n)));
    cols.set('moca', numeric(mocaOut, hasMoca ? cogObs : new Uint8Array(n)));
    cols.set('cdr_sb', numeric(cdrOut, site.cognition.cdrSb ? cogObs : new Uint8Array(n)));
  }

  // ---- comorbidities and labs
  const diabetes = new Uint8Array(n);
  const hypertension = new Uint8Array(n);
  {
    const u = streams.get('comorbidities').uniforms(3 * n);
    const cm = site.comorbidities;
    const htn = new Int8Array(n);
    const dm = new Int8Array(n);
    const hl = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      // Hypertension rises with age (~1.5 %-points per year around the reference age).
      const pHtn = clamp(cm.hypertension + 0.015 * (age[i] - REF_AGE), 0, 1);
      hypertension[i] = htn[i] = u[3 * i] < pHtn ? 1 : 0;
      diabetes[i] = dm[i] = u[3 * i + 1] < cm.diabetes ? 1 : 0;
      hl[i] = u[3 * i + 2] < cm.hyperlipidemia ? 1 : 0;
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
      const g = diabetes[i] ? 150 + 35 * zl[j] : 97 + 11 * zl[j]; // mg/dL
      const a = diabetes[i] ? 7.2 + 1.0 * zl[j + 1] : 5.5 + 0.35 * zl[j + 1]; // NGSP %
      const ch = (hl[i] ? 215 : 190) + 38 * zl[j + 2]; // mg/dL
      const cr = (female[i] ? 0.85 : 1.05) * Math.exp(0.22 * zl[j + 3] + 0.006 * (age[i] - REF_AGE)); // mg/dL
      const gC = Math.max(40, g);
      const aC = Math.max(4, a);
      const chC = Math.max(90, ch);
      // UNITS1/UNITS2/UNITS3 conversions
      glucose[i] = si ? Math.round(gC * 0.0555 * 10) / 10 : Math.round(gC);
      hba1c[i] = si ? Math.round((aC - 2.15) * 10.929) : Math.round(aC * 10) / 10;
      chol[i] = si ? Math.round((chC / 38.67) * 100) / 100 : Math.round(chC);
      creat[i] = si ? Math.round(cr * 88.4) : Math.round(cr * 100) / 100;
    }
    cols.set('glucose', numeric(glucose, labObs));
    cols.set('hba1c', numeric(hba1c, labObs));
    cols.set('cholesterol_total', numeric(chol, labObs));
    cols.set('creatinine', numeric(creat, labObs));
  }

  // ---- MRI: true biology, then the site's scanner
  const hipTrue0 = new Float64Array(n);
  {
    // Ten normals per patient: five true values, then five measurement noises.
    const z = streams.get('mri').normals(10 * n);
    const m = site.mri;
    const fieldFactor = m.fieldStrength === '3T' ? m.fieldStrengthVolumeFactor : 1;
    const b = m.scannerBias;
    const cv = m.measurementCv;
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
      const icv = female[i] ? 1330 + 110 * z[j] : 1480 + 120 * z[j];
      // FRASER: ~0.85 %/yr healthy-ageing hippocampal loss; HUA: ventricles expand faster when younger.
      const hipAdjTrue = (hipMean[g] - hipSd[g] * (0.5 * s + 0.866 * z[j + 1])) * (1 - 0.0085 * ageDelta);
      const hipTrue = Math.max(1, hipAdjTrue + HIPPOCAMPUS_ICV_SLOPE * (icv - REF_ICV_CM3));
      hipTrue0[i] = hipTrue;
      const erc = Math.max(1, ercMean[g] - ercSd[g] * (0.5 * s + 0.866 * z[j + 2]));
      const vent = Math.max(5, (ventMean[g] + ventSd[g] * (0.4 * s + 0.917 * z[j + 3])) * (1 + 0.02 * ageDelta));
      const wmh = Math.exp(wmhMu[g] + wmhSigma[g] * z[j + 4] + 0.04 * ageDelta + (hypertension[i] ? 0.25 : 0));
      // Measurement: field strength scales volumes (BUCH), the site's bias, then scan noise.
      const icvM = icv * fieldFactor * (1 + cv * z[j + 5]);
      const hipM = (hipTrue * fieldFactor * b.hippocampus.multiplicative + b.hippocampus.additive) * (1 + cv * z[j + 6]);
      const ercM = (erc * b.entorhinal.multiplicative + b.entorhinal.additive) * (1 + cv * z[j + 7]);
      const ventM = (vent * fieldFactor * b.ventricles.multiplicative + b.ventricles.additive) * (1 + cv * z[j + 8]);
      const wmhM = Math.max(0, (wmh * fieldFactor * b.wmh.multiplicative + b.wmh.additive) * (1 + 3 * cv * z[j + 9]));
      icvOut[i] = Math.round(icvM);
      hipOut[i] = Math.round(hipM * 1000) / 1000;
      hipAdjOut[i] = Math.round((hipM - HIPPOCAMPUS_ICV_SLOPE * (icvM - REF_ICV_CM3)) * 1000) / 1000;
      ercOut[i] = Math.round(ercM * 1000) / 1000;
      ventOut[i] = Math.round(ventM * 10) / 10;
      wmhOut[i] = Math.round(wmhM * 100) / 100;
    }
    cols.set('mri_field_strength', numeric(fs, mriObs));
    cols.set('mri_vendor', numeric(vendor, mriObs));
    cols.set('icv_cm3', numeric(icvOut, mriObs));
    cols.set('hippocampus_cm3', numeric(hipOut, mriObs));
    cols.set('hippocampus_icv_adj_cm3', numeric(hipAdjOut, mriObs));
    cols.set('entorhinal_thickness_mm', numeric(ercOut, mriObs));
    cols.set('ventricles_cm3', numeric(ventOut, mriObs));
    cols.set('wmh_cm3', numeric(wmhOut, mriObs));
  }

  // ---- body, frailty (Fried phenotype), wearables
  const frailty = new Float64Array(n);
  const frailRisk = new Float64Array(n);
  const frail = new Uint8Array(n);
  const gait0 = new Float64Array(n);
  {
    const zb = streams.get('body').normals(2 * n);
    // Per patient: latent frailty, gait and grip residuals; three criterion uniforms.
    const zf = streams.get('frailty').normals(3 * n);
    const uf = streams.get('frailty.criteria').uniforms(3 * n);
    const heightOut = new Float32Array(n);
    const weightOut = new Float32Array(n);
    const bmiOut = new Float32Array(n);
    const gaitOut = new Float32Array(n);
    const gripOut = new Float32Array(n);
    const crit = [new Int8Array(n), new Int8Array(n), new Int8Array(n), new Int8Array(n), new Int8Array(n)];
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
    const gaitResidualSd = gs.sd * FRAILTY.gaitResidualSdFactor;
    const gripF = site.frailty.gripStrengthKg.female;
    const gripM = site.frailty.gripStrengthKg.male;
    const slope = FRAILTY.criterionSlope;
    for (let i = 0; i < n; i++) {
      const h = drawHeightCm(female[i], zb[2 * i]);
      const bmi = drawBmi(zb[2 * i + 1]);
      const hm = h / 100;
      const w = bmi * hm * hm;
      heightOut[i] = Math.round(h * 10) / 10;
      weightOut[i] = Math.round((lb ? w * 2.20462 : w) * 10) / 10;
      bmiOut[i] = Math.round(bmi * 10) / 10;
      const f = frailtyLatentMean(age[i], female[i], diabetes[i], group[i], sev[i]) + latentSd * zf[3 * i] + offset;
      frailty[i] = f;
      if (needFrailRisk) {
        friedProbabilities(site, f, female[i], h, bmi, probs);
        frailRisk[i] = probAtLeastThree(probs);
      }
      // u < logistic(a + b f)  <=>  (1 - u) / u > exp(-(a + b f)): one exp for the three.
      const e = Math.exp(-slope * f);
      const u0 = uf[3 * i];
      const u1 = uf[3 * i + 1];
      const u2 = uf[3 * i + 2];
      const wl = u0 * (1 + EXP_NEG_WEIGHT_LOSS * e) < 1 ? 1 : 0;
      const ex = u1 * (1 + EXP_NEG_EXHAUSTION * e) < 1 ? 1 : 0;
      const la = u2 * (1 + EXP_NEG_LOW_ACTIVITY * e) < 1 ? 1 : 0;
      const gait = Math.max(0.1, gaitMean - FRAILTY.gaitSlopeMps * f + gaitResidualSd * zf[3 * i + 1]);
      const gd = female[i] ? gripF : gripM;
      const gripSlope = female[i] ? FRAILTY.gripSlopeKg.female : FRAILTY.gripSlopeKg.male;
      const grip = Math.max(2, gd.mean - gripSlope * f + gd.sd * FRAILTY.gripResidualSdFactor * zf[3 * i + 2]);
      gait0[i] = gait;
      const slow = gait <= slowGaitSpeedThreshold(female[i], h) ? 1 : 0;
      const weak = grip <= weakGripThresholdKg(female[i], bmi) ? 1 : 0;
      crit[0][i] = wl;
      crit[1][i] = ex;
      crit[2][i] = la;
      crit[3][i] = slow;
      crit[4][i] = weak;
      const count = wl + ex + la + slow + weak;
      countOut[i] = count;
      phenoOut[i] = count === 0 ? 0 : count < 3 ? 1 : 2;
      frail[i] = count >= 3 ? 1 : 0;
      gaitOut[i] = Math.round(gait * 100) / 100;
      gripOut[i] = Math.round(grip * 10) / 10;
    }
    cols.set('height_cm', numeric(heightOut));
    cols.set('weight', numeric(weightOut));
    cols.set('bmi', numeric(bmiOut));
    cols.set('gait_speed_m_s', numeric(gaitOut, frailObs));
    cols.set('grip_strength_kg', numeric(gripOut, frailObs));
    cols.set('fried_weight_loss', numeric(crit[0], frailObs));
    cols.set('fried_exhaustion', numeric(crit[1], frailObs));
    cols.set('fried_low_activity', numeric(crit[2], frailObs));
    cols.set('fried_slow_gait', numeric(crit[3], frailObs));
    cols.set('fried_weak_grip', numeric(crit[4], frailObs));
    cols.set('fried_count', numeric(countOut, frailObs));
    cols.set('frailty_phenotype', numeric(phenoOut, frailObs));

    const zw = streams.get('wearables').normals(2 * n);
    const steps = new Int32Array(n);
    const sleep = new Float32Array(n);
    const sp = logNormalParams(site.wearables.stepsPerDay);
    const sl = site.wearables.sleepHours;
    for (let i = 0; i < n; i++) {
      // TL09/TL11: fewer steps with age and frailty, men walk more; NSHAP: women sleep longer.
      steps[i] = Math.round(Math.exp(sp.mu + sp.sigma * zw[2 * i] - 0.3 * (frailty[i] - model.frailtyOffset) + (female[i] ? -0.05 : 0.05)));
      sleep[i] = Math.round(clamp(sl.mean + (female[i] ? 0.15 : -0.15) + sl.sd * zw[2 * i + 1], 2, 14) * 10) / 10;
    }
    cols.set('steps_per_day', numeric(steps, wearObs));
    cols.set('sleep_hours', numeric(sleep, wearObs));
  }

  // ---- progression: exponential stage transitions and dropout
  const tMci = new Float64Array(n);
  const tAd = new Float64Array(n);
  const tDrop = new Float64Array(n);
  const trueRisk = new Float64Array(n);
  {
    const u = streams.get('progression').uniforms(3 * n);
    const p = site.progression;
    const logHrE4 = Math.log(p.hazardRatioE4);
    const logHrSev = Math.log(p.hazardRatioPerLatentSd);
    const Y = model.followUpYears;
    for (let i = 0; i < n; i++) {
      const factor = Math.exp(logHrE4 * e4[i] + logHrSev * sev[i]);
      const l1 = model.hazardCnToMci * factor;
      const l2 = model.hazardMciToAd * factor;
      const u1 = u[3 * i];
      const u2 = u[3 * i + 1];
      const u3 = u[3 * i + 2];
      tDrop[i] = -Math.log(u3) / model.hazardDropout;
      if (group[i] === 2) {
        tMci[i] = 0;
        tAd[i] = 0;
        trueRisk[i] = 1;
      } else if (group[i] === 1) {
        tMci[i] = 0;
        tAd[i] = -Math.log(u2) / l2;
        trueRisk[i] = 1 - Math.exp(-l2 * Y);
      } else {
        tMci[i] = -Math.log(u1) / l1;
        tAd[i] = tMci[i] - Math.log(u2) / l2;
        trueRisk[i] = hypoexponentialCdf(l1, l2, Y);
      }
    }
  }

  // ---- coding: per-patient recognition of MCI and dementia
  const recMci = new Uint8Array(n);
  const mciAsDem = new Uint8Array(n);
  const recAd = new Uint8Array(n);
  {
    const u = streams.get('coding').uniforms(3 * n);
    const c = site.coding;
    for (let i = 0; i < n; i++) {
      recMci[i] = u[3 * i] < c.mciSensitivity ? 1 : 0;
      mciAsDem[i] = u[3 * i + 1] < c.mciCodedAsDementia ? 1 : 0;
      recAd[i] = u[3 * i + 2] < c.dementiaSensitivity ? 1 : 0;
    }
  }

  const state: LatentState = {
    group,
    tMci,
    tAd,
    tDropout: tDrop,
    recognizedMci: recMci,
    mciAsDementia: mciAsDem,
    recognizedAd: recAd,
    mmse0,
    moca0,
    cdr0,
    hipTrue0,
    gait0,
    cognitionObserved: cogObs,
    mriObserved: mriObs,
    frailtyObserved: frailObs,
  };

  // ---- baseline coding and the recorded target (from the visit schedule)
  const intervalYears = model.visitIntervalMonths / 12;
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
  const visitCount = new Int32Array(n);
  {
    const un = streams.get('label-noise').uniforms(n);
    const Y = model.followUpYears;
    const [t1] = model.thresholds;
    for (let i = 0; i < n; i++) {
      let observedVisits = 0;
      let adCodedAtFollowUp = 0;
      for (let k = 0; k <= lastVisit; k++) {
        const t = k * intervalYears;
        if (k > 0 && t > tDrop[i]) break;
        observedVisits++;
        const rec = recordedDx(state, i, t);
        if (k === 0) {
          const day = enroll[i];
          const sys = systemIndexOn(day, site.coding.icdSystem, model.switchDays);
          sysBase[i] = sys;
          recBase[i] = rec;
          codeBase[i] = rec < 0 ? -1 : dxCodeIndex(sys, rec, age[i]);
        } else if (rec === DX_AD) {
          adCodedAtFollowUp = 1;
        }
      }
      visitCount[i] = observedVisits;
      followup[i] = (observedVisits - 1) * intervalYears;
      const adBy = tAd[i] <= Y ? 1 : 0;
      trueEventYearsValid[i] = adBy;
      trueEventYears[i] = adBy ? Math.round(tAd[i] * 1000) / 1000 : 0;

      let label = -1;
      let event = 0;
      let risk = 0;
      switch (model.target) {
        case 'conversion_to_ad':
          // Eligible: no dementia code at baseline and at least one follow-up visit.
          event = adBy;
          risk = trueRisk[i];
          if (recBase[i] !== DX_AD && observedVisits > 1) label = adCodedAtFollowUp;
          break;
        case 'current_impairment': {
          event = group[i] > 0 ? 1 : 0;
          // P(L >= t1 | covariates) with the N(0,1) residual: a closed form.
          risk = 1 - normalCdf(t1 - liabilityMean(site, age[i], e4[i], female[i], edu[i]));
          label = recBase[i] >= 0 ? 1 : 0;
          break;
        }
        case 'frailty':
          event = frail[i];
          risk = frailRisk[i];
          if (frailObs[i]) label = frail[i];
          break;
      }
      if (label >= 0 && un[i] < site.coding.labelNoise) label = 1 - label;
      target[i] = label < 0 ? 0 : label;
      targetValid[i] = label < 0 ? 0 : 1;
      trueEvent[i] = event;
      riskOut[i] = risk;
    }
  }
  cols.set('icd_system_baseline', numeric(sysBase));
  cols.set('dx_code_baseline', dictionaryIndices(codeBase));
  cols.set('dx_recorded_baseline', dictionaryIndices(recBase));
  cols.set('followup_years', numeric(followup));
  cols.set('target', numeric(target, targetValid));
  {
    const g = new Int8Array(n);
    const lat = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      g[i] = group[i];
      lat[i] = liability[i];
    }
    cols.set('true_dx_baseline', numeric(g));
    cols.set('true_liability', numeric(lat));
  }
  cols.set('true_event', numeric(trueEvent));
  cols.set('true_event_years', numeric(trueEventYears, trueEventYearsValid));
  cols.set('true_risk', numeric(riskOut));

  const patients: ColumnBatch = { length: n, columns: cols };
  const visits = withVisits ? generateVisits(model, streams, state, idBytes, idLen, enroll, age, visitCount, intervalYears) : null;
  return { patients, visits };
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
  intervalYears: number,
): ColumnBatch {
  const site = model.site;
  const n = visitCount.length;
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
