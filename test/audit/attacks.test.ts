/**
 * Attack metrics against independent references (the metrics layer's AUC, a brute-force
 * threshold scan for TPR at a fixed FPR) and LiRA on a toy where membership is known to leak.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { attackMetrics } from '../../src/audit/attack-metrics.js';
import { logitConfidence, offlineLiraScores } from '../../src/audit/lira.js';
import { auc } from '../../src/metrics/auc.js';
import { Xoshiro128 } from '../../src/random/rng.js';

describe('attack metrics', () => {
  test('AUC equals the metrics layer\'s Mann–Whitney AUC, ties included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.boolean()), { minLength: 2, maxLength: 80 }), (rows) => {
        const s = rows.map((r) => r[0]);
        const m = rows.map((r) => r[1]);
        const want = auc(m.map((x) => (x ? 1 : 0)), s);
        const got = attackMetrics(s, m).auc;
        if (want === null) assert.equal(got, null);
        else assert.ok(Math.abs((got as number) - want) < 1e-12);
      }),
    );
  });

  test('TPR at FPR is the best threshold whose FPR stays within the target (brute force)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.boolean()), { minLength: 2, maxLength: 120 }), fc.constantFrom(0.001, 0.01, 0.1, 0.3), (rows, target) => {
        const s = rows.map((r) => r[0]);
        const m = rows.map((r) => r[1]);
        const P = m.filter(Boolean).length;
        const N = m.length - P;
        let best = 0;
        for (const t of [Infinity, ...s]) {
          const fp = s.filter((v, i) => v >= t && !m[i]).length;
          const tp = s.filter((v, i) => v >= t && m[i]).length;
          if (N > 0 && fp / N <= target) best = Math.max(best, tp);
        }
        const got = attackMetrics(s, m, [target]).tprAtFpr[0];
        assert.equal(got.truePositives, best);
        assert.equal(got.members, P);
        assert.ok(got.tpr.lower <= (P > 0 ? best / P : 0) && (P > 0 ? best / P : 1) <= got.tpr.upper);
      }),
    );
  });
});

describe('offline LiRA (Carlini et al. 2022)', () => {
  test('on a toy where members are fit better, LiRA separates them and beats the raw loss', () => {
    // Per-record difficulty μ_i varies a lot; membership adds +1.5 to φ; shadow φ ~ N(μ_i, 0.5²).
    const rng = new Xoshiro128(Uint32Array.of(1, 2, 3, 4));
    const m = 400;
    const mu = Float64Array.from({ length: m }, () => 4 * rng.normal());
    const member = Array.from({ length: m }, () => rng.uniform() < 0.5);
    const target = Float64Array.from(mu, (v, i) => v + (member[i] ? 1.5 : 0) + 0.5 * rng.normal());
    const shadows = Array.from({ length: 8 }, () => Float64Array.from(mu, (v) => v + 0.5 * rng.normal()));
    const lira = attackMetrics(offlineLiraScores(target, shadows), member);
    const raw = attackMetrics(target, member);
    assert.ok((lira.auc as number) > 0.9, `LiRA AUC ${lira.auc}`);
    assert.ok((lira.auc as number) > (raw.auc as number) + 0.1, `LiRA ${lira.auc} vs raw ${raw.auc}`);
    // Without leakage (members not shifted) LiRA is at chance.
    const null0 = Float64Array.from(mu, (v) => v + 0.5 * rng.normal());
    const none = attackMetrics(offlineLiraScores(null0, shadows), member);
    assert.ok(Math.abs((none.auc as number) - 0.5) < 0.08, `no-leak AUC ${none.auc}`);
  });

  test('logit confidence is log(p/(1−p)) of the label\'s probability', () => {
    assert.ok(Math.abs(logitConfidence(0.8, 1) - Math.log(4)) < 1e-12);
    assert.ok(Math.abs(logitConfidence(0.8, 0) + Math.log(4)) < 1e-12);
    assert.ok(Number.isFinite(logitConfidence(1, 1)));
  });
});
