/**
 * What the hospital records: recognition of MCI and dementia, the ICD code at baseline, the
 * observed follow-up, and the recorded target with label noise (and its ground truth).
 */
import { roundHalfUp } from '../branchless.js';
import { DX_AD, DX_MCI, ICD_SYSTEM_INDEX, dxCodeIndex, systemIndexOn } from '../coding.js';
import { normalCdf } from '../../random/normal.js';
import { liabilityMean } from '../site-model.js';
import type { Stage } from './stage.js';

// ---- coding: per-patient recognition of MCI and dementia
export function codingRecognition(s: Stage, o: number, len: number): void {
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
