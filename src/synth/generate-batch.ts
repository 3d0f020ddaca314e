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
 * One file per stage in stages/ (stage.ts says what a stage is); the patient columns are
 * declared once, in columns.ts (PATIENT_COLUMNS), and the batch's buffers come from there.
 *
 * Speed (issue #2: >= 1 M patients/s on one core): stages are small functions, run chunk by
 * chunk over preallocated typed arrays, with per-group and per-sex parameters hoisted into flat
 * arrays, and the per-patient decisions written without data-dependent jumps (branchless.ts).
 * These rewrites keep every output byte: compare generated columns before and after any change.
 */
import { type ColumnBatch } from './columnar.js';
import { allocatePatientBuffers, patientColumnBuffers } from './columns.js';
import { SiteStreams } from '../random/rng.js';
import type { SiteModel } from './site-model.js';
import { codingRecognition, baselineCodingAndTarget } from './stages/coding.js';
import { cognition } from './stages/cognition.js';
import { demographicColumns, demographics, missingness } from './stages/demographics.js';
import { liabilityAndDiagnosis, progression } from './stages/disease.js';
import { bodyAndFrailty, wearables } from './stages/frailty.js';
import { genetics } from './stages/genetics.js';
import { enrollmentDays, writeIds } from './stages/ids.js';
import { mri } from './stages/imaging.js';
import { comorbiditiesAndLabs } from './stages/labs.js';
import { CHUNK, Scratch, type Stage, scratchBySite } from './stages/stage.js';
import { type LatentState, generateVisits } from './stages/visits.js';

export interface SiteBatch {
  patients: ColumnBatch;
  visits: ColumnBatch | null;
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
  const out = allocatePatientBuffers(n);
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
    genetics(s, o, len);
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

  const patients: ColumnBatch = { length: n, columns: patientColumnBuffers(model.site, out, idOffsets, idBytes) };
  let visits: ColumnBatch | null = null;
  if (withVisits) {
    const state: LatentState = {
      group: w.group,
      tMci: w.tMci,
      tAd: w.tAd,
      tDropout: w.tDrop,
      adCodeVisit: w.adCodeVisit,
      mciCodeVisit: w.mciCodeVisit,
      slope: w.slope,
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
