/**
 * One entry point from a model spec (as a scenario or bench plan states it) to a Model, so that
 * callers never branch on kind or backend themselves.
 */
import type { Model } from './types.js';
import { LogisticRegression } from './logistic.js';
import { Mlp, type HiddenActivation } from './mlp.js';
import { TfjsModel, loadedTfjs } from './tfjs-backend.js';

export interface ModelSpec {
  kind: 'logistic' | 'mlp';
  featureCount: number;
  /** MLP only: widths of the 1 or 2 hidden layers (default [32]). */
  hiddenUnits?: number[];
  /** MLP only: hidden activation (default 'relu'). */
  activation?: HiddenActivation;
  /** L2 penalty strength λ on weights (biases excluded). */
  l2: number;
  /** 'js' (default): hand-written typed arrays. 'tfjs': needs `await loadTfjs()` first. */
  backend?: 'js' | 'tfjs';
}

export const DEFAULT_HIDDEN_UNITS: readonly number[] = [32];

export function createModel(spec: ModelSpec): Model {
  const layout = createTypedModel(spec);
  if ((spec.backend ?? 'js') === 'js') return layout;
  if (spec.backend !== 'tfjs') throw new RangeError(`unknown model backend '${String(spec.backend)}' (expected 'js' or 'tfjs')`);
  const tfjs = loadedTfjs();
  // createModel stays synchronous (it is called inside training loops' setup); loading tfjs is
  // the one asynchronous step and belongs to the caller.
  if (!tfjs) throw new Error("the 'tfjs' model backend needs `await loadTfjs()` before createModel");
  return new TfjsModel(tfjs, layout);
}

function createTypedModel(spec: ModelSpec): LogisticRegression | Mlp {
  switch (spec.kind) {
    case 'logistic':
      // A hidden-layer setting on a logistic model is a configuration mistake, not a no-op.
      if (spec.hiddenUnits !== undefined && spec.hiddenUnits.length > 0) {
        throw new RangeError('hiddenUnits applies to kind "mlp" only; a logistic model has no hidden layers');
      }
      return new LogisticRegression(spec.featureCount, spec.l2);
    case 'mlp':
      return new Mlp({
        featureCount: spec.featureCount,
        hiddenUnits: spec.hiddenUnits ?? DEFAULT_HIDDEN_UNITS,
        activation: spec.activation,
        l2: spec.l2,
      });
    default:
      throw new RangeError(`unknown model kind '${String((spec as { kind: unknown }).kind)}' (expected 'logistic' or 'mlp')`);
  }
}
