/**
 * The longitudinal visits table: a visit every visitIntervalMonths until the horizon or
 * dropout, with the recorded diagnosis, cognition, hippocampal volume and gait at each.
 */
import { DX_AD, DX_MCI, dxCodeIndex, systemIndexOn } from '../coding.js';
import { type ColumnBatch, type ColumnBuffer, dictionaryIndices, numeric } from '../columnar.js';
import type { SiteStreams } from '../../random/rng.js';
import type { SiteModel } from '../site-model.js';
import { latentCdrSb } from '../recognition.js';
import { SAME_DAY_ERROR_CORRELATION } from './cognition.js';
import { clamp } from './stage.js';

/** Patient state kept between the baseline pass and the visits pass. */
export interface LatentState {
  group: Uint8Array;
  tMci: Float64Array;
  tAd: Float64Array;
  tDropout: Float64Array;
  /** First visit with a dementia code and with an MCI code (recognition.ts NO_CODE: none). */
  adCodeVisit: Int32Array;
  mciCodeVisit: Int32Array;
  /** Individual decline rate (random slope), a multiple of the site's mean rates. */
  slope: Float64Array;
  mmse0: Float64Array;
  moca0: Float64Array;
  cdr0: Float64Array;
  hipTrue0: Float64Array;
  gait0: Float64Array;
  cognitionObserved: Uint8Array;
  mriObserved: Uint8Array;
  frailtyObserved: Uint8Array;
}

function trueGroupAt(s: LatentState, i: number, t: number): number {
  if (t >= s.tAd[i]) return 2;
  if (t >= s.tMci[i]) return 1;
  return 0;
}

/** Recorded diagnosis at visit k: -1 none, DX_MCI or DX_AD; once coded stays coded. */
function recordedDx(s: LatentState, i: number, k: number): number {
  if (k >= s.adCodeVisit[i]) return DX_AD;
  if (k >= s.mciCodeVisit[i]) return DX_MCI;
  return -1;
}

export function generateVisits(
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
  const e = site.cognition.measurementErrorSd;
  const noiseByGroup = Float64Array.of(e.CN, e.MCI, e.AD);
  const recognition = model.recognition;
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
      const dx = recordedDx(s, i, k);
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
      // The patient's own rate (random slope) scales every decline; visit noise by true stage ([CERAD]: 2.8 points in AD).
      const slope = s.slope[i];
      const cogDrop = 0.05 * t + slope * (p.mmseDeclineMciPerYear * inMci + p.mmseDeclineAdPerYear * inAd);
      const noiseSd = noiseByGroup[g];
      mmse[row] = clamp(Math.round(s.mmse0[i] - cogDrop + noiseSd * eMmse), 0, 30);
      const rho = SAME_DAY_ERROR_CORRELATION[g];
      moca[row] = clamp(Math.round(s.moca0[i] - 1.2 * cogDrop + noiseSd * (rho * eMmse + Math.sqrt(1 - rho * rho) * eMoca)), 0, 30);
      cdr[row] = clamp(Math.round((latentCdrSb(recognition, s.cdr0[i], slope, s.tMci[i], s.tAd[i], t) + 0.3 * eCdr * (k > 0 ? 1 : 0)) * 2) / 2, 0, 18);
      const cog = s.cognitionObserved[i];
      mmseValid[row] = instrument !== 'MoCA' ? cog : 0;
      mocaValid[row] = instrument !== 'MMSE' ? cog : 0;
      cdrValid[row] = site.cognition.cdrSb ? cog : 0;
      // MRI at baseline and every other visit for scanned patients; atrophy by stage (BARNES, JACK00).
      const eHip = zv[5 * row + 3];
      if (s.mriObserved[i] && k % 2 === 0) {
        const inCn = Math.min(t, s.tMci[i]);
        const loss = (p.hippocampusAtrophyPctPerYear.CN * inCn + slope * (p.hippocampusAtrophyPctPerYear.MCI * inMci + p.hippocampusAtrophyPctPerYear.AD * inAd)) / 100;
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
