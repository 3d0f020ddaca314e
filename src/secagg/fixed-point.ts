/**
 * Fixed-point encoding of a weighted model update for additive masking, with the knobs and the
 * arithmetic of Flower's SecAgg+ (framework/py/flwr/common/secure_aggregation/quantization.py and
 * the client mod secaggplus_mod.py), so that settings carry across:
 *
 *  - the weight w (example count) becomes ratio = w / maxWeight, itself quantized to
 *    qRatio = round(ratio · quantizationRange) and sent as word 0 ("factor_combine"), so the
 *    server can divide the masked sum by Σ weights without seeing any one weight;
 *  - the update is multiplied by dqRatio = qRatio / quantizationRange, clipped to
 *    [−clippingRange, clippingRange], shifted and scaled to [0, quantizationRange] and
 *    stochastically rounded (ceil, minus one with probability ceil − x: unbiased);
 *  - words live in Z_modulusRange; modulusRange is a power of two ≤ 2^32 so words fit a
 *    Uint32Array and reduction is a bit mask.
 *
 * The sum over n sites is decoded as Flower's server does: Σq · 2c/T − n·c, divided by Σ qRatio/T.
 * Unlike Flower (which only logs a warning), a weight above maxWeight or a modulus too small for
 * n · quantizationRange is refused: either would silently wrap the sum modulo the modulus.
 */
import { SecAggConfigError } from './errors.js';

export interface FixedPointConfig {
  /** Values of weight-scaled updates are clipped to [−clippingRange, clippingRange]. Flower: 8.0. */
  clippingRange: number;
  /** Quantized values lie in [0, quantizationRange]. Flower: 2^22. */
  quantizationRange: number;
  /** Words (and masks) are integers mod modulusRange, a power of two ≤ 2^32. Flower: 2^32. */
  modulusRange: number;
  /** Largest weight (example count) a site may carry. Flower: 1000. */
  maxWeight: number;
}

export const FLOWER_FIXED_POINT_DEFAULTS: Readonly<FixedPointConfig> = Object.freeze({
  clippingRange: 8.0,
  quantizationRange: 2 ** 22,
  modulusRange: 2 ** 32,
  maxWeight: 1000,
});

/** log2(modulusRange): the bit width of one masked word. */
export function modulusBits(cfg: FixedPointConfig): number {
  return Math.round(Math.log2(cfg.modulusRange));
}

/** The mask for reduction mod modulusRange, as an int32 (−1 for 2^32: `x & -1` is x mod 2^32). */
export function modulusMask(cfg: FixedPointConfig): number {
  return cfg.modulusRange === 2 ** 32 ? -1 : cfg.modulusRange - 1;
}

/** Refuses settings under which the sum of `sites` encodings could wrap modulo modulusRange. */
export function validateFixedPointConfig(cfg: FixedPointConfig, sites: number): void {
  const problems: string[] = [];
  if (!(cfg.clippingRange > 0) || !Number.isFinite(cfg.clippingRange)) problems.push(`clippingRange: expected a finite number > 0, found ${cfg.clippingRange}`);
  if (!Number.isInteger(cfg.quantizationRange) || cfg.quantizationRange < 2) problems.push(`quantizationRange: expected an integer >= 2, found ${cfg.quantizationRange}`);
  const bits = Math.log2(cfg.modulusRange);
  if (!Number.isInteger(bits) || bits < 2 || bits > 32) problems.push(`modulusRange: expected a power of two between 2^2 and 2^32, found ${cfg.modulusRange}`);
  else if (cfg.modulusRange <= cfg.quantizationRange) problems.push(`modulusRange: expected more than quantizationRange (${cfg.quantizationRange}), found ${cfg.modulusRange}`);
  if (!(cfg.maxWeight > 0) || !Number.isFinite(cfg.maxWeight)) problems.push(`maxWeight: expected a finite number > 0, found ${cfg.maxWeight}`);
  // Each value word and the weight word lie in [0, T]; their sum over n sites must stay < M.
  if (problems.length === 0 && sites * cfg.quantizationRange >= cfg.modulusRange) {
    const need = Math.ceil(Math.log2(sites * cfg.quantizationRange + 1));
    problems.push(
      `modulusRange: ${sites} sites × quantizationRange ${cfg.quantizationRange} does not fit below modulusRange 2^${Math.round(bits)}; expected modulusRange >= 2^${need} (or a smaller quantizationRange)`,
    );
  }
  if (problems.length > 0) throw new SecAggConfigError(`secure aggregation fixed-point settings:\n  ${problems.join('\n  ')}`);
}

export interface EncodedUpdate {
  /** [qRatio, q_1 … q_d], each in [0, quantizationRange]. */
  words: Uint32Array;
  /** Coordinates whose weight-scaled value lay outside ±clippingRange and were saturated. */
  clippedCount: number;
  /** qRatio: the quantized weight ratio sent in word 0. */
  weightWord: number;
}

