/**
 * Record reconstruction from one site's update: what an aggregator without secure aggregation
 * learns from a single upload of a logistic-regression site.
 *
 * Exact attack (one example): the gradient of BCE at (x, y) is r·[x; 1] with r = σ(w·x + b) − y,
 * so after one SGD step Δ = −η(r·[x; 1] + λ[w; 0]) and x_j = (Δ_j/(−η) − λw_j) / r, r = Δ_b/(−η)
 * (with λ = 0 simply x = Δ_w / Δ_b, for any number of full-batch steps on that one example, each
 * step adding a multiple of [x; 1]). The sign of r gives the label. This is the observation of
 * Phong et al. 2018 ("Privacy-preserving deep learning via additively homomorphic encryption",
 * §3.1) and the reason secure aggregation exists.
 *
 * Optimization attack (batches, several local steps): gradient matching in the manner of TabLeak
 * (Vero, Balunović, Dimitrov & Vechev, "TabLeak: Tabular Data Leakage in Federated Learning",
 * ICML 2023) and FedAvg inversion (Dimitrov et al. 2022): with the labels known, find B records
 * whose simulated local training (S full-batch plain-SGD steps from the global model) reproduces
 * the observed update, minimizing ‖Δ(X̂) − Δ‖²/‖Δ‖² by Adam with the exact reverse-mode
 * gradient through the S steps, from several random starts (the best match wins). Records are
 * then paired with the truth by greedy nearest matching and a feature counts as reconstructed
 * when within `tolerance` (standardized units) of its true value.
 */
import type { LabeledData } from '../model/types.js';

/** The attacker's knowledge of a logistic site's local training: plain SGD, learning rate η, L2 strength λ, full batch. */
export interface LogisticTraining {
  featureCount: number;
  learningRate: number;
  l2: number;
}

export interface ExactReconstruction {
  x: Float64Array;
  /** The label the residual's sign implies (null when the update carries no signal). */
  label: 0 | 1 | null;
}

