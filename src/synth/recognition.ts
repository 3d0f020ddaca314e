/**
 * Coding as a process over visits: how a hospital comes to record a cognitive diagnosis.
 *
 * At every visit k (t = k * interval) a patient not yet coded with dementia who truly has AD
 * dementia is recognised with probability
 *   logistic(logit(dementiaSensitivity) + recognitionLogOddsPerCdrSb * (CDR-SB(t) - 6) + offset)
 * rising with severity: [ADAMS-U] found a prior diagnosis in 26 % of dementia cases at CDR 1
 * and 83 % at the most severe stage, log-odds 2.64 over CDR 1 -> 3 (CDR-SB ~6 -> ~17), about
 * 0.24 per CDR-SB point. The site's sensitivity scales every visit; each visit is another
 * chance, so an uncoded dementia gets coded later as severity rises, as in real records.
 * A patient with MCI or dementia not yet coded at all is recorded as impaired with probability
 * logistic(logit(mciSensitivity) + offset); the site's habit decides per patient whether that
 * record is a dementia code ([USC19]: about half of clinic-MCI patients carried one in claims).
 * Once coded stays coded. offset = recognitionLogOddsPerEducationYear * (education - 12)
 * + recognitionLogOddsAge90 * [age >= 90] + recognitionLogOddsByRaceEthnicity[group]: recognition
 * rises with education and falls at 90+ ([AMJAD]) and is lower for Black and Hispanic patients
 * ([MATTKE] for MCI, [AMJAD] and [ADAMS-U] for dementia; scenario/race-ethnicity.ts).
 *
 * The same functions give the generator its draws and the ground truth `label_risk` its exact
 * probabilities (labelRisk below), so the two cannot drift apart.
 */
import { logistic } from '../random/normal.js';
import { RACE_ETHNICITY } from '../scenario/race-ethnicity.js';
import type { ResolvedSite } from '../scenario/schema.js';

/** "Not coded within follow-up". */
export const NO_CODE = 1 << 20;
/** CDR-SB at which dementiaSensitivity applies: CDR 1, mild ([OBR]: CDR-SB 4.5-9). */
export const REFERENCE_CDR_SB = 6;

const logit = (p: number): number => Math.log(p) - Math.log1p(-p);

/** The site's recognition settings, resolved once. */
export interface Recognition {
  logitDementia: number;
  logitImpairment: number;
  perCdrSb: number;
  perEducationYear: number;
  age90: number;
  /** Log-odds by race/ethnicity, in RACE_ETHNICITY order. */
  byRaceEthnicity: Float64Array;
  mciCodedAsDementia: number;
  cdrSbPerYearMci: number;
  cdrSbPerYearAd: number;
}

export function recognitionOf(site: ResolvedSite): Recognition {
  const c = site.coding;
  return {
    logitDementia: logit(c.dementiaSensitivity),
    logitImpairment: logit(c.mciSensitivity),
    perCdrSb: c.recognitionLogOddsPerCdrSb,
    perEducationYear: c.recognitionLogOddsPerEducationYear,
    age90: c.recognitionLogOddsAge90,
    byRaceEthnicity: Float64Array.from(RACE_ETHNICITY, (g) => c.recognitionLogOddsByRaceEthnicity[g]),
    mciCodedAsDementia: c.mciCodedAsDementia,
    cdrSbPerYearMci: MCI_CDR_SB_PER_YEAR,
    cdrSbPerYearAd: site.progression.cdrSbIncreaseAdPerYear,
  };
}

/** CDR-SB gain per year in MCI ([NACC]: 0.49 SD/yr in amnestic MCI, SD ~1). */
export const MCI_CDR_SB_PER_YEAR = 0.5;

/** The patient part of the recognition log-odds; raceEthnicity indexes RACE_ETHNICITY. */
export function recognitionOffset(r: Recognition, educationYears: number, ageYears: number, raceEthnicity: number): number {
  return r.perEducationYear * (educationYears - 12) + r.age90 * +(ageYears >= 90) + r.byRaceEthnicity[raceEthnicity];
}

