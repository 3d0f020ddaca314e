/**
 * MRI: true biology (ICV, hippocampus, entorhinal cortex, ventricles, WMH), then what the
 * site's scanner measures (field strength, scanner bias, scan-rescan noise).
 */
import { roundHalfUp } from '../branchless.js';
import { HIPPOCAMPUS_ICV_SLOPE, REF_AGE, REF_ICV_CM3 } from '../site-model.js';
import { type Stage, groupTable, logNormalParams } from './stage.js';

// Two-way choices as arrays indexed by a 0/1 flag, so that hot loops select without a jump
// (branchless.ts); each entry is the constant the plain ternary would have used.
/** By female (0 male, 1 female). */
const ICV_MEAN = Float64Array.of(1480, 1330);
const ICV_SD = Float64Array.of(120, 110);
/** By hypertension (0/1): log-scale WMH shift. */
const WMH_HYPERTENSION = Float64Array.of(0, 0.25);

/**
 * Loadings of the volumes on the within-stage severity that drives progression: hippocampal
 * volume separates stable from converting MCI by d ~ 1.0 ([MCIc]: 4.40 +- 0.57 vs 3.75 +- 0.72)
 * and alone predicts 3-year conversion with AUC 0.68-0.76 ([TANP17], [MCIc]).
 */
const HIP_ON_SEVERITY = 0.8;
const HIP_OWN = Math.sqrt(1 - HIP_ON_SEVERITY ** 2);
const ERC_ON_SEVERITY = 0.7;
const ERC_OWN = Math.sqrt(1 - ERC_ON_SEVERITY ** 2);

// ---- MRI: true biology, then the site's scanner
export function mri(s: Stage, o: number, len: number): void {
  const { group, sev, age, female, hipTrue0 } = s.w;
  const out = s.out;
  const hypertension = out.hypertension;
  const { icv: icvOut, hippocampus: hipOut, hippocampusAdj: hipAdjOut, entorhinal: ercOut, ventricles: ventOut, wmh: wmhOut } = out;
  // Ten normals per patient: five true values, then five measurement noises.
  const z = s.streams.get('mri').normals(10 * len);
  const m = s.site.mri;
  const fieldFactor = m.fieldStrength === '3T' ? m.fieldStrengthVolumeFactor : 1;
  // Hoisted for the hot loop: property chains per patient cost more than the math.
  const cv = m.measurementCv;
  const hipMul = m.scannerBias.hippocampus.multiplicative;
  const hipAdd = m.scannerBias.hippocampus.additive;
  const ercMul = m.scannerBias.entorhinal.multiplicative;
  const ercAdd = m.scannerBias.entorhinal.additive;
  const ventMul = m.scannerBias.ventricles.multiplicative;
  const ventAdd = m.scannerBias.ventricles.additive;
  const wmhMul = m.scannerBias.wmh.multiplicative;
  const wmhAdd = m.scannerBias.wmh.additive;
  const wmhMu = groupTable(m.wmhCm3, (d) => logNormalParams(d).mu);
  const wmhSigma = groupTable(m.wmhCm3, (d) => logNormalParams(d).sigma);
  const hipMean = groupTable(m.hippocampusCm3, (d) => d.mean);
  const hipSd = groupTable(m.hippocampusCm3, (d) => d.sd);
  const ercMean = groupTable(m.entorhinalThicknessMm, (d) => d.mean);
  const ercSd = groupTable(m.entorhinalThicknessMm, (d) => d.sd);
  const ventMean = groupTable(m.ventriclesCm3, (d) => d.mean);
  const ventSd = groupTable(m.ventriclesCm3, (d) => d.sd);
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const g = group[p];
    const sv = sev[p];
    const j = 10 * i;
    const ageDelta = age[p] - REF_AGE;
    const icv = ICV_MEAN[female[p]] + ICV_SD[female[p]] * z[j];
    // FRASER: ~0.85 %/yr healthy-ageing hippocampal loss; HUA: ventricles expand faster when younger.
    const hipAdjTrue = (hipMean[g] - hipSd[g] * (HIP_ON_SEVERITY * sv + HIP_OWN * z[j + 1])) * (1 - 0.0085 * ageDelta);
    const hipTrue = Math.max(1, hipAdjTrue + HIPPOCAMPUS_ICV_SLOPE * (icv - REF_ICV_CM3));
    hipTrue0[p] = hipTrue;
    const erc = Math.max(1, ercMean[g] - ercSd[g] * (ERC_ON_SEVERITY * sv + ERC_OWN * z[j + 2]));
    const vent = Math.max(5, (ventMean[g] + ventSd[g] * (0.4 * sv + 0.917 * z[j + 3])) * (1 + 0.02 * ageDelta));
    const wmh = Math.exp(wmhMu[g] + wmhSigma[g] * z[j + 4] + 0.04 * ageDelta + WMH_HYPERTENSION[hypertension[p]]);
    // Measurement: field strength scales volumes (BUCH), the site's bias, then scan noise.
    const icvM = icv * fieldFactor * (1 + cv * z[j + 5]);
    const hipM = (hipTrue * fieldFactor * hipMul + hipAdd) * (1 + cv * z[j + 6]);
    const ercM = (erc * ercMul + ercAdd) * (1 + cv * z[j + 7]);
    const ventM = (vent * fieldFactor * ventMul + ventAdd) * (1 + cv * z[j + 8]);
    const wmhM = Math.max(0, (wmh * fieldFactor * wmhMul + wmhAdd) * (1 + 3 * cv * z[j + 9]));
    icvOut[p] = roundHalfUp(icvM);
    hipOut[p] = roundHalfUp(hipM * 1000) / 1000;
    hipAdjOut[p] = roundHalfUp((hipM - HIPPOCAMPUS_ICV_SLOPE * (icvM - REF_ICV_CM3)) * 1000) / 1000;
    ercOut[p] = roundHalfUp(ercM * 1000) / 1000;
    ventOut[p] = roundHalfUp(ventM * 10) / 10;
    wmhOut[p] = roundHalfUp(wmhM * 100) / 100;
  }
}
