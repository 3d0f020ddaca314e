import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianGradientDefence } from '../../src/vertical/gradient-defence.js';
import { directionAttackAuc, GradientCollector, normAttackAuc } from '../../src/vertical/label-leakage.js';
import { trainSplitLearning } from '../../src/vertical/split-learning.js';
import { baseConfig, verticalFixture } from './helpers.js';

function attackAucs(noiseMultiplier: number, bottomHiddenUnits = 0) {
  const data = verticalFixture({ n: 1500, cols: [3, 3], seed: 21, intercept: -2.5 });
  const config = baseConfig({ epochs: 3, batchSize: 64, bottomHiddenUnits, leakageDefence: { noiseMultiplier } });
  const collector = new GradientCollector(config.epochs);
  trainSplitLearning(data, config, { observer: collector.observe, defence: noiseMultiplier > 0 ? gaussianGradientDefence(noiseMultiplier, config.seed) : undefined });
  const { rows, gradients, batches } = collector.received(1);
  const y = Array.from(rows, (r) => data.labels[r]);
  const positives = y.reduce((a, b) => a + b, 0);
  return { norm: normAttackAuc(gradients, y), direction: directionAttackAuc(gradients, y, batches), rows: rows.length, rowIds: rows, positives, batches };
}

describe('label leakage from returned gradients (Li et al., ICLR 2022)', () => {
  test('on hand-made gradients: norm and cosine scores rank as the paper says', () => {
    // Positives: large gradients pointing one way; negatives: small ones pointing the other way.
    const g = [[-0.9, -0.1], [0.05, 0.01], [-0.8, -0.2], [0.1, 0.02], [0.02, 0.0]].map((v) => Float64Array.from(v));
    const y = [1, 0, 1, 0, 0];
    assert.equal(normAttackAuc(g, y), 1);
    assert.equal(directionAttackAuc(g, y, [0, 0, 0, 0, 0]), 1); // the known positive (index 0) is left out
    assert.equal(normAttackAuc(g, [0, 1, 0, 1, 1]), 0);
    // Per-batch references: batch 1's positive points the other way; each batch is scored against its own.
    const flipped = [[-0.9, -0.1], [0.05, 0.01], [0.8, 0.2], [-0.1, -0.02], [-0.02, 0.0], [0.7, 0.1]].map((v) => Float64Array.from(v));
    assert.equal(directionAttackAuc(flipped, [1, 0, 1, 0, 0, 1], [0, 0, 1, 1, 1, 1]), 1);
    // A batch without a positive is skipped (rows 2–3), leaving one class: NaN, not a number that means something.
    assert.ok(Number.isNaN(directionAttackAuc(g.slice(0, 4), [1, 0, 0, 0], [0, 0, 1, 1])));
  });

  test('undefended split learning on ~10 % positives: both attacks recover the labels far better than chance', () => {
    const { norm, direction, rows, rowIds, positives } = attackAucs(0);
    assert.equal(rows, 1050, 'every training row was seen in the last epoch');
    assert.equal(new Set(rowIds).size, 1050);
    assert.ok(positives > 50 && positives < 250, `${positives} positives`);
    assert.ok(norm > 0.85, `norm attack AUC ${norm}`);
    assert.ok(direction > 0.95, `direction attack AUC ${direction}`);
  });

  test('ReLU bottoms leak too (the gradient is (σ(z) − y)·v ⊙ ReLU′)', () => {
    const { norm, direction } = attackAucs(0, 4);
    assert.ok(norm > 0.7, `norm attack AUC ${norm}`);
    assert.ok(direction > 0.7, `direction attack AUC ${direction}`);
  });

  test('strong Gaussian perturbation pushes both attacks towards 0.5; weak perturbation less so', () => {
    const strong = attackAucs(20);
    assert.ok(Math.abs(strong.norm - 0.5) < 0.1, `norm attack AUC ${strong.norm}`);
    assert.ok(Math.abs(strong.direction - 0.5) < 0.1, `direction attack AUC ${strong.direction}`);
    const weak = attackAucs(0.5);
    assert.ok(weak.direction > strong.direction + 0.1, `weak ${weak.direction} vs strong ${strong.direction}`);
  });
});
