/**
 * MT19937, the 32-bit Mersenne Twister (Matsumoto & Nishimura, "Mersenne Twister: a
 * 623-dimensionally equidistributed uniform pseudo-random number generator", ACM TOMACS 8(1),
 * 1998; reference code mt19937ar.c: init_by_array, genrand_int32, genrand_res53), and the one draw
 * fedage used @faker-js/faker for: a site's three-letter patient-id prefix, as faker 9's
 * `faker.seed(array); faker.string.alpha({ length: 3, casing: 'upper' })` draws it (its
 * randomizer is this generator's genrand_res53; `number.int({ max })` is floor(res53 · (max + 1))).
 * Reproduced here so that generated files stay byte-identical without loading faker (~0.6 MB of
 * code, ~65 ms of every `generate`); test/random/mersenne.test.ts checks both against the
 * reference outputs and against faker itself.
 */
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class MersenneTwister19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** init_by_array: seeded with a key of 32-bit words. */
  constructor(key: ArrayLike<number>) {
    this.initGenrand(19650218);
    const mt = this.mt;
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(prev, 1664525)) + (key[j] >>> 0) + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (mt[i] ^ Math.imul(prev, 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000; // the MSB is 1, assuring a non-zero initial array
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) mt[i] = Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    this.mti = N;
  }

  /** genrand_int32: uniform on [0, 2^32). */
  nextU32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** genrand_res53: uniform on [0, 1) with 53-bit resolution. */
  nextRes53(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) * (1 / 9007199254740992);
  }
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `length` upper-case letters, as faker 9 `seed(key); string.alpha({ length, casing: 'upper' })` draws them. */
export function upperAlpha(key: ArrayLike<number>, length: number): string {
  const mt = new MersenneTwister19937(key);
  let out = '';
  for (let i = 0; i < length; i++) out += UPPER[Math.floor(mt.nextRes53() * UPPER.length)];
  return out;
}
