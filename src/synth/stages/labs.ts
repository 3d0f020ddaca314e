/**
 * Comorbidities (hypertension, diabetes, hyperlipidemia) and labs in the site's units.
 */
import { roundHalfUp } from '../branchless.js';
import { REF_AGE } from '../site-model.js';
import { type Stage, clamp } from './stage.js';

// Two-way choices as arrays indexed by a 0/1 flag, so that hot loops select without a jump
// (branchless.ts); each entry is the constant the plain ternary would have used.
/** By female (0 male, 1 female). */
const CREATININE_SCALE = Float64Array.of(1.05, 0.85);
/** By diabetes (0/1). */
const GLUCOSE_MEAN = Float64Array.of(97, 150);
const GLUCOSE_SD = Float64Array.of(11, 35);
const HBA1C_MEAN = Float64Array.of(5.5, 7.2);
const HBA1C_SD = Float64Array.of(0.35, 1.0);
/** By hyperlipidemia (0/1). */
const CHOLESTEROL_MEAN = Float64Array.of(190, 215);

// ---- comorbidities and labs
export function comorbiditiesAndLabs(s: Stage, o: number, len: number): void {
  const { age, female } = s.w;
  const out = s.out;
  const htn = out.hypertension;
  const dm = out.diabetes;
  const hl = out.hyperlipidemia;
  const u = s.streams.get('comorbidities').uniforms(3 * len);
  const cm = s.site.comorbidities;
  const htnRate = cm.hypertension;
  const dmRate = cm.diabetes;
  const hlRate = cm.hyperlipidemia;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    // Hypertension rises with age (~1.5 %-points per year around the reference age).
    const pHtn = clamp(htnRate + 0.015 * (age[p] - REF_AGE), 0, 1);
    htn[p] = +(u[3 * i] < pHtn);
    dm[p] = +(u[3 * i + 1] < dmRate);
    hl[p] = +(u[3 * i + 2] < hlRate);
  }

  const zl = s.streams.get('labs').normals(4 * len);
  const si = s.site.coding.labUnits === 'SI';
  const { glucose, hba1c, cholesterol: chol, creatinine: creat } = out;
  for (let i = 0; i < len; i++) {
    const p = o + i;
    const j = 4 * i;
    const d = dm[p];
    const g = GLUCOSE_MEAN[d] + GLUCOSE_SD[d] * zl[j]; // mg/dL
    const a = HBA1C_MEAN[d] + HBA1C_SD[d] * zl[j + 1]; // NGSP %
    const ch = CHOLESTEROL_MEAN[hl[p]] + 38 * zl[j + 2]; // mg/dL
    const cr = CREATININE_SCALE[female[p]] * Math.exp(0.22 * zl[j + 3] + 0.006 * (age[p] - REF_AGE)); // mg/dL
    const gC = Math.max(40, g);
    const aC = Math.max(4, a);
    const chC = Math.max(90, ch);
    // UNITS1/UNITS2/UNITS3 conversions
    glucose[p] = si ? roundHalfUp(gC * 0.0555 * 10) / 10 : roundHalfUp(gC);
    hba1c[p] = si ? roundHalfUp((aC - 2.15) * 10.929) : roundHalfUp(aC * 10) / 10;
    chol[p] = si ? roundHalfUp((chC / 38.67) * 100) / 100 : roundHalfUp(chC);
    creat[p] = si ? roundHalfUp(cr * 88.4) : roundHalfUp(cr * 100) / 100;
  }
}
