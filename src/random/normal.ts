/**
 * Normal distribution functions used by the generator and by calibration.
 * normalQuantile: Wichura's AS241 (PPND16), relative accuracy about 1e-16.
 *   Wichura MJ (1988) Algorithm AS 241. Applied Statistics 37(3):477-484.
 * normalCdf: via erfc with W. J. Cody's rational approximations (as in R's pnorm), ~1e-15.
 */

/**
 * Replaces a[from, to) by their normal quantiles: the one implementation of normalQuantile,
 * written as a loop so that bulk callers (the generator) pay no call and no boxed double per
 * value.
 */
export function normalQuantilesInPlace(a: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const p = a[i];
    const q = p - 0.5;
    if (Math.abs(q) <= 0.425) {
      const r = 0.180625 - q * q;
      a[i] =
        (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
        45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r +
        133.14166789178437745) * r + 3.387132872796366608)) /
        (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r +
        42.313330701600911252) * r + 1);
      continue;
    }
    let r = q < 0 ? p : 1 - p;
    if (r <= 0) {
      a[i] = q < 0 ? -Infinity : Infinity;
      continue;
    }
    r = Math.sqrt(-Math.log(r));
    let val: number;
    if (r <= 5) {
      r -= 1.6;
      val =
        (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r +
        4.6303378461565452959) * r + 1.42343711074968357734) /
        (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r +
        2.05319162663775882187) * r + 1);
    } else {
      r -= 5;
      val =
        (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r +
        5.4637849111641143699) * r + 6.6579046435011037772) /
        (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r +
        0.59983220655588793769) * r + 1);
    }
    a[i] = q < 0 ? -val : val;
  }
}

const quantileScratch = new Float64Array(1);

export function normalQuantile(p: number): number {
  quantileScratch[0] = p;
  normalQuantilesInPlace(quantileScratch, 0, 1);
  return quantileScratch[0];
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function: Taylor series near 0, Cody's rational approximation in the
 * middle, a continued fraction in the tail; relative error ~1e-15. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 0.5) {
    r = 1 - erfSeries(z);
  } else if (z < 4) {
    r = erfcCody(z);
  } else {
    r = erfcContinuedFraction(z);
  }
  return x < 0 ? 2 - r : r;
}

function erfSeries(x: number): number {
  // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); converges fast for |x| < 0.5
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 30; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

// Cody (1969) rational approximation of the normal upper tail for 0.66 <= y <= 5.66 (R's pnorm).
const CODY_C = [
  0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226,
  2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218,
  1.0765576773720192317e-8,
];
const CODY_D = [
  22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
  18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
];

function erfcCody(x: number): number {
  // erfc(x) = 2 Q(x sqrt 2), Q the standard normal upper tail
  const y = x * Math.SQRT2;
  let xnum = CODY_C[8] * y;
  let xden = y;
  for (let i = 0; i < 7; i++) {
    xnum = (xnum + CODY_C[i]) * y;
    xden = (xden + CODY_D[i]) * y;
  }
  const temp = (xnum + CODY_C[7]) / (xden + CODY_D[7]);
  const xsq = Math.trunc(y * 16) / 16;
  const del = (y - xsq) * (y + xsq);
  return 2 * Math.exp(-xsq * xsq * 0.5) * Math.exp(-del * 0.5) * temp;
}

function erfcContinuedFraction(x: number): number {
  // Lentz's continued fraction for erfc, accurate for x >= 4
  const x2 = x * x;
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x2) / Math.sqrt(Math.PI) / (x + f);
}

/** N(mean, sd) truncated to [lo, hi], drawn by inversion (one uniform per draw). */
export class TruncatedNormal {
  private readonly a: number;
  private readonly width: number;
  constructor(
    readonly mean: number,
    readonly sd: number,
    readonly lo: number,
    readonly hi: number,
  ) {
    this.a = lo === -Infinity ? 0 : normalCdf((lo - mean) / sd);
    const b = hi === Infinity ? 1 : normalCdf((hi - mean) / sd);
    this.width = b - this.a;
  }

  fromUniform(u: number): number {
    if (this.width < 1e-12) return Math.min(this.hi, Math.max(this.lo, this.mean));
    const x = this.mean + this.sd * normalQuantile(this.a + u * this.width);
    return x < this.lo ? this.lo : x > this.hi ? this.hi : x;
  }

  /** fromUniform over u[0, n) into out: the same values, without a call per draw. */
  fromUniforms(u: Float64Array, out: Float64Array, n: number): void {
    if (this.width < 1e-12) {
      out.fill(Math.min(this.hi, Math.max(this.lo, this.mean)), 0, n);
      return;
    }
    const { mean, sd, lo, hi, a, width } = this;
    for (let i = 0; i < n; i++) out[i] = a + u[i] * width;
    normalQuantilesInPlace(out, 0, n);
    for (let i = 0; i < n; i++) {
      const x = mean + sd * out[i];
      out[i] = x < lo ? lo : x > hi ? hi : x;
    }
  }
}

export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
