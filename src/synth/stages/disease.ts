/**
 * The latent disease: a liability (age, APOE e4, sex, education as cognitive reserve, plus
 * N(0,1)), the true baseline diagnosis by the site's thresholds, the within-stage severity,
 * and progression (exponential CN -> MCI -> AD and dropout times).
 */
import { REF_AGE, REF_EDUCATION } from '../site-model.js';
import type { Stage } from './stage.js';

// ---- latent liability, true diagnosis, within-stage severity
export function liabilityAndDiagnosis(s: Stage, o: number, len: number): void {
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

// ---- progression: exponential stage transitions and dropout
export function progression(s: Stage, o: number, len: number): void {
  const model = s.model;
  const { e4, sev, group, tMci, tAd, tDrop, trueRisk, cnIndex, mciIndex, slope, hazardFactor } = s.w;
  const u = s.streams.get('progression').uniforms(3 * len);
  // Random slopes [CERAD]: a patient's decline rate is the site's mean rate times
  // max(0, 1 + declineRateSd * z); mean-preserving apart from the floor.
  const zs = s.streams.get('progression.slope').normals(len);
  const p = s.site.progression;
  const logHrE4 = Math.log(p.hazardRatioE4);
  const logHrSev = Math.log(p.hazardRatioPerLatentSd);
  const Y = model.followUpYears;
  const hCnToMci = model.hazardCnToMci;
  const hMciToAd = model.hazardMciToAd;
  const hDropout = model.hazardDropout;
  const slopeSd = p.declineRateSd;
  // Everyone: dropout time, and the AD defaults (in AD from baseline, risk 1). CN and MCI
  // patients are listed (without a jump) and overwritten by their own pass below, so that no
  // loop branches on the random stage.
  let nCn = 0;
  let nMci = 0;
  for (let i = 0; i < len; i++) {
    const q = o + i;
    tDrop[q] = -Math.log(u[3 * i + 2]) / hDropout;
    slope[q] = Math.max(0, 1 + slopeSd * zs[i]);
    hazardFactor[q] = Math.exp(logHrE4 * e4[q] + logHrSev * sev[q]);
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
    const l2 = hMciToAd * hazardFactor[q];
    tAd[q] = -Math.log(u[3 * i + 1]) / l2;
    trueRisk[q] = 1 - Math.exp(-l2 * Y);
  }
  for (let k = 0; k < nCn; k++) {
    const q = cnIndex[k];
    const i = q - o;
    const l1 = hCnToMci * hazardFactor[q];
    const l2 = hMciToAd * hazardFactor[q];
    const t = -Math.log(u[3 * i]) / l1;
    tMci[q] = t;
    tAd[q] = t - Math.log(u[3 * i + 1]) / l2;
    trueRisk[q] = hypoexponentialCdf(l1, l2, Y);
  }
}

/** P(T1 + T2 <= y) for independent exponentials with rates l1, l2 (CN -> MCI -> AD). */
export function hypoexponentialCdf(l1: number, l2: number, y: number): number {
  if (Math.abs(l1 - l2) < 1e-9 * Math.max(l1, l2)) return 1 - Math.exp(-l1 * y) * (1 + l1 * y);
  return 1 - (l2 * Math.exp(-l1 * y) - l1 * Math.exp(-l2 * y)) / (l2 - l1);
}