/** Latent (noise-free) CDR-SB at time t: baseline plus stage-wise gains at the patient's rate. */
export function latentCdrSb(r: Recognition, cdr0: number, slope: number, tMci: number, tAd: number, t: number): number {
  const inAd = Math.max(0, t - tAd);
  const inMci = Math.max(0, Math.min(t, tAd) - tMci);
  return cdr0 + slope * (r.cdrSbPerYearMci * inMci + r.cdrSbPerYearAd * inAd);
}

/** P(a visit at t codes a not-yet-coded dementia | in AD at t). */
export function dementiaRecognitionProb(r: Recognition, offset: number, cdrSb: number): number {
  return logistic(r.logitDementia + r.perCdrSb * (cdrSb - REFERENCE_CDR_SB) + offset);
}

/** P(a visit records a not-yet-coded impairment | in MCI or AD). */
export function impairmentRecognitionProb(r: Recognition, offset: number): number {
  return logistic(r.logitImpairment + offset);
}

/** A patient's latent course, as the coding process sees it. */
export interface Course {
  tMci: number;
  tAd: number;
  cdr0: number;
  slope: number;
  offset: number;
}

/**
 * Runs the coding process over visits 0..lastVisit with the patient's uniforms
 * (u[0]: the site habit, u[1 + 2k]: dementia recognition, u[2 + 2k]: impairment recognition at
 * visit k). Writes the first visit with a dementia code and with an MCI code to out[0], out[1]
 * (NO_CODE: none).
 */
export function runCoding(r: Recognition, c: Course, lastVisit: number, intervalYears: number, u: Float64Array, base: number, out: Int32Array): void {
  const asDementia = u[base] < r.mciCodedAsDementia;
  const pImpair = impairmentRecognitionProb(r, c.offset);
  let ad = NO_CODE;
  let mci = NO_CODE;
  for (let k = 0; k <= lastVisit && ad === NO_CODE; k++) {
    const t = k * intervalYears;
    if (t < c.tMci) continue;
    if (t >= c.tAd) {
      const p = dementiaRecognitionProb(r, c.offset, latentCdrSb(r, c.cdr0, c.slope, c.tMci, c.tAd, t));
      if (u[base + 1 + 2 * k] < p) {
        ad = k;
        break;
      }
    }
    if (mci === NO_CODE && u[base + 2 + 2 * k] < pImpair) {
      if (asDementia) ad = k;
      else mci = k;
    }
  }
  out[0] = ad;
  out[1] = mci;
}

/** Uniforms runCoding consumes per patient. */
export const codingDraws = (lastVisit: number): number => 1 + 2 * (lastVisit + 1);

/**
 * P(a dementia code by the last observed visit | the patient's latent state at baseline, the
 * baseline record, at least one follow-up visit), for mci_to_ad and incident_dementia_code,
 * before label noise. Exact in everything but the transition times, which are integrated by
 * quadrature: `nodes` equal-probability midpoints per inter-visit interval (stage membership
 * at each visit is then exact; only the CDR-SB dependence within an interval is approximated).
 *
 * Given the transition times and the site habit, visits code independently, with a per-visit
 * chance q_k of a dementia code; dropout (exponential, memoryless) is integrated exactly:
 * P(last observed visit = K | observed visit 1).
 */
