/**
 * Genetics: APOE e4 carriage at the site's carrier rate.
 */
import type { Stage } from './stage.js';

// ---- APOE e4 carrier status
export function genetics(s: Stage, o: number, len: number): void {
  const { site, streams } = s;
  const e4 = s.w.e4;
  const rate = site.apoeE4CarrierRate;
  const ug = streams.get('apoe').uniforms(len);
  for (let i = 0; i < len; i++) e4[o + i] = +(ug[i] < rate);
}
