import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianGradientDefence } from '../../src/vertical/gradient-defence.js';

describe('Gaussian gradient perturbation (Li et al. 2022, noisy-gradient baseline)', () => {
  test('noise has mean 0 and standard deviation noiseMultiplier × the batch’s largest row norm', () => {
    const defend = gaussianGradientDefence(2, 5);
    const rows = 20000;
    const width = 2;
    const g = new Float64Array(rows * width);
    g[0] = 3; // the largest row, norm 5
    g[1] = 4;
    for (let k = 1; k < rows; k++) g[k * width] = 0.1;
    const before = g.slice();
    defend(1, g, rows, width);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < g.length; i++) {
      const e = g[i] - before[i];
      sum += e;
      sq += e * e;
    }
    const mean = sum / g.length;
    const sd = Math.sqrt(sq / g.length - mean * mean);
    // σ = 2·5 = 10; with 40,000 draws the standard errors are 0.05 (mean) and 0.035 (sd).
    assert.ok(Math.abs(mean) < 0.25, `mean ${mean}`);
    assert.ok(Math.abs(sd - 10) < 0.2, `sd ${sd}`);
  });

  test('noiseMultiplier 0 leaves the gradients as they are; a seed replays the same noise; a negative multiplier is refused', () => {
    const g = Float64Array.from([1, -2, 3]);
    gaussianGradientDefence(0, 1)(1, g, 3, 1);
    assert.deepEqual([...g], [1, -2, 3]);
    const a = Float64Array.from([1, -2, 3]);
    const b = Float64Array.from([1, -2, 3]);
    gaussianGradientDefence(1, 9)(1, a, 3, 1);
    gaussianGradientDefence(1, 9)(1, b, 3, 1);
    assert.deepEqual([...a], [...b]);
    assert.notDeepEqual([...a], [1, -2, 3]);
    assert.throws(() => gaussianGradientDefence(-1, 1), /noiseMultiplier/);
  });
});
