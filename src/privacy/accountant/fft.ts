/**
 * In-place iterative radix-2 complex FFT on split Float64Arrays (Cooley–Tukey, decimation in
 * time with a bit-reversal permutation). It serves the PRV accountant (prv.ts), whose
 * composition of T privacy loss distributions is a T-th power in the Fourier domain. Twiddle
 * factors come from one table of Math.cos/Math.sin values (not a rotation recurrence), so their
 * error does not grow with the transform size.
 */

function checkSize(re: Float64Array, im: Float64Array): number {
  const n = re.length;
  if (im.length !== n) throw new RangeError(`fft: real and imaginary parts differ in length (${n} vs ${im.length})`);
  if (n === 0 || (n & (n - 1)) !== 0) throw new RangeError(`fft: expected a power-of-two length, found ${n}`);
  return n;
}

/** The smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  if (!(n >= 1) || !Number.isSafeInteger(n)) throw new RangeError(`nextPowerOfTwo: expected an integer >= 1, found ${n}`);
  let m = 1;
  while (m < n) m *= 2;
  return m;
}

function transform(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
  const n = checkSize(re, im);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  if (n === 1) return;
  // cos/sin of 2πk/n for k < n/2, computed directly.
  const half = n >> 1;
  const cosT = new Float64Array(half);
  const sinT = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    const a = (2 * Math.PI * k) / n;
    cosT[k] = Math.cos(a);
    sinT[k] = sign * Math.sin(a);
  }
  for (let len = 2; len <= n; len *= 2) {
    const h = len >> 1;
    const stride = n / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < h; k++) {
        // Forward transform uses e^{-2πi k/len}: sign −1 → −sin.
        const wr = cosT[k * stride];
        const wi = -sinT[k * stride];
        const a = start + k;
        const b = a + h;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** Forward DFT in place: X_k = Σ_j x_j e^{−2πi jk/n}. n must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  transform(re, im, 1);
}

/** Inverse DFT in place, including the 1/n factor: x_j = (1/n) Σ_k X_k e^{+2πi jk/n}. */
export function ifft(re: Float64Array, im: Float64Array): void {
  transform(re, im, -1);
  const n = re.length;
  for (let i = 0; i < n; i++) {
    re[i] /= n;
    im[i] /= n;
  }
}