/** One example, one or more full-batch SGD steps (λ = 0) or one step (λ > 0): the record from the update alone. */
export function reconstructSingleExample(update: Float64Array, globalParams: Float64Array, t: LogisticTraining): ExactReconstruction {
  const d = t.featureCount;
  const db = update[d];
  const x = new Float64Array(d);
  if (db === 0) return { x: x.fill(Number.NaN), label: null };
  if (t.l2 === 0) {
    for (let j = 0; j < d; j++) x[j] = update[j] / db;
  } else {
    const r = -db / t.learningRate;
    for (let j = 0; j < d; j++) x[j] = (-update[j] / t.learningRate - t.l2 * globalParams[j]) / r;
  }
  // Δ_b = −η·r·steps… so Δ_b > 0 ⇔ r < 0 ⇔ y = 1.
  return { x, label: db > 0 ? 1 : 0 };
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** θ_S − θ_0 after S full-batch plain-SGD steps on (X, y) from θ_0, as the attacker simulates it (and its intermediate states). */
export function simulateUpdate(X: Float64Array, y: ArrayLike<number>, theta0: Float64Array, steps: number, t: LogisticTraining): { update: Float64Array; states: Float64Array[] } {
  const d = t.featureCount;
  const B = y.length;
  const states: Float64Array[] = [Float64Array.from(theta0)];
  let theta = Float64Array.from(theta0);
  for (let s = 0; s < steps; s++) {
    const g = new Float64Array(d + 1);
    for (let i = 0; i < B; i++) {
      let z = theta[d];
      for (let j = 0; j < d; j++) z += theta[j] * X[i * d + j];
      const r = sigmoid(z) - y[i];
      for (let j = 0; j < d; j++) g[j] += r * X[i * d + j];
      g[d] += r;
    }
    const next = new Float64Array(d + 1);
    for (let j = 0; j < d; j++) next[j] = theta[j] - t.learningRate * (g[j] / B + t.l2 * theta[j]);
    next[d] = theta[d] - t.learningRate * (g[d] / B);
    theta = next;
    states.push(theta);
  }
  const update = new Float64Array(d + 1);
  for (let j = 0; j <= d; j++) update[j] = theta[j] - theta0[j];
  return { update, states };
}

/** L(X̂) = ‖Δ(X̂) − Δ‖²/‖Δ‖² and its gradient in X̂ (reverse mode through the S steps). */
export function matchingLossAndGrad(X: Float64Array, y: ArrayLike<number>, theta0: Float64Array, steps: number, observed: Float64Array, t: LogisticTraining, gradOut: Float64Array): number {
  const d = t.featureCount;
  const B = y.length;
  const { update, states } = simulateUpdate(X, y, theta0, steps, t);
  let norm = 0;
  for (let j = 0; j <= d; j++) norm += observed[j] * observed[j];
  norm = norm || 1;
  let loss = 0;
  const a = new Float64Array(d + 1);
  for (let j = 0; j <= d; j++) {
    const diff = update[j] - observed[j];
    loss += (diff * diff) / norm;
    a[j] = (2 * diff) / norm;
  }
  gradOut.fill(0);
  const eta = t.learningRate;
  for (let s = steps - 1; s >= 0; s--) {
    const th = states[s];
    const gzSum = new Float64Array(d + 1);
    for (let i = 0; i < B; i++) {
      let z = th[d];
      for (let j = 0; j < d; j++) z += th[j] * X[i * d + j];
      const p = sigmoid(z);
      const r = p - y[i];
      let ax = a[d];
      for (let j = 0; j < d; j++) ax += a[j] * X[i * d + j];
      const c = (-eta / B) * ax; // ∂L/∂r_i
      const gz = c * p * (1 - p); // ∂L/∂z_i
      for (let j = 0; j < d; j++) {
        gradOut[i * d + j] += (-eta / B) * r * a[j] + gz * th[j];
        gzSum[j] += gz * X[i * d + j];
      }
      gzSum[d] += gz;
    }
    for (let j = 0; j < d; j++) a[j] = (1 - eta * t.l2) * a[j] + gzSum[j];
    a[d] = a[d] + gzSum[d];
  }
  return loss;
}

export interface OptimizationAttackOptions {
  restarts: number;
  iterations: number;
  /** Adam step size in standardized feature units. */
  stepSize: number;
  /** Standard normal draws for the random starts (standardized features). */
  normal: () => number;
}

/** The B records (row-major) whose simulated update best matches `observed`, labels known. */
export function optimizationAttack(observed: Float64Array, labels: ArrayLike<number>, theta0: Float64Array, steps: number, t: LogisticTraining, o: OptimizationAttackOptions): { x: Float64Array; loss: number } {
  const d = t.featureCount;
  const size = labels.length * d;
  let best = { x: new Float64Array(size), loss: Infinity };
  const grad = new Float64Array(size);
  for (let restart = 0; restart < o.restarts; restart++) {
    const X = new Float64Array(size);
    for (let k = 0; k < size; k++) X[k] = o.normal();
    const m = new Float64Array(size);
    const v = new Float64Array(size);
    let loss = Infinity;
    for (let it = 1; it <= o.iterations; it++) {
      loss = matchingLossAndGrad(X, labels, theta0, steps, observed, t, grad);
      for (let k = 0; k < size; k++) {
        m[k] = 0.9 * m[k] + 0.1 * grad[k];
        v[k] = 0.999 * v[k] + 0.001 * grad[k] * grad[k];
        const mh = m[k] / (1 - 0.9 ** it);
        const vh = v[k] / (1 - 0.999 ** it);
        X[k] -= (o.stepSize * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    loss = matchingLossAndGrad(X, labels, theta0, steps, observed, t, grad);
    if (loss < best.loss) best = { x: X, loss };
  }
  return best;
}

/**
 * Fraction of true feature values reconstructed within `tolerance`, after pairing each true
 * record with a distinct reconstructed one greedily by Euclidean distance (closest pairs first).
 */
export function reconstructedFraction(truth: LabeledData, reconstructed: Float64Array, tolerance: number): number {
  const { n: B, d } = truth;
  const pairs: { i: number; k: number; dist: number }[] = [];
  for (let i = 0; i < B; i++) {
    for (let k = 0; k < B; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (truth.x[i * d + j] - reconstructed[k * d + j]) ** 2;
      pairs.push({ i, k, dist: Number.isNaN(s) ? Infinity : s });
    }
  }
  pairs.sort((a, b) => a.dist - b.dist || a.i - b.i || a.k - b.k);
  const usedT = new Set<number>();
  const usedR = new Set<number>();
  let within = 0;
  for (const p of pairs) {
    if (usedT.has(p.i) || usedR.has(p.k)) continue;
    usedT.add(p.i);
    usedR.add(p.k);
    for (let j = 0; j < d; j++) if (Math.abs(truth.x[p.i * d + j] - reconstructed[p.k * d + j]) <= tolerance) within++;
  }
  return B * d > 0 ? within / (B * d) : 0;
}
