/**
 * Poisson sampling for DP-SGD: every example joins the batch independently with probability q
 * (the sampling scheme the RDP analysis of the subsampled Gaussian mechanism assumes: Mironov,
 * Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"; Abadi et
 * al. 2016, §3.1 "lots"; Opacus's UniformWithReplacementSampler). Batch sizes vary, and an empty
 * batch is a valid step (it still releases noise).
 *
 * Drawing one uniform per example would cost n draws per step — for q·n = 32 out of n = 20,000,
 * 600× the useful work. Instead the gaps between selected indices are drawn: the number of
 * skipped examples before the next selected one is Geometric(q), G = ⌊ln U / ln(1 − q)⌋ with
 * U uniform on (0, 1], since P(G ≥ k) = P(U ≤ (1 − q)^k) = (1 − q)^k. This is the same
 * distribution as n independent Bernoulli(q) trials (each index's inclusion is independent of the
 * others: a Bernoulli process's inter-arrival times are i.i.d. geometric) with about q·n + 1
 * uniforms per step.
 */

/** Steps per epoch under Poisson sampling with rate q: ⌊1/q⌋, as Opacus's UniformWithReplacementSampler. */
export function poissonStepsPerEpoch(sampleRate: number): number {
  checkSampleRate(sampleRate);
  // The relative nudge keeps 1/(1/k) = k − ulp from flooring to k − 1.
  return Math.max(1, Math.floor((1 / sampleRate) * (1 + 1e-12)));
}

/**
 * The sampling rate for a nominal batch size B on n examples, as Opacus's
 * DPDataLoader.from_data_loader: q = 1/len(loader) = 1/⌈n/B⌉. Then ⌊1/q⌋ = ⌈n/B⌉ steps make an
 * epoch, the same step count as non-private minibatch training, and the expected batch is q·n ≤ B.
 */
export function sampleRateForBatchSize(batchSize: number, exampleCount: number): number {
  if (!(Number.isInteger(exampleCount) && exampleCount >= 1)) throw new RangeError(`example count must be a positive integer, got ${exampleCount}`);
  if (!(batchSize >= 1)) throw new RangeError(`batch size must be >= 1, got ${batchSize}`);
  return 1 / Math.ceil(exampleCount / Math.floor(batchSize));
}

export function checkSampleRate(sampleRate: number): void {
  if (!(sampleRate > 0 && sampleRate <= 1)) throw new RangeError(`sample rate q must be in (0, 1], got ${sampleRate}`);
}

/**
 * One Poisson sample of {0, …, n−1} at rate q: writes the selected indices, ascending, into
 * out[0..count) and returns count. `out` must hold n entries (the worst case). `random` returns
 * uniforms in [0, 1) (it is mapped to (0, 1] so that ln never sees 0). q = 1 selects every index
 * and draws nothing.
 */
export function poissonSample(n: number, sampleRate: number, random: () => number, out: Uint32Array): number {
  checkSampleRate(sampleRate);
  if (out.length < n) throw new RangeError(`poissonSample: out has length ${out.length}, need n = ${n}`);
  if (sampleRate === 1) {
    for (let i = 0; i < n; i++) out[i] = i;
    return n;
  }
  const logSkip = Math.log1p(-sampleRate); // ln(1 − q) < 0, accurate for small q
  let count = 0;
  let i = -1;
  for (;;) {
    const gap = Math.floor(Math.log(1 - random()) / logSkip);
    // gap can be huge (or +∞ for U → 0); compare before adding to stay in exact integers.
    if (!(gap < n - i - 1)) return count;
    i += gap + 1;
    out[count++] = i;
  }
}
