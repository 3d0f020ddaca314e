/**
 * Tiny models for the federated tests, independent of src/model/logistic.ts and mlp.ts.
 *
 * - Quadratic: each data row holds per-coordinate curvatures a and targets b, [a_1..a_P,
 *   b_1..b_P]; the loss over a batch is mean_rows ½·Σ_j a_j (w_j − b_j)². A client whose rows are
 *   all equal has optimum b and curvature a; with different curvatures across clients, FedAvg
 *   with several local steps drifts away from the global optimum Σ n_i a_i b_i / Σ n_i a_i.
 * - Logistic: d weights then a bias; mean binary cross-entropy plus (λ/2)·‖w‖².
 */
import type { LabeledData, Matrix, Model } from '../../src/model/types.js';
import { streamState, Xoshiro128 } from '../../src/random/rng.js';

export function quadraticModel(paramCount: number): Model {
  const P = paramCount;
  return {
    kind: 'logistic', // ModelKind has no 'quadratic'; the kind is not read by the federated layer
    featureCount: 2 * P,
    paramCount: P,
    l2: 0,
    init: (random) => {
      const p = new Float64Array(P);
      for (let j = 0; j < P; j++) p[j] = random();
      return p;
    },
    lossAndGrad(params, data, rows, count, gradOut) {
      gradOut.fill(0);
      let loss = 0;
      const d = data.d;
      for (let k = 0; k < count; k++) {
        const o = rows[k] * d;
        for (let j = 0; j < P; j++) {
          const a = data.x[o + j];
          const r = params[j] - data.x[o + P + j];
          loss += 0.5 * a * r * r;
          gradOut[j] += a * r;
        }
      }
      for (let j = 0; j < P; j++) gradOut[j] /= count;
      return loss / count;
    },
    predict(_params, data, out) {
      return out ?? new Float64Array(data.n);
    },
  };
}

/** n identical rows with curvature a and target b (plus optional per-row jitter on b). */
export function quadraticData(a: readonly number[], b: readonly number[], n: number, jitter = 0, seed = 0): LabeledData {
  const P = a.length;
  const d = 2 * P;
  const x = new Float64Array(n * d);
  const rng = new Xoshiro128(streamState(seed, 'quadratic-data'));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < P; j++) {
      x[i * d + j] = a[j];
      x[i * d + P + j] = b[j] + jitter * (rng.uniform() - 0.5);
    }
  }
  return { n, d, x, y: new Float64Array(n) };
}

/** The example-weighted global optimum of quadratic clients Σ n_i a_i b_i / Σ n_i a_i. */
export function quadraticOptimum(clients: readonly { a: readonly number[]; b: readonly number[]; n: number }[]): Float64Array {
  const P = clients[0].a.length;
  const out = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    let num = 0;
    let den = 0;
    for (const c of clients) {
      num += c.n * c.a[j] * c.b[j];
      den += c.n * c.a[j];
    }
    out[j] = num / den;
  }
  return out;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function logisticModel(featureCount: number, l2 = 0): Model {
  const d = featureCount;
  return {
    kind: 'logistic',
    featureCount: d,
    paramCount: d + 1,
    l2,
    init: (random) => {
      const p = new Float64Array(d + 1);
      for (let j = 0; j < d; j++) p[j] = (random() - 0.5) * 0.1;
      return p;
    },
    lossAndGrad(params, data, rows, count, gradOut) {
      gradOut.fill(0);
      let loss = 0;
      for (let k = 0; k < count; k++) {
        const i = rows[k];
        let z = params[d];
        for (let j = 0; j < d; j++) z += params[j] * data.x[i * d + j];
        const p = sigmoid(z);
        const y = data.y[i];
        loss += -(y * Math.log(Math.max(p, 1e-15)) + (1 - y) * Math.log(Math.max(1 - p, 1e-15)));
        const r = p - y;
        for (let j = 0; j < d; j++) gradOut[j] += r * data.x[i * d + j];
        gradOut[d] += r;
      }
      let penalty = 0;
      for (let j = 0; j <= d; j++) gradOut[j] /= count;
      for (let j = 0; j < d; j++) {
        gradOut[j] += l2 * params[j];
        penalty += 0.5 * l2 * params[j] * params[j];
      }
      return loss / count + penalty;
    },
    predict(params, data: Matrix, out) {
      const res = out ?? new Float64Array(data.n);
      for (let i = 0; i < data.n; i++) {
        let z = params[d];
        for (let j = 0; j < d; j++) z += params[j] * data.x[i * d + j];
        res[i] = sigmoid(z);
      }
      return res;
    },
  };
}

/** A site's logistic data: features N(shift, 1), labels from a fixed true model with a site offset. */
export function logisticData(n: number, d: number, seed: number, shift = 0): LabeledData {
  const rng = new Xoshiro128(streamState(seed, 'logistic-data'));
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = -0.3 + shift;
    for (let j = 0; j < d; j++) {
      const v = rng.normal() + shift;
      x[i * d + j] = v;
      z += (j % 2 === 0 ? 1 : -0.5) * v;
    }
    y[i] = rng.uniform() < sigmoid(z) ? 1 : 0;
  }
  return { n, d, x, y };
}

/** Bit-level equality of float vectors (distinguishes −0 and +0, equates NaN payloads' bits). */
export function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let k = 0; k < ua.length; k++) if (ua[k] !== ub[k]) return false;
  return true;
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j] - b[j]));
  return m;
}
