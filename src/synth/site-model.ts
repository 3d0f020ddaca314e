/**
 * The per-site generative model, resolved once before any patient is drawn: the liability
 * thresholds that reproduce the diagnosis mix, the frailty offset that reproduces the frailty
 * prevalence, the hazard scales that reproduce the annual conversion rates. Everything here is
 * a pure function of (seed, site settings, consortium settings), and all of it is recorded in the
 * manifest as the ground truth of the site.
 */
// The en locale entry point: the package root loads every locale (~0.4 s at start-up).
import type { ResolvedSite, Target } from '../scenario/schema.js';
import { normalQuantile, normalQuantilesInPlace, TruncatedNormal } from '../random/normal.js';
import { SiteStreams, Xoshiro128, streamState } from '../random/rng.js';
import { isoToEpochDays } from './coding.js';
import { type Recognition, recognitionOf } from './recognition.js';
import { drawBmi, drawHeightCm, friedProbabilities, frailtyLatentMean, probAtLeastThree } from './frailty-model.js';
import { REF_AGE, REF_EDUCATION } from './reference.js';
import { upperAlpha } from '../random/mersenne.js';

export { HIPPOCAMPUS_ICV_SLOPE, REF_AGE, REF_EDUCATION, REF_ICV_CM3 } from './reference.js';
export { FRAILTY } from './frailty-model.js';

const CALIBRATION_SAMPLE = 40_000;

export interface SiteModel {
  site: ResolvedSite;
  seed: number;
  target: Target;
  followUpYears: number;
  visitIntervalMonths: number;
  patients: number;
  /** Liability thresholds: CN below t1, MCI in [t1, t2), AD from t2. */
  thresholds: [number, number];
  /** Sorted calibration liabilities: the site's empirical liability CDF. */
  liabilitySample: Float64Array;
  /** Empirical liability CDF at the band edges, for the within-stage severity. */
  bandCdf: Float64Array;
  liabilityCdfTable: LiabilityCdfTable;
  /** Offset of the latent frailty that reproduces frailty.prevalenceTarget. */
  frailtyOffset: number;
  /** Exponential hazards (per year) before individual factors. */
  hazardCnToMci: number;
  hazardMciToAd: number;
  hazardDropout: number;
  enrollmentStartDays: number;
  enrollmentEndDays: number;
  switchDays: number | null;
  /** Patient identifier format: prefix and digit count. */
  idPrefix: string;
  idDigits: number;
  idMultiplier: number;
  idOffset: number;
  /** Index of the last scheduled visit (visits k = 0..lastVisit at k * interval). */
  lastVisit: number;
  /** The site's coding process over visits (recognition.ts). */
  recognition: Recognition;
  /** Site means that the age and education effects on test scores are centred on, and the
   * fraction with <= 12 y of schooling (who get MoCA's education point): configured test means
   * are then the site's group means, as the cited tables report them. */
  cognitionRefAge: number;
  cognitionRefEducation: number;
  mocaEducationPointRate: number;
}

/** Linear predictor of the liability (without the N(0,1) residual). */
export function liabilityMean(site: ResolvedSite, ageYears: number, e4: number, female: number, educationYears: number): number {
  const r = site.riskModel;
  return (
    (r.ageLogOddsPer10y * (ageYears - REF_AGE)) / 10 +
    r.apoeE4Shift * e4 +
    r.femaleShift * female +
    r.educationShiftPerYear * (educationYears - REF_EDUCATION)
  );
}

/** Age and education distributions; shared by calibration and generation so both see one population. */
export function ageDistribution(site: ResolvedSite): TruncatedNormal {
  const a = site.demographics.age;
  return new TruncatedNormal(a.mean, a.sd, a.min ?? -Infinity, a.max ?? Infinity);
}

export function educationDistribution(site: ResolvedSite): TruncatedNormal {
  const e = site.demographics.educationYears;
  return new TruncatedNormal(e.mean, e.sd, Math.max(0, e.min ?? 0), Math.min(30, e.max ?? 30));
}

