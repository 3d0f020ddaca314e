/**
 * Identifiers and dates: synthetic patient ids (a site prefix and a shuffled number, no real
 * PHI) and baseline (enrollment) dates.
 */
import type { SiteModel } from '../site-model.js';
import type { Stage } from './stage.js';

/** ASCII of "00", "01", ..., "99". */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, k) => 48 + ((k & 1 ? (k >> 1) % 10 : Math.floor((k >> 1) / 10))));

/**
 * Writes the ids of patients [start, start + n): prefix + d digits of (a*i + b) mod 10^d, a
 * bijection since gcd(a, 10) = 1. Consecutive ids differ by a (mod 10^d), so after the first
 * only an addition is needed.
 */
export function writeIds(model: SiteModel, start: number, n: number, bytes: Uint8Array, idLen: number): void {
  const prefix = model.idPrefix;
  const digits = model.idDigits;
  const space = 10 ** digits;
  const a = model.idMultiplier;
  // (a*start + b) mod 10^d without losing precision: split a into 16-bit halves.
  let v = ((((Math.floor(a / 65536) * start) % space) * 65536) % space + ((a % 65536) * start) % space + model.idOffset) % space;
  const prefixBytes = Uint8Array.from(prefix, (ch) => ch.charCodeAt(0));
  const p = prefixBytes.length;
  // With ids below 2^31 the digits come from int32 division (a multiply-shift), not doubles.
  const smallInts = space <= 2 ** 31;
  for (let i = 0; i < n; i++) {
    const offset = i * idLen;
    for (let k = 0; k < p; k++) bytes[offset + k] = prefixBytes[k];
    const end = offset + p + digits - 1;
    if (smallInts) {
      // Two digits per division, from a table of "00".."99".
      let rest = v | 0;
      let k = 0;
      for (; k + 1 < digits; k += 2) {
        const q = (rest / 100) | 0;
        const pair = 2 * (rest - q * 100);
        bytes[end - k] = DIGIT_PAIRS[pair + 1];
        bytes[end - k - 1] = DIGIT_PAIRS[pair];
        rest = q;
      }
      if (k < digits) bytes[end - k] = 48 + rest - ((rest / 10) | 0) * 10;
    } else {
      let rest = v;
      for (let k = 0; k < digits; k++) {
        const q = Math.floor(rest / 10);
        bytes[end - k] = 48 + rest - q * 10;
        rest = q;
      }
    }
    v += a;
    if (v >= space) v -= space * Math.floor(v / space);
  }
}

// ---- identifiers and dates
export function enrollmentDays(s: Stage, o: number, len: number): void {
  const enroll = s.out.enroll;
  const u = s.streams.get('enrollment').uniforms(len);
  const first = s.model.enrollmentStartDays;
  const span = s.model.enrollmentEndDays - s.model.enrollmentStartDays + 1;
  for (let i = 0; i < len; i++) enroll[o + i] = first + Math.floor(u[i] * span);
}
