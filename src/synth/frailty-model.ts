/**
 * The frailty sub-model: latent frailty from age, sex, diabetes and cognitive stage, and the
 * five Fried criteria it drives (FRIED, FTAB cut-offs), with the height and BMI they depend on.
 */
import { logistic, normalCdf } from '../random/normal.js';
import type { ResolvedSite } from '../scenario/schema.js';
import { REF_AGE } from './reference.js';

/** Fixed coefficients of the frailty sub-model (on the latent frailty scale). */
export const FRAILTY = {
  ageSlopePer10y: 0.7,
  impairment: { CN: 0, MCI: 0.35, AD: 0.9 },
  female: 0.6, // COLLARD: frail 9.6 % of women vs 5.2 % of men
  diabetes: 0.3,
  weightLossIntercept: -3.4,
  exhaustionIntercept: -2.6,
  lowActivityIntercept: -2.3,
  criterionSlope: 1.1,
  gaitSlopeMps: 0.12,
  gaitResidualSdFactor: 0.75,
  gripSlopeKg: { female: 2.2, male: 3.5 },
  gripResidualSdFactor: 0.8,
};

// Per-group and per-sex constants as arrays indexed by group (0-2) or by female (0/1): the
// helpers below select by index, not by a jump (see branchless.ts), with the same arithmetic.
const FRAILTY_IMPAIRMENT = Float64Array.of(FRAILTY.impairment.CN, FRAILTY.impairment.MCI, FRAILTY.impairment.AD);
/** Weight of the within-stage severity: 0 for CN (0 * z adds a zero: the sum is unchanged). */
const FRAILTY_SEVERITY_WEIGHT = Float64Array.of(0, 0.15, 0.15);
/** [male, female]: the "tall" height cut-off for the slow-gait criterion (cm). */
const TALL_CM = Float64Array.of(173, 159);
/** [not tall, tall]: 15 ft in 7 s, or in 6 s for tall people, as a speed (m/s). */
const SLOW_GAIT_SPEED = Float64Array.of(4.572 / 7, 4.572 / 6);
/** BMI band upper edges and weak-grip cut-offs (kg), male then female (Fried 2001, FTAB). */
const GRIP_BMI_EDGES = Float64Array.of(24, 26, 28, 23, 26, 29);
const WEAK_GRIP_KG = Float64Array.of(29, 30, 31, 32, 17, 17.3, 18, 21);
/** [male, female] height distribution (cm). */
const HEIGHT_MEAN_CM = Float64Array.of(175, 161);
const HEIGHT_SD_CM = Float64Array.of(7, 6.5);

/** Impairment level used by frailty: CN 0, MCI, AD by group plus within-stage severity. */
export function frailtyLatentMean(age: number, female: number, diabetes: number, group: number, severityZ: number): number {
  return (
    (FRAILTY.ageSlopePer10y * (age - REF_AGE)) / 10 +
    FRAILTY_IMPAIRMENT[group] +
    FRAILTY_SEVERITY_WEIGHT[group] * severityZ +
    FRAILTY.female * female +
    FRAILTY.diabetes * diabetes
  );
}

/** Fried slow-gait threshold as a speed (m/s): 15 ft in >= 7 s, or >= 6 s for tall people. */
export function slowGaitSpeedThreshold(female: number, heightCm: number): number {
  return SLOW_GAIT_SPEED[+(heightCm > TALL_CM[female])];
}

/** Fried weak-grip cut-off (kg) by sex and BMI band (Fried 2001, FTAB): bands (.., e1], (e1, e2], (e2, e3], (e3, ..). */
export function weakGripThresholdKg(female: number, bmi: number): number {
  const e = 3 * female;
  return WEAK_GRIP_KG[4 * female + (+(bmi > GRIP_BMI_EDGES[e]) + +(bmi > GRIP_BMI_EDGES[e + 1]) + +(bmi > GRIP_BMI_EDGES[e + 2]))];
}

/** Per-criterion probabilities of the Fried phenotype given the latent frailty (with offset). */
export function friedProbabilities(
  site: ResolvedSite,
  frailtyLatent: number,
  female: number,
  heightCm: number,
  bmi: number,
  out: Float64Array,
): void {
  out[0] = logistic(FRAILTY.weightLossIntercept + FRAILTY.criterionSlope * frailtyLatent);
  out[1] = logistic(FRAILTY.exhaustionIntercept + FRAILTY.criterionSlope * frailtyLatent);
  out[2] = logistic(FRAILTY.lowActivityIntercept + FRAILTY.criterionSlope * frailtyLatent);
  const g = site.frailty.gaitSpeedMps;
  const gaitMean = g.mean - FRAILTY.gaitSlopeMps * frailtyLatent;
  out[3] = normalCdf((slowGaitSpeedThreshold(female, heightCm) - gaitMean) / (g.sd * FRAILTY.gaitResidualSdFactor));
  const grip = female ? site.frailty.gripStrengthKg.female : site.frailty.gripStrengthKg.male;
  const gripMean = grip.mean - (female ? FRAILTY.gripSlopeKg.female : FRAILTY.gripSlopeKg.male) * frailtyLatent;
  out[4] = normalCdf((weakGripThresholdKg(female, bmi) - gripMean) / (grip.sd * FRAILTY.gripResidualSdFactor));
}

/** P(at least 3 of 5 independent criteria) by dynamic programming over the count. */
export function probAtLeastThree(p: Float64Array): number {
  let c0 = 1;
  let c1 = 0;
  let c2 = 0;
  for (let k = 0; k < 5; k++) {
    const q = 1 - p[k];
    c2 = c2 * q + c1 * p[k];
    c1 = c1 * q + c0 * p[k];
    c0 = c0 * q;
  }
  return 1 - c0 - c1 - c2;
}

/** Height (cm) from a standard normal; female is 0 or 1. */
export function drawHeightCm(female: number, z: number): number {
  return HEIGHT_MEAN_CM[female] + HEIGHT_SD_CM[female] * z;
}

export function drawBmi(z: number): number {
  return Math.min(45, Math.max(16, 26.5 + 4.2 * z));
}
