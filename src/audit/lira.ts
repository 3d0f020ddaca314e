/**
 * Offline LiRA: Carlini, Chien, Nasr, Song, Terzis & Tramèr, "Membership Inference Attacks From
 * First Principles", IEEE S&P 2022, Algorithm 1 (offline variant, §VI-C) with the global
 * ("fixed") variance of §VI-D, which they recommend when there are few shadow models.
 *
 * The statistic of a record (x, y) under a model f is the logit-scaled confidence
 * φ = log(p / (1 − p)), p = f(x)_y (the probability of the label it was trained with). Shadow
 * models trained WITHOUT the record give its "out" distribution N(μ_out, σ²); the offline test
 * asks how far above that distribution the target model's φ lies: score = (φ − μ_out)/σ (a
 * monotone transform of the one-sided likelihood test 1 − Φ(...), so ROC/AUC are the same).
 */

/** φ = log(p / (1 − p)) of the label's probability, clamped away from 0 and 1 (Carlini et al. clamp too). */
export function logitConfidence(probabilityOfOne: number, label: number): number {
  const p = label === 1 ? probabilityOfOne : 1 - probabilityOfOne;
  const c = Math.min(1 - 1e-12, Math.max(1e-12, p));
  return Math.log(c) - Math.log1p(-c);
}

/**
 * Scores of m records: `target[i]` is φ_i under the attacked model, `shadows[s][i]` φ_i under
 * shadow s (no shadow trained on record i). σ is pooled over all records and shadows.
 */
export function offlineLiraScores(target: ArrayLike<number>, shadows: readonly ArrayLike<number>[]): Float64Array {
  const m = target.length;
  const S = shadows.length;
  if (S < 2) throw new RangeError(`offline LiRA needs at least 2 shadow models, got ${S}`);
  const mean = new Float64Array(m);
  for (const sh of shadows) {
    if (sh.length !== m) throw new RangeError(`shadow scores have ${sh.length} records, the target ${m}`);
    for (let i = 0; i < m; i++) mean[i] += sh[i] / S;
  }
  let ss = 0;
  for (const sh of shadows) for (let i = 0; i < m; i++) ss += (sh[i] - mean[i]) ** 2;
  const sd = Math.sqrt(ss / Math.max(1, m * (S - 1))) || 1e-12;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) out[i] = (target[i] - mean[i]) / sd;
  return out;
}
