/**
 * A party's bottom model in split learning (Vepakomma et al. 2018, "Split learning for health",
 * §2 vertically partitioned configuration): the part of the network a party runs on its own
 * columns, whose outputs (activations, the "cut layer") it sends to the label holder.
 *
 * linear (hiddenUnits 0): one output a = w·x (no bias: the top model owns the one bias), so the
 * label holder's sum of the parties' outputs plus its bias is exactly a logistic regression on
 * all columns; weights start at 0 as in model/logistic.ts.
 * relu (hiddenUnits h > 0): a = ReLU(x·W + b) ∈ R^h, He-uniform weights U(±√(6/cols)), zero
 * biases, as model/mlp.ts initializes hidden ReLU layers. W is row-major [cols × h].
 */
import { axpy, dot } from '../model/logistic.js';

export class BottomModel {
  readonly outputs: number;
  readonly params: Float64Array;
  private readonly grad: Float64Array;
  private pre = new Float64Array(0);

  constructor(
    readonly cols: number,
    readonly hiddenUnits: number,
    random: () => number,
  ) {
    this.outputs = hiddenUnits > 0 ? hiddenUnits : 1;
    this.params = new Float64Array(hiddenUnits > 0 ? cols * hiddenUnits + hiddenUnits : cols);
    this.grad = new Float64Array(this.params.length);
    if (hiddenUnits > 0) {
      const limit = Math.sqrt(6 / Math.max(1, cols));
      for (let k = 0; k < cols * hiddenUnits; k++) this.params[k] = (2 * random() - 1) * limit;
    }
  }

  /**
   * out[k·outputs + o] = output o of row k of x (count rows, row-major, `cols` wide). Linear
   * outputs start from `start` (the label holder passes its top bias, so that one party alone
   * sums in exactly model/logistic.ts's order).
   */
  forward(x: Float64Array, count: number, out: Float64Array, start = 0): void {
    const c = this.cols;
    const h = this.hiddenUnits;
    const p = this.params;
    if (h === 0) {
      for (let k = 0; k < count; k++) out[k] = dot(p, x, k * c, c, 0, start);
      return;
    }
    if (this.pre.length < count * h) this.pre = new Float64Array(count * h);
    const pre = this.pre;
    const bias = c * h;
    for (let k = 0; k < count; k++) {
      const row = pre.subarray(k * h, k * h + h);
      row.set(p.subarray(bias, bias + h));
      for (let i = 0; i < c; i++) axpy(x[k * c + i], p, i * h, row, h);
      for (let o = 0; o < h; o++) out[k * h + o] = row[o] > 0 ? row[o] : 0;
    }
  }

  /**
   * One SGD step from the gradient of the objective with respect to this bottom's outputs for the
   * rows of the last forward(): gradOutputs[k·outputs + o], times `scale`.
   */
  backwardAndStep(x: Float64Array, count: number, gradOutputs: Float64Array, scale: number, learningRate: number): void {
    const c = this.cols;
    const h = this.hiddenUnits;
    const g = this.grad;
    g.fill(0);
    if (h === 0) {
      for (let k = 0; k < count; k++) axpy(gradOutputs[k], x, k * c, g, c);
    } else {
      const pre = this.pre;
      const delta = new Float64Array(h);
      for (let k = 0; k < count; k++) {
        for (let o = 0; o < h; o++) delta[o] = pre[k * h + o] > 0 ? gradOutputs[k * h + o] : 0;
        for (let i = 0; i < c; i++) {
          const xi = x[k * c + i];
          if (xi !== 0) axpy(xi, delta, 0, g.subarray(i * h, i * h + h), h);
        }
        axpy(1, delta, 0, g.subarray(c * h, c * h + h), h);
      }
    }
    // The order of model/logistic.ts then model/optimizer.ts Sgd: grad·scale, then p −= lr·grad.
    const p = this.params;
    for (let j = 0; j < p.length; j++) p[j] -= learningRate * (g[j] * scale);
  }
}
