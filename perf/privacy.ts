/**
 * Privacy accounting and noise speed: `npm run perf:privacy`.
 * Prints, for the RDP accountant over Opacus's 151 default orders: the first ε of a new (σ, q)
 * pair (the series for fractional orders, cold), a repeat of the same query (memoized per-step
 * RDP: what the bench pays per round), a noise calibration, and Gaussian noise throughput of the
 * secure (node:crypto) and seeded sources. Medians over runs; the machine is shared, so noisy.
 */
import { epsilonOfHistory } from '../src/privacy/accountant/accountant.js';
import { noiseMultiplierFor } from '../src/privacy/accountant/calibrate.js';
import { SecureGaussianSource, SeededGaussianSource } from '../src/privacy/secure-noise.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn: () => void, runs: number): number {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const rows: [string, string][] = [];
// Warm the JIT on an unrelated pair so "cold" below measures the series, not compilation.
epsilonOfHistory([{ noiseMultiplier: 0.97, sampleRate: 0.013, steps: 10 }], 1e-5);

const pairs: [number, number][] = [[1.5, 0.04], [1.1, 256 / 60000], [0.7, 0.01], [3, 0.2]];
for (const [sigma, q] of pairs) {
  // A fresh, never-seen σ for each cold run (σ + tiny offset), so the memo cannot answer.
  let k = 0;
  const cold = time(() => void epsilonOfHistory([{ noiseMultiplier: sigma + 1e-9 * ++k, sampleRate: q, steps: 1000 }], 1e-5), 5);
  const warm = time(() => void epsilonOfHistory([{ noiseMultiplier: sigma, sampleRate: q, steps: 1000 }], 1e-5), 200);
  rows.push([`ε, 1 history entry, σ=${sigma}, q=${q.toPrecision(3)}: first / repeated`, `${cold.toFixed(2)} ms / ${(warm * 1000).toFixed(1)} µs`]);
}
// q nudged per run so that every σ the bisection visits is new to the memo (a cold calibration).
let c = 0;
const cal = time(() => void noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, sampleRate: 0.04 + 1e-12 * ++c, steps: 2250 }), 3);
rows.push(['calibration ε=8, δ=1e-5, q=0.04, 2250 steps (12 ε evaluations, cold)', `${cal.toFixed(1)} ms`]);

const n = 1_000_000;
const buf = new Float64Array(n);
const secure = new SecureGaussianSource();
const seeded = new SeededGaussianSource(1);
secure.fillGaussian(buf, 1);
seeded.fillGaussian(buf, 1);
const tSecure = time(() => secure.addGaussian(buf, 1), 7);
const tSeeded = time(() => seeded.addGaussian(buf, 1), 7);
rows.push(['Gaussian noise, secure (node:crypto + Box-Muller)', `${(n / tSecure / 1000).toFixed(1)} M draws/s`]);
rows.push(['Gaussian noise, seeded (xoshiro128** ziggurat, NOT secure)', `${(n / tSeeded / 1000).toFixed(1)} M draws/s`]);

const width = Math.max(...rows.map((r) => r[0].length));
for (const [what, figure] of rows) process.stdout.write(`${what.padEnd(width)}  ${figure}\n`);
