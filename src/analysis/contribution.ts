/**
 * Site contribution from the recorded round updates, GTG-Shapley style (Liu et al., "GTG-Shapley:
 * Efficient and Accurate Participant Contribution Evaluation in Federated Learning", ACM TIST
 * 2022): a coalition's model in round t is reconstructed from that round's uploads, without
 * retraining, as the example-weighted average of its members' local models applied to the
 * round's global model,
 *   theta_t(S) = sum_{k in S} n_k y_k / sum_{k in S} n_k     (theta_{t-1} when S is empty),
 * and the round's value is the utility gain U(theta_t(S)) - U(theta_{t-1}). A round's Shapley
 * values are exact over all 2^n coalitions (n <= 10; GTG samples permutations, exact
 * enumeration is affordable here) and sum over rounds. U is minus the mean log-loss on the
 * pooled validation rows (validationUtility). For FedAvg this reconstruction is the aggregation itself; for FedProx, SCAFFOLD and
 * server optimizers it is an approximation (the server step and control variates are ignored),
 * which `retrainedShapley` checks against exact retraining on small consortia.
 */
import type { LabeledData, Model } from '../model/types.js';
import { runFederated } from '../federated/run-federated.js';
import type { FederatedRunOptions } from '../federated/types.js';
import { coalitionValues, leaveOneOutFromValues, popcount, shapleyFromValues } from './shapley.js';

/** One round as the observer recorded it: the global model before, and each participant's upload. */
export interface RecordedRound {
  round: number;
  globalBefore: Float64Array;
  updates: { clientId: string; exampleCount: number; params: Float64Array }[];
}

export interface SiteValues {
  sites: string[];
  shapley: number[];
  leaveOneOut: number[];
  /** v(all sites) - v(no site): the efficiency total the Shapley values add up to. */
  total: number;
}

/**
 * The utility of a model: minus the mean log-loss on the validation rows (higher is better), so
 * a coalition's value is the validation loss it removes. Log-loss, not AUC: it is linear-time
 * (1,024 coalitions per round on ten sites), and it rewards calibrated risks as well as ranking.
 * For a logistic model the scores are linear in the parameters, so a coalition's logits are the
 * weighted mean of its members' logits: `linear` evaluates coalitions from those.
 */
export interface Utility {
  ofParams(params: Float64Array): number;
  linear?: { logits(params: Float64Array): Float64Array; ofLogits(z: Float64Array): number };
}

/** Mean log-loss of labels y at logits z, computed stably: log(1 + exp(-(2y - 1) z)). */
export function meanLogLossOfLogits(y: Float64Array, z: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const m = y[i] === 1 ? -z[i] : z[i];
    sum += m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
  }
  return sum / Math.max(1, y.length);
}

export function validationUtility(model: Model, validation: LabeledData): Utility {
  const { y } = validation;
  const ofParams = (params: Float64Array) => {
    const p = model.predict(params, validation);
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum -= y[i] === 1 ? Math.log(p[i]) : Math.log1p(-p[i]);
    return -(sum / Math.max(1, y.length));
  };
  if (model.kind !== 'logistic' || model.paramCount !== validation.d + 1) return { ofParams };
  const { n, d, x } = validation;
  const logits = (params: Float64Array) => {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = params[d];
      const o = i * d;
      for (let j = 0; j < d; j++) s += params[j] * x[o + j];
      z[i] = s;
    }
    return z;
  };
  return { ofParams, linear: { logits, ofLogits: (z) => -meanLogLossOfLogits(y, z) } };
}

