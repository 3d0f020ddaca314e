/**
 * The two views an auditor scores canaries from (higher score: "more likely included").
 *
 * Black box (the released model only): the negative loss of the canary under the final global
 * model — the loss-threshold attack of Yeom, Giacomelli, Fredrikson & Jha, "Privacy Risk in
 * Machine Learning: Analyzing the Connection to Overfitting", CSF 2018.
 *
 * Federated white box (an aggregator that sees each site's update every round): the alignment of
 * the canary's gradient with the site's update, summed over the rounds the site took part in —
 * the gradient-alignment test of Nasr, Hayes, Steinke, Balle, Tramèr, Jagielski, Carlini & Terzis,
 * "Tight Auditing of Differentially Private Machine Learning", USENIX Security 2023 (§4: the
 * auditor observes every intermediate update and scores a canary by how much each update moved
 * along it). A descent step moves the model along −∇ℓ(canary), so the score of round t is
 * cos(−∇ℓ(c; x_t), Δ_t), where x_t is the global model the site started from and Δ_t its update.
 */
import type { LabeledData, Model } from '../model/types.js';

/** −BCE of each row of `data` under `params` (rows in order). */
export function negativeLosses(model: Model, params: Float64Array, data: LabeledData): Float64Array {
  const p = model.predict(params, data);
  const out = new Float64Array(data.n);
  for (let i = 0; i < data.n; i++) {
    const q = data.y[i] === 1 ? p[i] : 1 - p[i];
    out[i] = Math.log(Math.max(q, 1e-300));
  }
  return out;
}

/** One round of the aggregator's view of a site: the global model it started from and its update. */
export interface ObservedRound {
  round: number;
  globalParams: Float64Array;
  /** y_k − x_t: what the site sent, as a step from the global model. */
  update: Float64Array;
}

/**
 * Σ_t cos(−∇ℓ(c; x_t), Δ_t) for every canary c (the data term of the loss only: the L2 penalty
 * is the same for every canary and would only add a shared offset).
 */
export function gradientAlignmentScores(model: Model, canaries: LabeledData, rounds: readonly ObservedRound[]): Float64Array {
  const out = new Float64Array(canaries.n);
  const grad = new Float64Array(model.paramCount);
  const row = new Uint32Array(1);
  const penalty = new Float64Array(model.paramCount);
  for (const r of rounds) {
    let updNorm = 0;
    for (let j = 0; j < r.update.length; j++) updNorm += r.update[j] * r.update[j];
    updNorm = Math.sqrt(updNorm);
    if (updNorm === 0) continue;
    penalty.fill(0);
    model.addPenaltyGradient?.(r.globalParams, penalty);
    for (let i = 0; i < canaries.n; i++) {
      row[0] = i;
      model.lossAndGrad(r.globalParams, canaries, row, 1, grad);
      let dot = 0;
      let gNorm = 0;
      for (let j = 0; j < grad.length; j++) {
        const g = grad[j] - penalty[j];
        dot -= g * r.update[j];
        gNorm += g * g;
      }
      if (gNorm > 0) out[i] += dot / (Math.sqrt(gNorm) * updNorm);
    }
  }
  return out;
}

/**
 * Σ_t ⟨−∇ℓ(c; x_t)/‖∇ℓ(c; x_t)‖, Δ_t⟩ for every canary c: the update's component along the
 * canary's (unit) gradient, not divided by the update's norm. For a Gaussian mechanism and a
 * known canary direction this projection is the likelihood-ratio statistic (Nasr et al. 2021,
 * "Adversary instantiation"); the multi-run audit compares it across runs, where the norm of the
 * rest of the update only adds variance.
 */
export function gradientProjectionScores(model: Model, canaries: LabeledData, rounds: readonly ObservedRound[]): Float64Array {
  const out = new Float64Array(canaries.n);
  const grad = new Float64Array(model.paramCount);
  const row = new Uint32Array(1);
  const penalty = new Float64Array(model.paramCount);
  for (const r of rounds) {
    penalty.fill(0);
    model.addPenaltyGradient?.(r.globalParams, penalty);
    for (let i = 0; i < canaries.n; i++) {
      row[0] = i;
      model.lossAndGrad(r.globalParams, canaries, row, 1, grad);
      let dot = 0;
      let gNorm = 0;
      for (let j = 0; j < grad.length; j++) {
        const g = grad[j] - penalty[j];
        dot -= g * r.update[j];
        gNorm += g * g;
      }
      if (gNorm > 0) out[i] += dot / Math.sqrt(gNorm);
    }
  }
  return out;
}