/** A source of uniforms in [0, 1) for stochastic rounding (unbiasedness, not secrecy, needs it). */
export interface UniformSource {
  uniform(): number;
}

/** The quantized weight ratio round(w / maxWeight · T), refusing weights the sum cannot hold. */
export function weightWord(weight: number, cfg: FixedPointConfig): number {
  if (!(weight > 0) || !Number.isFinite(weight)) throw new SecAggConfigError(`secure aggregation weight: expected a finite number > 0, found ${weight}`);
  if (weight > cfg.maxWeight) {
    throw new SecAggConfigError(`secure aggregation weight: ${weight} exceeds maxWeight ${cfg.maxWeight}; raise maxWeight to at least the largest site's example count`);
  }
  const q = Math.round((weight / cfg.maxWeight) * cfg.quantizationRange);
  if (q === 0) throw new SecAggConfigError(`secure aggregation weight: ${weight} rounds to 0 at maxWeight ${cfg.maxWeight} and quantizationRange ${cfg.quantizationRange}; lower maxWeight`);
  return q;
}

/** Encodes one site's update with its weight (Flower's `_collect_masked_vectors` before masking). */
export function encodeUpdate(update: ArrayLike<number>, weight: number, cfg: FixedPointConfig, rng: UniformSource): EncodedUpdate {
  const qRatio = weightWord(weight, cfg);
  const dqRatio = qRatio / cfg.quantizationRange;
  const c = cfg.clippingRange;
  const scale = cfg.quantizationRange / (2 * c);
  const words = new Uint32Array(update.length + 1);
  words[0] = qRatio;
  let clippedCount = 0;
  for (let i = 0; i < update.length; i++) {
    let x = update[i] * dqRatio;
    if (!Number.isFinite(x)) throw new SecAggConfigError(`secure aggregation input: update has a non-finite value (${update[i]}) at index ${i}`);
    if (x > c) {
      x = c;
      clippedCount++;
    } else if (x < -c) {
      x = -c;
      clippedCount++;
    }
    const pre = (x + c) * scale;
    let q = Math.ceil(pre);
    if (rng.uniform() < q - pre) q -= 1;
    words[i + 1] = q;
  }
  return { words, clippedCount, weightWord: qRatio };
}

export interface DecodedSum {
  /** Σ over summed sites of (qRatio/T) · maxWeight · clip(x · qRatio/T): the weighted sum in weight units. */
  weightedSum: Float64Array;
  /** Σ (qRatio/T) · maxWeight: the weights as the protocol carried them (rounded to maxWeight/T). */
  weightTotal: number;
  /** weightedSum / weightTotal: the FedAvg mean. */
  mean: Float64Array;
}

/** Decodes the unmasked sum of `sites` encodings (Flower's server `unmask_stage` after factor_extract). */
export function decodeSum(sumWords: Uint32Array, sites: number, cfg: FixedPointConfig): DecodedSum {
  const T = cfg.quantizationRange;
  const c = cfg.clippingRange;
  const qTotal = sumWords[0];
  const ratioTotal = qTotal / T;
  const step = (2 * c) / T;
  const offset = sites * c;
  const d = sumWords.length - 1;
  const weightedSum = new Float64Array(d);
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const r = sumWords[i + 1] * step - offset; // Σ dqRatio_u · clip(x_u)
    weightedSum[i] = r * cfg.maxWeight;
    mean[i] = r / ratioTotal;
  }
  return { weightedSum, weightTotal: ratioTotal * cfg.maxWeight, mean };
}

export interface QuantizationErrorBound {
  /** One quantum of a value: 2 · clippingRange / quantizationRange. */
  valueStep: number;
  /** |decoded mean − Σ dq_u clip(x_u dq_u)/Σ dq_u| < sites · valueStep / Σ dqRatio, per coordinate. */
  meanAbsErrorBound: number;
  /** The same bound on the weighted sum, in weight units (× maxWeight). */
  weightedSumAbsErrorBound: number;
}

/**
 * Stochastic rounding moves each site's value by less than one quantum (|error| < valueStep),
 * with mean zero; n sites therefore move the sum by less than n quanta. This bound excludes
 * clipping, which is reported separately as clippedCount, and the rounding of weights to
 * multiples of maxWeight/T, which changes the weights used (both in numerator and denominator),
 * not the accuracy of the average with those weights.
 */
export function quantizationErrorBound(cfg: FixedPointConfig, sites: number, weightTotal: number): QuantizationErrorBound {
  const valueStep = (2 * cfg.clippingRange) / cfg.quantizationRange;
  const ratioTotal = weightTotal / cfg.maxWeight;
  return {
    valueStep,
    meanAbsErrorBound: (sites * valueStep) / ratioTotal,
    weightedSumAbsErrorBound: sites * valueStep * cfg.maxWeight,
  };
}
