/**
 * First-order optimizers over flat parameter vectors, in place. The update rules follow
 * PyTorch's `torch.optim.SGD` (momentum buffer b ← μb + g; p ← p − lr·b) and `torch.optim.Adam`
 * (Kingma & Ba 2015, Algorithm 1 with bias correction), so that FLamby's protocol (Adam, lr 1e-3)
 * means the same thing here as there.
 */
import type { Optimizer, OptimizerConfig } from './types.js';

export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private momentumBuffer: Float64Array | null = null;
  constructor(
    readonly learningRate: number,
    readonly momentum = 0,
  ) {}

  step(params: Float64Array, grad: Float64Array): void {
    const lr = this.learningRate;
    if (this.momentum === 0) {
      for (let j = 0; j < params.length; j++) params[j] -= lr * grad[j];
      return;
    }
    // PyTorch initializes the buffer with the first gradient (no dampening).
    if (!this.momentumBuffer) {
      this.momentumBuffer = grad.slice();
    } else {
      const b = this.momentumBuffer;
      for (let j = 0; j < b.length; j++) b[j] = this.momentum * b[j] + grad[j];
    }
    const b = this.momentumBuffer;
    for (let j = 0; j < params.length; j++) params[j] -= lr * b[j];
  }

  reset(): void {
    this.momentumBuffer = null;
  }
}

export class Adam implements Optimizer {
  readonly name = 'adam';
  private m: Float64Array | null = null;
  private v: Float64Array | null = null;
  private t = 0;
  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {}

  step(params: Float64Array, grad: Float64Array): void {
    if (!this.m || !this.v) {
      this.m = new Float64Array(params.length);
      this.v = new Float64Array(params.length);
    }
    const m = this.m;
    const v = this.v;
    this.t++;
    const { beta1, beta2, epsilon } = this;
    const biasCorrection1 = 1 - beta1 ** this.t;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    const stepSize = this.learningRate / biasCorrection1;
    for (let j = 0; j < params.length; j++) {
      const g = grad[j];
      m[j] = beta1 * m[j] + (1 - beta1) * g;
      v[j] = beta2 * v[j] + (1 - beta2) * g * g;
      // PyTorch: denom = sqrt(v)/sqrt(bc2) + eps; p -= (lr/bc1)·m/denom
      params[j] -= (stepSize * m[j]) / (Math.sqrt(v[j]) / biasCorrection2Sqrt + epsilon);
    }
  }

  reset(): void {
    this.m = null;
    this.v = null;
    this.t = 0;
  }
}

export function createOptimizer(config: OptimizerConfig): Optimizer {
  if (!(config.learningRate > 0)) throw new RangeError(`learning rate must be > 0, got ${config.learningRate}`);
  switch (config.kind) {
    case 'sgd':
      return new Sgd(config.learningRate, config.momentum ?? 0);
    case 'adam':
      return new Adam(config.learningRate, config.beta1, config.beta2, config.epsilon);
  }
}
