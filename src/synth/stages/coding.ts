/**
 * What the hospital records: recognition of MCI and dementia, the ICD code at baseline, the
 * observed follow-up, and the recorded target with label noise (and its ground truth).
 */
import { roundHalfUp } from '../branchless.js';
import { DX_AD, DX_MCI, ICD_SYSTEM_INDEX, dxCodeIndex, systemIndexOn } from '../coding.js';
import { normalCdf } from '../../random/normal.js';
import { liabilityMean } from '../site-model.js';
import { type Course, baselineCodeRisk, codingDraws, conversionLabelRisk, recognitionOffset, runCoding, withLabelNoise } from '../recognition.js';
import { isConversionTarget } from '../../scenario/targets.js';
import type { Stage } from './stage.js';

// ---- coding: the recognition process over visits (recognition.ts)
export function codingRecognition(s: Stage, o: number, len: number): void {
  const { model } = s;
  const { edu, age, race, tMci, tAd, cdr0, slope, recognitionOffset: recognitionOffsets, adCodeVisit, mciCodeVisit } = s.w;
  const lastVisit = model.lastVisit;
  const draws = codingDraws(lastVisit);
  const u = s.streams.get('coding').uniforms(draws * len);
  const r = model.recognition;
  const course: Course = { tMci: 0, tAd: 0, cdr0: 0, slope: 1, offset: 0 };
  const codes = new Int32Array(2);
  const interval = model.visitIntervalMonths / 12;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const offset = recognitionOffset(r, edu[p], age[p], race[p]);
    recognitionOffsets[p] = offset;
    course.tMci = tMci[p];
    course.tAd = tAd[p];
    course.cdr0 = cdr0[p];
    course.slope = slope[p];
    course.offset = offset;
    runCoding(r, course, lastVisit, interval, u, draws * i, codes);
    adCodeVisit[p] = codes[0];
    mciCodeVisit[p] = codes[1];
  }
}
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
export function baselineCodingAndTarget(s: Stage, o: number, len: number, intervalYears: number): void {
  const { model, site } = s;
  const { age, e4, female, edu, group, liability, tAd, tDrop, trueRisk, frail, frailRisk, visitCount } = s.w;
  const { adCodeVisit, mciCodeVisit, cdr0, slope, hazardFactor, recognitionOffset: offsets } = s.w;
  const out = s.out;
  const { enroll, frailObs, sysBase, codeBase, recBase, followup, target, targetValid, trueDx, trueLiability } = out;
  const { trueEvent, trueEventYears, trueEventYearsValid, trueRisk: riskOut, labelRisk } = out;
  const lastVisit = model.lastVisit;
  const un = s.streams.get('label-noise').uniforms(len);
  const Y = model.followUpYears;
  const [t1] = model.thresholds;
  const labelNoise = site.coding.labelNoise;
  const r = model.recognition;
  const conversion = isConversionTarget(model.target);
  const mciOnly = model.target === 'mci_to_ad';
  const targetKind = conversion ? TARGET_CONVERSION : model.target === 'current_impairment' ? TARGET_IMPAIRMENT : TARGET_FRAILTY;
  // systemIndexOn with the site's settings hoisted: ICD-9-CM before the switch date.
  const sysAfterSwitch = systemIndexOn(Number.MAX_SAFE_INTEGER, site.coding.icdSystem, model.switchDays);
  const switchDays = model.switchDays ?? -Infinity;
  const icd9 = ICD_SYSTEM_INDEX['ICD-9-CM'];
  const yearsPick = new Float64Array(2);
  const riskInput = {
    group: 0,
    baselineCode: -1,
    hazardCnToMci: 0,
    hazardMciToAd: 0,
    hazardDropout: model.hazardDropout,
    cdr0: 0,
    slope: 1,
    offset: 0,
  };
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const ta = tAd[p];
    const td = tDrop[p];
    // Visits k = 0..lastVisit at t = k * interval; follow-up ends before the first t > dropout
    // (t grows with k, so that is a count). Baseline is always observed.
    let observedVisits = 1;
    for (let k = 1; k <= lastVisit; k++) observedVisits += +!(k * intervalYears > td);
    const adAt = adCodeVisit[p];
    const mciAt = mciCodeVisit[p];
    // Recorded at baseline: DX_AD (1) if a dementia code at visit 0, DX_MCI (0) if an MCI code, else -1.
    const rec0 = adAt === 0 ? DX_AD : mciAt === 0 ? DX_MCI : -1;
    const kLast = observedVisits - 1;
    const adCodedAtFollowUp = +(kLast > 0) & +(adAt > 0) & +(adAt <= kLast);
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
    let lRisk = 0;
    if (targetKind === TARGET_CONVERSION) {
      // mci_to_ad: an MCI code at baseline; incident_dementia_code: no dementia code. Both
      // need at least one follow-up visit.
      eligible = (mciOnly ? +(rec0 === DX_MCI) : +(rec0 !== DX_AD)) & +(observedVisits > 1);
      label = adCodedAtFollowUp;
      event = adBy;
      risk = trueRisk[p];
      if (eligible) {
        riskInput.group = group[p];
        riskInput.baselineCode = rec0;
        riskInput.hazardCnToMci = model.hazardCnToMci * hazardFactor[p];
        riskInput.hazardMciToAd = model.hazardMciToAd * hazardFactor[p];
        riskInput.cdr0 = cdr0[p];
        riskInput.slope = slope[p];
        riskInput.offset = offsets[p];
        lRisk = conversionLabelRisk(r, riskInput, lastVisit, intervalYears);
      }
    } else if (targetKind === TARGET_IMPAIRMENT) {
      eligible = 1;
      label = +(rec0 >= 0);
      event = +(group[p] > 0);
      // P(L >= t1 | covariates) with the N(0,1) residual: a closed form.
      risk = 1 - normalCdf(t1 - liabilityMean(site, age[p], e4[p], female[p], edu[p]));
      lRisk = baselineCodeRisk(r, group[p], cdr0[p], offsets[p]);
    } else {
      eligible = frailObs[p];
      label = frail[p];
      event = frail[p];
      risk = frailRisk[p];
      lRisk = frailRisk[p];
    }
    target[p] = eligible & (label ^ +(un[i] < labelNoise));
    targetValid[p] = eligible;
    trueEvent[p] = event;
    riskOut[p] = risk;
    labelRisk[p] = eligible ? withLabelNoise(lRisk, labelNoise) : 0;
    trueDx[p] = group[p];
    trueLiability[p] = liability[p];
  }
}