/** Value of every subset of the round's participants (indexed by participant bits), relative to the round's start. */
function participantValues(r: RecordedRound, utility: Utility): Float64Array {
  const m = r.updates.length;
  const out = new Float64Array(1 << m);
  const weights = r.updates.map((u) => u.exampleCount);
  if (utility.linear) {
    const { logits, ofLogits } = utility.linear;
    const base = ofLogits(logits(r.globalBefore));
    const z = r.updates.map((u) => logits(u.params));
    const rows = z.length ? z[0].length : 0;
    // Gray-code walk: each step adds or removes one member's weighted logits.
    const sum = new Float64Array(rows);
    const mean = new Float64Array(rows);
    let wsum = 0;
    let prev = 0;
    for (let k = 1; k < 1 << m; k++) {
      const gray = k ^ (k >> 1);
      const bit = 31 - Math.clz32(gray ^ prev);
      const sign = gray & (1 << bit) ? 1 : -1;
      const w = weights[bit];
      const zb = z[bit];
      for (let i = 0; i < rows; i++) sum[i] += sign * w * zb[i];
      wsum += sign * w;
      for (let i = 0; i < rows; i++) mean[i] = sum[i] / wsum;
      out[gray] = ofLogits(mean) - base;
      prev = gray;
    }
    return out;
  }
  const base = utility.ofParams(r.globalBefore);
  const d = r.globalBefore.length;
  for (let mask = 1; mask < 1 << m; mask++) {
    const params = new Float64Array(d);
    let wsum = 0;
    for (let k = 0; k < m; k++) if (mask & (1 << k)) wsum += weights[k];
    for (let k = 0; k < m; k++) {
      if (!(mask & (1 << k))) continue;
      const f = weights[k] / wsum;
      const p = r.updates[k].params;
      for (let j = 0; j < d; j++) params[j] += f * p[j];
    }
    out[mask] = utility.ofParams(params) - base;
  }
  return out;
}

/** Reconstructed-coalition Shapley and leave-one-out, summed over the recorded rounds. */
export function reconstructedValues(siteIds: readonly string[], rounds: readonly RecordedRound[], utility: Utility): SiteValues {
  const n = siteIds.length;
  const index = new Map(siteIds.map((s, i) => [s, i]));
  const shapley = new Float64Array(n);
  const loo = new Float64Array(n);
  let total = 0;
  for (const r of rounds) {
    const pv = participantValues(r, utility);
    const bits = r.updates.map((u) => index.get(u.clientId) as number);
    // A coalition's value depends on its participants only: map site masks to participant masks.
    const v = coalitionValues(n, (mask) => {
      let eff = 0;
      for (let k = 0; k < bits.length; k++) if (mask & (1 << bits[k])) eff |= 1 << k;
      return pv[eff];
    });
    const phi = shapleyFromValues(n, v);
    const l = leaveOneOutFromValues(n, v);
    for (let i = 0; i < n; i++) {
      shapley[i] += phi[i];
      loo[i] += l[i];
    }
    total += v[(1 << n) - 1];
  }
  return { sites: [...siteIds], shapley: Array.from(shapley), leaveOneOut: Array.from(loo), total };
}

/**
 * Exact Shapley by retraining: the federated run repeated on every non-empty coalition of
 * sites (2^n - 1 runs, same seed and settings), v(S) = U(final model of S) - U(initial model).
 * Only for small consortia: it is the check of the reconstruction, not the estimator.
 */
export function retrainedValues(opts: FederatedRunOptions, utility: Utility): SiteValues {
  const clients = [...opts.clients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const n = clients.length;
  const base = utility.ofParams(opts.initialParams);
  const v = coalitionValues(n, (mask) => {
    if (mask === 0) return 0;
    const members = clients.filter((_, i) => mask & (1 << i));
    // Same number of participants per round as the full run would sample from these members.
    const run = runFederated({ ...opts, clients: members, clientFraction: Math.min(1, Math.max(opts.clientFraction, 1 / popcount(mask))) });
    return utility.ofParams(run.params) - base;
  });
  return {
    sites: clients.map((c) => c.id),
    shapley: Array.from(shapleyFromValues(n, v)),
    leaveOneOut: Array.from(leaveOneOutFromValues(n, v)),
    total: v[(1 << n) - 1],
  };
}

/** Spearman rank correlation of two value vectors (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (x: readonly number[]) => {
    const idx = x.map((_, i) => i).sort((i, j) => x[i] - x[j]);
    const r = new Float64Array(x.length);
    for (let k = 0; k < idx.length; ) {
      let e = k;
      while (e + 1 < idx.length && x[idx[e + 1]] === x[idx[k]]) e++;
      for (let m = k; m <= e; m++) r[idx[m]] = (k + e) / 2;
      k = e + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}