function quantileSorted(sorted: Float64Array, p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  return sorted[lo] + frac * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/** Empirical CDF of the liability, linearly interpolated, in (0, 1). */
export function liabilityCdf(sorted: Float64Array, x: number): number {
  const n = sorted.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return (lo + 0.5) / (n + 1);
}


/** Base hazard h with mean(1 - exp(-h f_i)) = annual rate, by bisection (monotone in h). */
export function baseHazardForAnnualRate(annualRate: number, factors: number[]): number {
  if (factors.length === 0) return hazardFromAnnual(annualRate);
  if (annualRate <= 0) return 0;
  const meanProbability = (h: number): number => {
    let sum = 0;
    for (const f of factors) sum += 1 - Math.exp(-h * f);
    return sum / factors.length;
  };
  let lo = 0;
  let hi = 1;
  while (meanProbability(hi) < annualRate && hi < 1e6) hi *= 2;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (meanProbability(mid) < annualRate) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function hazardFromAnnual(p: number): number {
  return p >= 1 ? 50 : -Math.log(1 - p);
}

/**
 * What calibration solves for a site: a pure function of (seed, the site's settings) — not of
 * its patient count — and the expensive part of a site model (~0.35 s), so it can be cached by
 * its content hash (data/calibration-cache.ts) or computed on another thread.
 */
export interface SiteCalibration {
  thresholds: [number, number];
  /** Sorted calibration liabilities (CALIBRATION_SAMPLE of them). */
  liabilitySample: Float64Array;
  frailtyOffset: number;
  hazardCnToMci: number;
  hazardMciToAd: number;
  cognitionRefAge: number;
  cognitionRefEducation: number;
  mocaEducationPointRate: number;
}

export { CALIBRATION_SAMPLE };

/** Calibrates a site: every draw comes from its own 'calibration' stream. */
export function calibrateSite(site: ResolvedSite, seed: number): SiteCalibration {
  const streams = new SiteStreams(seed, site.id);
  const cal = streams.get('calibration');
  const n = CALIBRATION_SAMPLE;
  const ageDist = ageDistribution(site);
  const eduDist = educationDistribution(site);
  const liab = new Float64Array(n);
  const ages = new Float64Array(n);
  const females = new Uint8Array(n);
  const e4s = new Uint8Array(n);
  let sumAge = 0;
  let sumEdu = 0;
  let eduPoint = 0;
  for (let i = 0; i < n; i++) {
    const age = ageDist.fromUniform(cal.uniform());
    const female = cal.bernoulli(site.demographics.femaleFraction);
    const edu = Math.round(eduDist.fromUniform(cal.uniform()));
    const e4 = cal.bernoulli(site.apoeE4CarrierRate);
    ages[i] = age;
    females[i] = female;
    e4s[i] = e4;
    sumAge += age;
    sumEdu += edu;
    eduPoint += +(edu <= 12);
    liab[i] = liabilityMean(site, age, e4, female, edu) + cal.normal();
  }
  const sorted = Float64Array.from(liab).sort();
  const mix = site.diagnosisMix;
  const thresholds: [number, number] = [quantileSorted(sorted, mix.CN), quantileSorted(sorted, mix.CN + mix.MCI)];

  const bandCdf = bandCdfOf(sorted, thresholds);
  const frailtyOffset = calibrateFrailtyOffset(site, cal, ages, females, liab, thresholds, sorted, bandCdf);

  const p = site.progression;
  // Individual hazards are base * HR_e4^e4 * HR_sev^z. Solve each base hazard on the calibration
  // sample of its own stage, so that the mean one-year transition probability among CN (resp.
  // MCI) patients equals the configured annual rate: CN patients carry e4 less often than the
  // site as a whole, and hazard heterogeneity lowers the mean probability (Jensen).
  const factorsCn: number[] = [];
  const factorsMci: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = liab[i] < thresholds[0] ? 0 : liab[i] < thresholds[1] ? 1 : 2;
    if (g === 2) continue;
    const z = severityZ(sorted, bandCdf, liab[i], g);
    const f = p.hazardRatioE4 ** e4s[i] * p.hazardRatioPerLatentSd ** z;
    (g === 0 ? factorsCn : factorsMci).push(f);
  }
  return {
    thresholds,
    liabilitySample: sorted,
    frailtyOffset,
    hazardCnToMci: baseHazardForAnnualRate(p.cnToMciAnnual, factorsCn),
    hazardMciToAd: baseHazardForAnnualRate(p.mciToAdAnnual, factorsMci),
    cognitionRefAge: sumAge / n,
    cognitionRefEducation: sumEdu / n,
    mocaEducationPointRate: eduPoint / n,
  };
}

/**
 * Resolves the site's generative model from its calibration (computed here unless given, e.g.
 * from the calibration cache: the same numbers either way, so the same patients).
 */
export function buildSiteModel(
  site: ResolvedSite,
  opts: { seed: number; target: Target; followUpYears: number; visitIntervalMonths: number; scale: number },
  calibration: SiteCalibration = calibrateSite(site, opts.seed),
): SiteModel {
  const { thresholds, liabilitySample: sorted, frailtyOffset } = calibration;
  const bandCdf = bandCdfOf(sorted, thresholds);

  // The stream keeps faker's label: the prefix is the one fedage drew with faker before (mersenne.ts).
  const idPrefix = `${upperAlpha(streamState(opts.seed, site.id, 'faker'), 3)}-`;
  const patients = Math.max(1, Math.round(site.patients * opts.scale));
  const idDigits = Math.max(7, String(patients).length + 1);
  const idRng = new Xoshiro128(streamState(opts.seed, site.id, 'ids'));
  const idSpace = 10 ** idDigits;
  // An affine map i -> (a i + b) mod 10^d is a bijection when gcd(a, 10) = 1: unique, shuffled ids.
  let idMultiplier = (idRng.nextU32() % (idSpace - 1)) + 1;
  while (idMultiplier % 2 === 0 || idMultiplier % 5 === 0) idMultiplier = (idMultiplier + 1) % idSpace || 1;
  const idOffset = idRng.nextU32() % idSpace;

  return {
    site,
    seed: opts.seed,
    target: opts.target,
    followUpYears: opts.followUpYears,
    visitIntervalMonths: opts.visitIntervalMonths,
    patients,
    thresholds,
    liabilitySample: sorted,
    bandCdf,
    liabilityCdfTable: new LiabilityCdfTable(sorted),
    frailtyOffset,
    hazardCnToMci: calibration.hazardCnToMci,
    hazardMciToAd: calibration.hazardMciToAd,
    hazardDropout: hazardFromAnnual(site.progression.dropoutAnnual),
    enrollmentStartDays: isoToEpochDays(site.enrollment.start),
    enrollmentEndDays: isoToEpochDays(site.enrollment.end),
    switchDays: site.coding.switchDate === null ? null : isoToEpochDays(site.coding.switchDate),
    idPrefix,
    idDigits,
    idMultiplier,
    idOffset,
    lastVisit: Math.floor(opts.followUpYears / (opts.visitIntervalMonths / 12) + 1e-9),
    recognition: recognitionOf(site),
    cognitionRefAge: calibration.cognitionRefAge,
    cognitionRefEducation: calibration.cognitionRefEducation,
    mocaEducationPointRate: calibration.mocaEducationPointRate,
  };
}

/** Within-stage severity z in N(0,1) from the liability position inside its diagnosis band. */
export function severityZ(sorted: Float64Array, bandCdf: Float64Array, liability: number, group: number): number {
  return severityFromCdf(bandCdf, liabilityCdf(sorted, liability), group);
}

function severityFromCdf(bandCdf: Float64Array, cdf: number, group: number): number {
  return normalQuantile(severityUniform(bandCdf, cdf, group));
}

/** Position of a CDF value inside its diagnosis band, kept off 0 and 1. */
function severityUniform(bandCdf: Float64Array, cdf: number, group: number): number {
  const lo = bandCdf[group];
  const hi = bandCdf[group + 1];
  const u = (cdf - lo) / Math.max(hi - lo, 1e-9);
  return u < 1e-6 ? 1e-6 : u > 1 - 1e-6 ? 1 - 1e-6 : u;
}

/**
 * The empirical liability CDF tabulated on a fine uniform grid: O(1) per patient instead of a
 * binary search over the calibration sample. Grid spacing is ~1/1000 of the liability range,
 * far below the sampling error of the 40,000-draw calibration sample.
 */
export class LiabilityCdfTable {
  private readonly lo: number;
  private readonly step: number;
  private readonly table: Float64Array;
  constructor(sorted: Float64Array, points = 4096) {
    this.lo = sorted[0];
    const hi = sorted[sorted.length - 1];
    this.step = (hi - this.lo) / (points - 1) || 1;
    this.table = new Float64Array(points);
    for (let k = 0; k < points; k++) this.table[k] = liabilityCdf(sorted, this.lo + k * this.step);
  }

  cdf(x: number): number {
    const pos = (x - this.lo) / this.step;
    if (pos <= 0) return this.table[0] * Math.max(0.5, 1 + pos / 4096);
    const k = pos | 0;
    if (k >= this.table.length - 1) return this.table[this.table.length - 1];
    const f = pos - k;
    return this.table[k] + f * (this.table[k + 1] - this.table[k]);
  }

  severityZ(bandCdf: Float64Array, liability: number, group: number): number {
    return severityFromCdf(bandCdf, this.cdf(liability), group);
  }

  /** severityZ for patients [0, n): out[i] = severityZ(bandCdf, liability[i], group[i]). */
  severityZs(bandCdf: Float64Array, liability: Float64Array, group: Uint8Array, out: Float64Array, n: number): void {
    for (let i = 0; i < n; i++) out[i] = severityUniform(bandCdf, this.cdf(liability[i]), group[i]);
    normalQuantilesInPlace(out, 0, n);
  }
}

/** Empirical CDF at the band edges: [0, F(t1), F(t2), 1]. */
export function bandCdfOf(sorted: Float64Array, thresholds: [number, number]): Float64Array {
  return Float64Array.of(0, liabilityCdf(sorted, thresholds[0]), liabilityCdf(sorted, thresholds[1]), 1);
}

/** Bisection on the latent frailty offset with common random numbers (monotone in the offset). */
function calibrateFrailtyOffset(
  site: ResolvedSite,
  rng: Xoshiro128,
  ages: Float64Array,
  females: Uint8Array,
  liab: Float64Array,
  thresholds: [number, number],
  sorted: Float64Array,
  bandCdf: Float64Array,
): number {
  const n = Math.min(ages.length, 20_000);
  const base = new Float64Array(n);
  const heights = new Float64Array(n);
  const bmis = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const group = liab[i] < thresholds[0] ? 0 : liab[i] < thresholds[1] ? 1 : 2;
    const sev = severityZ(sorted, bandCdf, liab[i], group);
    const diabetes = rng.bernoulli(site.comorbidities.diabetes);
    base[i] = frailtyLatentMean(ages[i], females[i], diabetes, group, sev) + site.frailty.latentSd * rng.normal();
    heights[i] = drawHeightCm(females[i], rng.normal());
    bmis[i] = drawBmi(rng.normal());
  }
  const probs = new Float64Array(5);
  const prevalence = (offset: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      friedProbabilities(site, base[i] + offset, females[i], heights[i], bmis[i], probs);
      sum += probAtLeastThree(probs);
    }
    return sum / n;
  };
  let lo = -8;
  let hi = 8;
  for (let it = 0; it < 40; it++) {
    const mid = (lo + hi) / 2;
    if (prevalence(mid) < site.frailty.prevalenceTarget) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
