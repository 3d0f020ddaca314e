/**
 * What the generator's stages share: the Stage each one receives (the site, its streams, the
 * batch's scratch and output arrays), the chunk size they run over, and small parameter
 * helpers. A stage is a function (s, o, len) over patients [o, o + len) of the batch: it reads
 * what earlier stages wrote and writes its own arrays.
 */
import type { Dist, Group, ResolvedSite } from '../../scenario/schema.js';
import type { SiteStreams } from '../../random/rng.js';
import type { PatientBuffers } from '../columns.js';
import type { SiteModel } from '../site-model.js';

const GROUP_KEYS: Group[] = ['CN', 'MCI', 'AD'];

/** Residual SD once the visit-level measurement noise (SD 1) is taken out. */
export function latentSd(d: Dist, noiseSd: number): number {
  return Math.sqrt(Math.max(d.sd * d.sd - noiseSd * noiseSd, 0.04 * d.sd * d.sd));
}

export const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** A per-group parameter as a [CN, MCI, AD] array. */
export function groupTable(byGroup: Record<Group, Dist>, f: (d: Dist) => number): Float64Array {
  return Float64Array.from(GROUP_KEYS, (g) => f(byGroup[g]));
}

/** Log-normal parameters matching a mean and an SD. */
export function logNormalParams(d: Dist): { mu: number; sigma: number } {
  const s2 = Math.log(1 + (d.sd * d.sd) / (d.mean * d.mean));
  return { mu: Math.log(d.mean) - s2 / 2, sigma: Math.sqrt(s2) };
}

/**
 * Patients per pass of the stages over a batch. Every stage runs on patients [o, o + CHUNK),
 * then the next chunk. Why: a chunk's draws (~3 MB for 53 draws per patient) stay in cache
 * from the stage that draws them to the stage that uses them, and each stage function is called
 * a few times per batch, so V8 optimizes it within the first batch instead of after a few
 * (the first batches of a run used to take 5-10x longer). The content does not depend on the
 * chunk size: each stream is consumed in patient order.
 */
export const CHUNK = 8192;

/**
 * Per-patient values a batch needs internally but never outputs. They are reused from batch to
 * batch of a site (one set per SiteStreams): ~25 arrays of 64 K entries per batch otherwise go
 * straight to the garbage collector. Every entry [0, n) is written before it is read.
 */
export class Scratch {
  capacity = 0;
  female = new Uint8Array(0);
  /** Race/ethnicity, an index into RACE_ETHNICITY. */
  race = new Uint8Array(0);
  e4 = new Uint8Array(0);
  group = new Uint8Array(0);
  frail = new Uint8Array(0);
  age = new Float64Array(0);
  edu = new Float64Array(0);
  liability = new Float64Array(0);
  sev = new Float64Array(0);
  mmse0 = new Float64Array(0);
  moca0 = new Float64Array(0);
  cdr0 = new Float64Array(0);
  hipTrue0 = new Float64Array(0);
  frailty = new Float64Array(0);
  frailRisk = new Float64Array(0);
  gait0 = new Float64Array(0);
  tMci = new Float64Array(0);
  tAd = new Float64Array(0);
  tDrop = new Float64Array(0);
  trueRisk = new Float64Array(0);
  visitCount = new Int32Array(0);
  /** Individual rate of decline, as a multiple of the site's mean rates (random slope). */
  slope = new Float64Array(0);
  /** Individual hazard factor HR_e4^e4 * HR_sev^z of the stage transitions. */
  hazardFactor = new Float64Array(0);
  /** Patient part of the recognition log-odds (education, age >= 90). */
  recognitionOffset = new Float64Array(0);
  /** First visit that records a dementia code, or an MCI code (NO_CODE: none within follow-up). */
  adCodeVisit = new Int32Array(0);
  mciCodeVisit = new Int32Array(0);
  /** Patients of a chunk by true baseline stage (CN, MCI), for the stage-specific passes. */
  readonly cnIndex = new Int32Array(CHUNK);
  readonly mciIndex = new Int32Array(CHUNK);

  ensure(n: number): this {
    if (n <= this.capacity) return this;
    this.capacity = n;
    this.female = new Uint8Array(n);
    this.race = new Uint8Array(n);
    this.e4 = new Uint8Array(n);
    this.group = new Uint8Array(n);
    this.frail = new Uint8Array(n);
    this.age = new Float64Array(n);
    this.edu = new Float64Array(n);
    this.liability = new Float64Array(n);
    this.sev = new Float64Array(n);
    this.mmse0 = new Float64Array(n);
    this.moca0 = new Float64Array(n);
    this.cdr0 = new Float64Array(n);
    this.hipTrue0 = new Float64Array(n);
    this.frailty = new Float64Array(n);
    this.frailRisk = new Float64Array(n);
    this.gait0 = new Float64Array(n);
    this.tMci = new Float64Array(n);
    this.tAd = new Float64Array(n);
    this.tDrop = new Float64Array(n);
    this.trueRisk = new Float64Array(n);
    this.visitCount = new Int32Array(n);
    this.slope = new Float64Array(n);
    this.hazardFactor = new Float64Array(n);
    this.recognitionOffset = new Float64Array(n);
    this.adCodeVisit = new Int32Array(n);
    this.mciCodeVisit = new Int32Array(n);
    return this;
  }
}

export const scratchBySite = new WeakMap<SiteStreams, Scratch>();

/** What every stage receives: the site, its streams, the batch's scratch and output arrays. */
export interface Stage {
  model: SiteModel;
  site: ResolvedSite;
  streams: SiteStreams;
  w: Scratch;
  out: PatientBuffers;
}
