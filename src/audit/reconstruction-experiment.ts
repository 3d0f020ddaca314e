/**
 * The reconstruction grid of the audit: for each batch size B and local step count S, victim
 * updates produced by the product's own trainers (model/train.ts minibatch SGD with the batch as
 * the whole local data set; privacy/dp-sgd.ts with q = 1 for the DP view) from the global model,
 * then attacked (reconstruction.ts) in three views: the site's plain update, the secure-
 * aggregation view (only the mean over every site's update is seen) and the DP update.
 */
import { createOptimizer } from '../model/optimizer.js';
import { trainLocal } from '../model/train.js';
import type { LabeledData, Model } from '../model/types.js';
import type { GaussianNoise } from '../privacy/noise-types.js';
import { trainDpSgd } from '../privacy/dp-sgd.js';
import { selectRows } from './canaries.js';
import { optimizationAttack, reconstructSingleExample, reconstructedFraction, type LogisticTraining } from './reconstruction.js';
import type { ReconstructionCell, ReconstructionRecord } from './types.js';

export interface ReconstructionSetup {
  model: Model;
  /** The target site's training rows, and the other sites' (the secure-aggregation view sums their updates too). */
  target: { id: string; data: LabeledData };
  others: LabeledData[];
  globalParams: Float64Array;
  learningRate: number;
  dp: { noiseMultiplier: number; clipNorm: number };
  batchSizes: readonly number[];
  localSteps: readonly number[];
  tolerance: number;
  trials: number;
  random: () => number;
  normal: () => number;
  noise: GaussianNoise;
}

function sample(data: LabeledData, B: number, random: () => number): LabeledData {
  const idx = Array.from({ length: data.n }, (_, i) => i);
  for (let i = 0; i < Math.min(B, data.n); i++) {
    const j = i + Math.floor(random() * (data.n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return selectRows(data, idx.slice(0, Math.min(B, data.n)));
}

function plainUpdate(s: ReconstructionSetup, batch: LabeledData, steps: number): Float64Array {
  const params = Float64Array.from(s.globalParams);
  trainLocal(s.model, params, batch, { batchSize: batch.n, steps, optimizer: createOptimizer({ kind: 'sgd', learningRate: s.learningRate }), random: s.random });
  return params.map((v, j) => v - s.globalParams[j]);
}

function dpUpdate(s: ReconstructionSetup, batch: LabeledData, steps: number): Float64Array {
  const params = Float64Array.from(s.globalParams);
  trainDpSgd(s.model, params, batch, {
    sampleRate: 1,
    noiseMultiplier: s.dp.noiseMultiplier,
    clipNorm: s.dp.clipNorm,
    steps,
    optimizer: createOptimizer({ kind: 'sgd', learningRate: s.learningRate }),
    random: s.random,
    noise: s.noise,
  });
  return params.map((v, j) => v - s.globalParams[j]);
}

export function reconstructionExperiment(s: ReconstructionSetup): ReconstructionRecord {
  const t: LogisticTraining = { featureCount: s.model.featureCount, learningRate: s.learningRate, l2: s.model.l2 };
  const cells: ReconstructionCell[] = [];
  for (const B of s.batchSizes) {
    if (B > s.target.data.n) continue;
    for (const S of s.localSteps) {
      for (const view of ['plain', 'secure-aggregation', 'dp'] as const) {
        let fraction = 0;
        let recovered = 0;
        let labels = 0;
        for (let trial = 0; trial < s.trials; trial++) {
          const batch = sample(s.target.data, B, s.random);
          let observed: Float64Array;
          if (view === 'dp') observed = dpUpdate(s, batch, S);
          else observed = plainUpdate(s, batch, S);
          if (view === 'secure-aggregation') {
            // The server sees only the mean of every site's update (equal weights: each trained B records).
            const sum = Float64Array.from(observed);
            for (const other of s.others) {
              const u = plainUpdate(s, sample(other, B, s.random), S);
              for (let j = 0; j < sum.length; j++) sum[j] += u[j];
            }
            observed = sum.map((v) => v / (1 + s.others.length));
          }
          let x: Float64Array;
          if (B === 1) {
            const r = reconstructSingleExample(observed, s.globalParams, t);
            x = r.x;
            if (r.label === batch.y[0]) labels++;
          } else {
            x = optimizationAttack(observed, batch.y, s.globalParams, S, t, { restarts: 3, iterations: 250, stepSize: 0.05, normal: s.normal }).x;
          }
          fraction += reconstructedFraction(batch, x, s.tolerance) / s.trials;
          recovered += recordsWithin(batch, x, s.tolerance);
        }
        cells.push({
          batchSize: B,
          localSteps: S,
          view,
          method: B === 1 ? 'exact' : 'optimization',
          trials: s.trials,
          fractionWithinTolerance: fraction,
          recordsRecovered: recovered,
          records: s.trials * B,
          labelsRecovered: B === 1 ? labels : null,
        });
      }
    }
  }
  return {
    site: s.target.id,
    tolerance: s.tolerance,
    learningRate: s.learningRate,
    l2: s.model.l2,
    noiseMultiplier: s.dp.noiseMultiplier,
    clipNorm: s.dp.clipNorm,
    secureAggregationSites: 1 + s.others.length,
    cells,
    notes: [
      'victim: plain SGD on a batch of B training records of the site for S full-batch steps from the global model (the DP view: DP-SGD with q = 1, the same σ and clip norm)',
      'B = 1: exact attack x = Δw/Δb (label from the sign of Δb); B > 1: gradient matching (TabLeak-style), labels known to the attacker, 3 random starts',
    ],
  };
}

/** Records whose every feature the greedy pairing puts within tolerance. */
function recordsWithin(truth: LabeledData, x: Float64Array, tolerance: number): number {
  let count = 0;
  const d = truth.d;
  const used = new Set<number>();
  for (let i = 0; i < truth.n; i++) {
    for (let k = 0; k < truth.n; k++) {
      if (used.has(k)) continue;
      let ok = true;
      for (let j = 0; j < d && ok; j++) ok = Math.abs(truth.x[i * d + j] - x[k * d + j]) <= tolerance;
      if (ok) {
        used.add(k);
        count++;
        break;
      }
    }
  }
  return count;
}
