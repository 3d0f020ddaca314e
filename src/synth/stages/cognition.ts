/**
 * Cognition at baseline: MMSE, MoCA and CDR-SB from the true stage, the within-stage severity,
 * age and education.
 */
import { clampInt, roundHalfUp } from '../branchless.js';
import { GROUPS } from '../../scenario/schema.js';
import { type Stage, groupTable, latentSd } from './stage.js';

/**
 * Loadings (each pair sums to 1 in squares, so the configured SDs hold). The shared cognitive
 * factor follows the within-stage severity that drives progression closely: a factor mostly
 * unrelated to progression (the earlier 0.6 / 0.8) left every test with conversion AUCs of
 * 0.58-0.66 where published baseline models reach 0.75-0.90 ([KOR16], [CARE19]).
 */
const COGNITION_ON_SEVERITY = 0.9;
const COGNITION_OWN = Math.sqrt(1 - COGNITION_ON_SEVERITY ** 2);
/** MMSE and MoCA on the shared factor: [TRZ] r(MMSE, MoCA) 0.60 in MCI, 0.86 in dementia. */
const TEST_ON_COGNITION = 0.95;
const TEST_OWN = Math.sqrt(1 - TEST_ON_COGNITION ** 2);
/**
 * Correlation of the MMSE and MoCA measurement errors at one sitting, by true stage: in dementia
 * the day's state (attention, fatigue) moves both tests together, which with [CERAD]'s 2.8-point
 * error gives [TRZ]'s r = 0.86 in dementia; before dementia the errors are independent.
 */
export const SAME_DAY_ERROR_CORRELATION = Float64Array.of(0, 0, 0.8);
const CDR_ON_COGNITION = 0.85;
const CDR_OWN = Math.sqrt(1 - CDR_ON_COGNITION ** 2);

// ---- cognition: a shared cognitive factor that follows severity, one own part per test
export function cognition(s: Stage, o: number, len: number): void {
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
  // Measurement error by true stage ([CERAD]: 2.8 points in AD) is part of the configured SD.
  const noise = Float64Array.of(c.measurementErrorSd.CN, c.measurementErrorSd.MCI, c.measurementErrorSd.AD);
  const mmseSd = Float64Array.from([0, 1, 2], (g) => latentSd(c.mmse[GROUPS[g]], noise[g]));
  const mocaMean = groupTable(c.moca, (d) => d.mean);
  const mocaSd = Float64Array.from([0, 1, 2], (g) => latentSd(c.moca[GROUPS[g]], noise[g]));
  // Age and education effects centred on the site's means, and MoCA's education point net of
  // its site rate: the configured means are then the site's group means, as cited.
  const refAge = s.model.cognitionRefAge;
  const refEdu = s.model.cognitionRefEducation;
  const eduPointRate = s.model.mocaEducationPointRate;
  const cdrMean = groupTable(c.cdrSbByGroup, (d) => d.mean);
  const cdrSd = groupTable(c.cdrSbByGroup, (d) => d.sd);
  const eduEffect = c.educationEffectPerYear;
  const ageEffect = c.ageEffectPerYear;
  const cdrPick = Float64Array.of(0, 0, 18);
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const g = group[p];
    const cog = COGNITION_ON_SEVERITY * sev[p] + COGNITION_OWN * zc[i]; // higher = more impaired
    const adjust = eduEffect * (edu[p] - refEdu) + ageEffect * (age[p] - refAge);
    const mm = mmseMean[g] + adjust - mmseSd[g] * (TEST_ON_COGNITION * cog + TEST_OWN * zm[2 * i]);
    // MoCA's scoring rule adds 1 point for <= 12 y schooling (NAS): part of every MoCA score.
    const mo = mocaMean[g] + adjust - mocaSd[g] * (TEST_ON_COGNITION * cog + TEST_OWN * zq[2 * i]) + +(edu[p] <= 12) - eduPointRate;
    const cd = cdrMean[g] + cdrSd[g] * (CDR_ON_COGNITION * cog + CDR_OWN * zd[i]);
    mmse0[p] = mm;
    moca0[p] = mo;
    cdr0[p] = cd;
    // Baseline observation with the stage's measurement error. Scores are small integers: clamp
    // them as int32 (NaN, impossible here, would give 0 either way).
    mmseOut[p] = clampInt(roundHalfUp(mm + noise[g] * zm[2 * i + 1]) | 0, 30);
    const rho = SAME_DAY_ERROR_CORRELATION[g];
    mocaOut[p] = clampInt(roundHalfUp(mo + noise[g] * (rho * zm[2 * i + 1] + Math.sqrt(1 - rho * rho) * zq[2 * i + 1])) | 0, 30);
    // clamp(x, 0, 18) by an indexed pick: x itself (-0 included), 0 or 18.
    const x = roundHalfUp(cd * 2) / 2;
    cdrPick[0] = x;
    cdrOut[p] = cdrPick[+(x < 0) + 2 * +(x > 18)];
  }
}
