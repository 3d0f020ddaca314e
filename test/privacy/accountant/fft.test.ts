/** The radix-2 FFT against a naive O(n²) DFT, and its inverse and convolution properties. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fft, ifft, nextPowerOfTwo } from '../../../src/privacy/accountant/fft.js';

function naiveDft(re: ArrayLike<number>, im: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      outRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      outIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
  }
  return { re: outRe, im: outIm };
}

const finite = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true });

describe('fft', () => {
  test('matches the naive DFT for every power-of-two size up to 256', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(finite, { minLength: 512, maxLength: 512 }), (log2n, values) => {
        const n = 2 ** log2n;
        const re = Float64Array.from(values.slice(0, n));
        const im = Float64Array.from(values.slice(256, 256 + n));
        const expected = naiveDft(re, im);
        fft(re, im);
        const scale = 10 * n * 1e-13;
        for (let k = 0; k < n; k++) {
          assert.ok(Math.abs(re[k] - expected.re[k]) < scale, `re[${k}] n=${n}: ${re[k]} vs ${expected.re[k]}`);
          assert.ok(Math.abs(im[k] - expected.im[k]) < scale, `im[${k}] n=${n}: ${im[k]} vs ${expected.im[k]}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('ifft(fft(x)) = x', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(finite, { minLength: 2048, maxLength: 2048 }), (log2n, values) => {
        const n = 2 ** log2n;
        const re = Float64Array.from(values.slice(0, n));
        const im = Float64Array.from(values.slice(1024, 1024 + n));
        const re0 = re.slice();
        const im0 = im.slice();
        fft(re, im);
        ifft(re, im);
        for (let k = 0; k < n; k++) {
          assert.ok(Math.abs(re[k] - re0[k]) < 1e-12 && Math.abs(im[k] - im0[k]) < 1e-12);
        }
      }),
      { numRuns: 40 },
    );
  });

  test('a product of spectra is the circular convolution (brute force)', () => {
    const n = 64;
    const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.1 * i);
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) / (1 + i));
    const expected = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expected[(i + j) % n] += a[i] * b[j];
    const ar = a.slice(), ai = new Float64Array(n), br = b.slice(), bi = new Float64Array(n);
    fft(ar, ai);
    fft(br, bi);
    for (let k = 0; k < n; k++) {
      const r = ar[k] * br[k] - ai[k] * bi[k];
      ai[k] = ar[k] * bi[k] + ai[k] * br[k];
      ar[k] = r;
    }
    ifft(ar, ai);
    for (let k = 0; k < n; k++) assert.ok(Math.abs(ar[k] - expected[k]) < 1e-12 && Math.abs(ai[k]) < 1e-12);
  });

  test('rejects sizes that are not powers of two; nextPowerOfTwo', () => {
    assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /power-of-two length, found 6/);
    assert.throws(() => fft(new Float64Array(4), new Float64Array(2)), /differ in length/);
    assert.equal(nextPowerOfTwo(1), 1);
    assert.equal(nextPowerOfTwo(5), 8);
    assert.equal(nextPowerOfTwo(460_000), 524_288);
  });
});
