/**
 * Site contribution from the recorded round updates, GTG-Shapley style (Liu et al., "GTG-Shapley:
 * Efficient and Accurate Participant Contribution Evaluation in Federated Learning", ACM TIST
 * 2022): a coalition's model in round t is reconstructed from that round's uploads, without
 * retraining, as the example-weighted average of its members' local models applied to the
 * round's global model,
 *   theta_t(S) = sum_{k in S} n_k y_k / sum_{k in S} n_k     (theta_{t-1} when S is empty),
 * and the round's value is the utility gain U(theta_t(S)) - U(theta_{t-1}). A round's Shapley
 * values are exact over all 2^n coalitions (n <= 10; GTG samples permutations, exact
 * enumeration is affordable here) and sum over rounds. U is the AUC on the pooled validation
 * rows. For FedAvg this reconstruction is the aggregation itself; for FedProx, SCAFFOLD and
 * server optimizers it is an approximation (the server step and control variates are ignored),
 * which `retrainedShapley` checks against exact retraining on small consortia.
 */
import { auc } from '../metrics/auc.js';
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

/** The utility: AUC on the validation rows (0.5 when undefined: a model no better than chance). */
export function validationUtility(model: Model, validation: LabeledData): (params: Float64Array) => number {
  return (params) => auc(validation.y, model.predict(params, validation)) ?? 0.5;
}

/** Reconstructed-coalition Shapley and leave-one-out, summed over the recorded rounds. */
export function reconstructedValues(siteIds: readonly string[], rounds: readonly RecordedRound[], utility: (params: Float64Array) => number): SiteValues {
  const n = siteIds.length;
  const index = new Map(siteIds.map((s, i) => [s, i]));
  const shapley = new Float64Array(n);
  const loo = new Float64Array(n);
  let total = 0;
  for (const r of rounds) {
    const base = utility(r.globalBefore);
    const d = r.globalBefore.length;
    const members = r.updates.map((u) => ({ i: index.get(u.clientId) as number, w: u.exampleCount, p: u.params }));
    const cache = new Map<number, number>();
    const v = coalitionValues(n, (mask) => {
      // Only participants count: a coalition's value depends on mask ∩ participants.
      let eff = 0;
      for (const m of members) if (mask & (1 << m.i)) eff |= 1 << m.i;
      const hit = cache.get(eff);
      if (hit !== undefined) return hit;
      let value = 0;
      if (eff !== 0) {
        const params = new Float64Array(d);
        let wsum = 0;
        for (const m of members) if (eff & (1 << m.i)) wsum += m.w;
        for (const m of members) {
          if (!(eff & (1 << m.i))) continue;
          const f = m.w / wsum;
          for (let j = 0; j < d; j++) params[j] += f * m.p[j];
        }
        value = utility(params) - base;
      }
      cache.set(eff, value);
      return value;
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
export function retrainedValues(opts: FederatedRunOptions, utility: (params: Float64Array) => number): SiteValues {
  const clients = [...opts.clients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const n = clients.length;
  const base = utility(opts.initialParams);
  const v = coalitionValues(n, (mask) => {
    if (mask === 0) return 0;
    const members = clients.filter((_, i) => mask & (1 << i));
    // Same number of participants per round as the full run would sample from these members.
    const run = runFederated({ ...opts, clients: members, clientFraction: Math.min(1, Math.max(opts.clientFraction, 1 / popcount(mask))) });
    return utility(run.params) - base;
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
