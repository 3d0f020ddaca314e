/**
 * Body size, frailty (latent frailty -> the five Fried criteria, gait speed, grip strength by
 * the sex and BMI cut-offs) and wearables (steps, sleep).
 */
import { roundHalfUp } from '../branchless.js';
import {
  FRAILTY,
  drawBmi,
  drawHeightCm,
  frailtyLatentMean,
  friedProbabilities,
  probAtLeastThree,
  slowGaitSpeedThreshold,
  weakGripThresholdKg,
} from '../frailty-model.js';
import { type Stage, clamp, logNormalParams } from './stage.js';

// exp(-intercept) of the three self-reported Fried criteria (logistic in the latent frailty).
const EXP_NEG_WEIGHT_LOSS = Math.exp(-FRAILTY.weightLossIntercept);
const EXP_NEG_EXHAUSTION = Math.exp(-FRAILTY.exhaustionIntercept);
const EXP_NEG_LOW_ACTIVITY = Math.exp(-FRAILTY.lowActivityIntercept);
// Two-way choices as arrays indexed by a 0/1 flag, so that hot loops select without a jump
// (branchless.ts); each entry is the constant the plain ternary would have used.
/** By female (0 male, 1 female). */
const STEPS_SEX_SHIFT = Float64Array.of(0.05, -0.05);
const SLEEP_SEX_SHIFT = Float64Array.of(-0.15, 0.15);

// ---- body, frailty (Fried phenotype)
export function bodyAndFrailty(s: Stage, o: number, len: number): void {
  const { model, site, streams } = s;
  const { age, female, group, sev, frailty, frailRisk, frail, gait0 } = s.w;
  const out = s.out;
  const diabetes = out.diabetes;
  const { height: heightOut, weight: weightOut, bmi: bmiOut, gait: gaitOut, grip: gripOut } = out;
  const { weightLoss, exhaustion, lowActivity, slowGait, weakGrip, friedCount, phenotype } = out;
  const zb = streams.get('body').normals(2 * len);
  // Per patient: latent frailty, gait and grip residuals; three criterion uniforms.
  const zf = streams.get('frailty').normals(3 * len);
  const uf = streams.get('frailty.criteria').uniforms(3 * len);
  const probs = new Float64Array(5);
  const lb = site.coding.weightUnit === 'lb';
  const gs = site.frailty.gaitSpeedMps;
  // The gait and grip criteria's probabilities only matter for the frailty oracle.
  const needFrailRisk = model.target === 'frailty';
  // Hoisted for the hot loop: property chains per patient cost more than the math.
  const latentSd = site.frailty.latentSd;
  const offset = model.frailtyOffset;
  const gaitMean = gs.mean;
  const gaitSlope = FRAILTY.gaitSlopeMps;
  const gaitResidualSd = gs.sd * FRAILTY.gaitResidualSdFactor;
  // [male, female]
  const grips = site.frailty.gripStrengthKg;
  const gripMean = Float64Array.of(grips.male.mean, grips.female.mean);
  const gripSd = Float64Array.of(grips.male.sd, grips.female.sd);
  const gripSlope = Float64Array.of(FRAILTY.gripSlopeKg.male, FRAILTY.gripSlopeKg.female);
  const gripResidualFactor = FRAILTY.gripResidualSdFactor;
  const slope = FRAILTY.criterionSlope;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const fem = female[p];
    const h = drawHeightCm(fem, zb[2 * i]);
    const bmi = drawBmi(zb[2 * i + 1]);
    const hm = h / 100;
    const wt = bmi * hm * hm;
    heightOut[p] = roundHalfUp(h * 10) / 10;
    weightOut[p] = roundHalfUp((lb ? wt * 2.20462 : wt) * 10) / 10;
    bmiOut[p] = roundHalfUp(bmi * 10) / 10;
    const f = frailtyLatentMean(age[p], fem, diabetes[p], group[p], sev[p]) + latentSd * zf[3 * i] + offset;
    frailty[p] = f;
    if (needFrailRisk) {
      friedProbabilities(site, f, fem, h, bmi, probs);
      frailRisk[p] = probAtLeastThree(probs);
    }
    // u < logistic(a + b f)  <=>  (1 - u) / u > exp(-(a + b f)): one exp for the three.
    const e = Math.exp(-slope * f);
    const wl = +(uf[3 * i] * (1 + EXP_NEG_WEIGHT_LOSS * e) < 1);
    const ex = +(uf[3 * i + 1] * (1 + EXP_NEG_EXHAUSTION * e) < 1);
    const la = +(uf[3 * i + 2] * (1 + EXP_NEG_LOW_ACTIVITY * e) < 1);
    const gait = Math.max(0.1, gaitMean - gaitSlope * f + gaitResidualSd * zf[3 * i + 1]);
    // Same expression as gd.mean - gripSlope * f + gd.sd * factor * z, per sex.
    const grip = Math.max(2, gripMean[fem] - gripSlope[fem] * f + gripSd[fem] * gripResidualFactor * zf[3 * i + 2]);
    gait0[p] = gait;
    const slow = +(gait <= slowGaitSpeedThreshold(fem, h));
    const weak = +(grip <= weakGripThresholdKg(fem, bmi));
    weightLoss[p] = wl;
    exhaustion[p] = ex;
    lowActivity[p] = la;
    slowGait[p] = slow;
    weakGrip[p] = weak;
    const count = wl + ex + la + slow + weak;
    friedCount[p] = count;
    // robust 0, prefrail 1-2, frail >= 3
    phenotype[p] = +(count > 0) + +(count >= 3);
    frail[p] = +(count >= 3);
    gaitOut[p] = roundHalfUp(gait * 100) / 100;
    gripOut[p] = roundHalfUp(grip * 10) / 10;
  }
}

// ---- wearables
export function wearables(s: Stage, o: number, len: number): void {
  const { frailty, female } = s.w;
  const { steps, sleep } = s.out;
  const site = s.site;
  const zw = s.streams.get('wearables').normals(2 * len);
  const sp = logNormalParams(site.wearables.stepsPerDay);
  const mu = sp.mu;
  const sigma = sp.sigma;
  const offset = s.model.frailtyOffset;
  const sleepMean = site.wearables.sleepHours.mean;
  const sleepSd = site.wearables.sleepHours.sd;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    // TL09/TL11: fewer steps with age and frailty, men walk more; NSHAP: women sleep longer.
    steps[p] = roundHalfUp(Math.exp(mu + sigma * zw[2 * i] - 0.3 * (frailty[p] - offset) + STEPS_SEX_SHIFT[female[p]]));
    sleep[p] = roundHalfUp(clamp(sleepMean + SLEEP_SEX_SHIFT[female[p]] + sleepSd * zw[2 * i + 1], 2, 14) * 10) / 10;
  }
}
