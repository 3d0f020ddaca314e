/**
 * Demographics (sex, age, education, race/ethnicity) and which modalities each patient has observed.
 */
import { RACE_ETHNICITY } from '../../scenario/race-ethnicity.js';
import { roundHalfUp } from '../branchless.js';
import { ageDistribution, educationDistribution } from '../site-model.js';
import type { Stage } from './stage.js';

// ---- demographics
export function demographics(s: Stage, o: number, len: number): void {
  const { site, streams } = s;
  const { female, age, edu } = s.w;
  const ff = site.demographics.femaleFraction;
  const us = streams.get('sex').uniforms(len);
  for (let i = 0; i < len; i++) female[o + i] = +(us[i] < ff);
  // Quantiles straight into the scratch arrays at the chunk's offset.
  ageDistribution(site).fromUniforms(streams.get('age').uniforms(len), age.subarray(o, o + len), len);
  educationDistribution(site).fromUniforms(streams.get('education').uniforms(len), edu.subarray(o, o + len), len);
  for (let i = o; i < o + len; i++) edu[i] = roundHalfUp(edu[i]);
  // Race/ethnicity from its own stream (added in generator version 3), so that no other
  // variable's draws move: the category whose cumulative share first exceeds the uniform.
  const race = s.w.race;
  const cumulative = new Float64Array(RACE_ETHNICITY.length);
  let acc = 0;
  RACE_ETHNICITY.forEach((g, k) => (cumulative[k] = acc += site.demographics.raceEthnicity[g]));
  cumulative[cumulative.length - 1] = Infinity;
  const ur = streams.get('race-ethnicity').uniforms(len);
  for (let i = 0; i < len; i++) {
    let k = 0;
    while (ur[i] >= cumulative[k]) k++;
    race[o + i] = k;
  }
}

// ---- missingness flags per modality (one stream, fixed draws per patient)
export function missingness(s: Stage, o: number, len: number): void {
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

export function demographicColumns(s: Stage, o: number, len: number): void {
  const { female, age, edu, e4, race } = s.w;
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
    out.race[p] = race[p];
  }
}
