/**
 * Cognition at baseline: MMSE, MoCA and CDR-SB from the true stage, the within-stage severity,
 * age and education.
 */
import { clampInt, roundHalfUp } from '../branchless.js';
import { REF_AGE, REF_EDUCATION } from '../site-model.js';
import { type Stage, groupTable, latentSd } from './stage.js';

// ---- cognition: a shared cognitive factor correlated with severity, one noise per test
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