export function conversionLabelRisk(
  r: Recognition,
  p: {
    group: number;
    /** Baseline record: -1 none, 0 MCI (a dementia code at baseline makes the patient ineligible). */
    baselineCode: number;
    hazardCnToMci: number;
    hazardMciToAd: number;
    hazardDropout: number;
    cdr0: number;
    slope: number;
    offset: number;
  },
  lastVisit: number,
  intervalYears: number,
  nodes = 8,
): number {
  // Weights of the last observed visit K = 1..lastVisit given visit 1 was observed.
  const w = new Float64Array(lastVisit + 1);
  for (let k = 1; k <= lastVisit; k++) {
    const stay = Math.exp(-p.hazardDropout * (k - 1) * intervalYears);
    const next = k < lastVisit ? Math.exp(-p.hazardDropout * k * intervalYears) : 0;
    w[k] = stay - next;
  }
  // Unknown site habit when nothing is coded yet; a recorded MCI code means the habit was "MCI".
  const habitP = p.baselineCode === -1 ? r.mciCodedAsDementia : 0;
  const pImpair = impairmentRecognitionProb(r, p.offset);
  const course: Course = { tMci: 0, tAd: 0, cdr0: p.cdr0, slope: p.slope, offset: p.offset };
  const given = (tMci: number, tAd: number): number => {
    course.tMci = tMci;
    course.tAd = tAd;
    let sum = 0;
    for (let habit = 0; habit <= 1; habit++) {
      const ph = habit ? habitP : 1 - habitP;
      if (ph === 0) continue;
      let noCode = 1;
      let risk = 0;
      for (let k = 1; k <= lastVisit; k++) {
        const t = k * intervalYears;
        let q = 0;
        if (t >= tAd) {
          const pd = dementiaRecognitionProb(r, p.offset, latentCdrSb(r, p.cdr0, p.slope, tMci, tAd, t));
          q = 1 - (1 - pd) * (1 - habit * pImpair);
        } else if (t >= tMci) q = habit * pImpair;
        noCode *= 1 - q;
        risk += w[k] * (1 - noCode);
      }
      sum += ph * risk;
    }
    return sum;
  };
  if (p.group === 2) return given(0, 0);
  const horizon = lastVisit * intervalYears;
  if (p.group === 1) return integrateExponential(p.hazardMciToAd, 0, horizon, intervalYears, nodes, (tAd) => given(0, tAd));
  return integrateExponential(p.hazardCnToMci, 0, horizon, intervalYears, Math.max(2, nodes >> 1), (tMci) =>
    integrateExponential(p.hazardMciToAd, tMci, horizon, intervalYears, Math.max(2, nodes >> 1), (tAd) => given(tMci, tAd)),
  );
}

/**
 * E[f(T)] for T = start + Exp(rate), by equal-probability midpoints inside each visit interval
 * up to the horizon (f is smooth there apart from jumps at visit times) and f(Infinity) for the
 * mass beyond it (a transition after the last visit changes no visit).
 */
export function integrateExponential(rate: number, start: number, horizon: number, intervalYears: number, nodes: number, f: (t: number) => number): number {
  if (!(rate > 0) || start >= horizon) return f(Infinity);
  let total = 0;
  let a = start;
  // Visit grid edges after start.
  let nextEdge = (Math.floor(start / intervalYears + 1e-12) + 1) * intervalYears;
  while (a < horizon) {
    const b = Math.min(nextEdge, horizon);
    const sa = Math.exp(-rate * (a - start));
    const sb = Math.exp(-rate * (b - start));
    const mass = sa - sb;
    if (mass > 0) {
      for (let j = 0; j < nodes; j++) {
        const s = sa - ((j + 0.5) / nodes) * mass;
        total += (mass / nodes) * f(start - Math.log(s) / rate);
      }
    }
    a = b;
    nextEdge += intervalYears;
  }
  return total + Math.exp(-rate * (horizon - start)) * f(Infinity);
}

/** P(any cognitive code at the baseline visit | true stage, CDR-SB, offset). */
export function baselineCodeRisk(r: Recognition, group: number, cdr0: number, offset: number): number {
  if (group === 0) return 0;
  const pImpair = impairmentRecognitionProb(r, offset);
  if (group === 1) return pImpair;
  return 1 - (1 - dementiaRecognitionProb(r, offset, cdr0)) * (1 - pImpair);
}

/** A label flipped with probability noise: P(recorded = 1). */
export const withLabelNoise = (risk: number, noise: number): number => risk * (1 - noise) + (1 - risk) * noise;
