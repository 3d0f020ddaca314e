/**
 * Gaussian gradient perturbation against label leakage: the "noisy gradients" defence that Li et
 * al. (ICLR 2022, §5 and Figure 4) compare Marvell with. Before it returns a batch's cut-layer
 * gradients, the label holder adds independent N(0, σ²) noise to every coordinate of every row,
 * with σ = noiseMultiplier × the largest row norm among that batch's true gradients. Scaling by
 * the batch's own largest norm keeps the noise comparable to the signal as the gradients shrink
 * during training (a fixed σ would drown early epochs and vanish in late ones).
 *
 * What this is not: a differential-privacy guarantee for the labels (σ depends on the data, and
 * nothing is accounted); the experiment measures its effect empirically, as attack AUC.
 * The noise comes from a seeded stream (random/rng.ts) so that a run is reproducible; a deployment
 * would draw it from a cryptographic source.
 */
import type { Xoshiro128 } from '../random/rng.js';
import type { GradientDefence } from './split-learning.js';
import { verticalStream } from './streams.js';

export function gaussianGradientDefence(noiseMultiplier: number, seed: number): GradientDefence {
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) throw new RangeError(`leakageDefence.noiseMultiplier must be a finite number >= 0, got ${noiseMultiplier}`);
  const streams = new Map<number, Xoshiro128>();
  return (partyIndex, gradients, count, width) => {
    if (noiseMultiplier === 0) return;
    let stream = streams.get(partyIndex);
    if (!stream) streams.set(partyIndex, (stream = verticalStream(seed, `defence/${partyIndex}`)));
    let maxNorm = 0;
    for (let k = 0; k < count; k++) {
      let s = 0;
      for (let o = 0; o < width; o++) s += gradients[k * width + o] ** 2;
      if (s > maxNorm) maxNorm = s;
    }
    const sigma = noiseMultiplier * Math.sqrt(maxNorm);
    const noise = stream.normals(count * width);
    for (let i = 0; i < count * width; i++) gradients[i] += sigma * noise[i];
  };
}

export function describeGaussianDefence(noiseMultiplier: number): string {
  return `gaussian(noiseMultiplier=${noiseMultiplier})`;
}
