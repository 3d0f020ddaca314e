import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plaintextFixedPointGradients } from '../../src/vertical/taylor-fixed-point.js';
import { centralTaylorProtocol, trainTaylorLr, type TaylorGradientProtocol } from '../../src/vertical/taylor-lr.js';
import { MaskedTaylorProtocol } from '../../src/vertical/vertical-lr-masked.js';
import { PaillierTaylorProtocol } from '../../src/vertical/vertical-lr-paillier.js';
import { baseConfig, verticalFixture } from './helpers.js';

const F = 20;
const plaintextFixedPoint: TaylorGradientProtocol = { gradients: (b) => plaintextFixedPointGradients(b, F), bytes: () => ({ forward: 0, backward: 0 }) };

function flat(model: { weights: Float64Array[] }): number[] {
  return model.weights.flatMap((w) => [...w]);
}

/** Central logistic regression on the Taylor loss, closed form per step, written independently of src/. */
function referenceTaylorLr(data: ReturnType<typeof verticalFixture>, config: ReturnType<typeof baseConfig>, batches: Uint32Array[]): number[] {
  const cols = data.parties.map((p) => p.cols);
  const w = cols.map((c, i) => new Array<number>(c + (i === 0 ? 1 : 0)).fill(0));
  for (const rows of batches) {
    const grad = w.map((wp) => wp.map(() => 0));
    for (const r of rows) {
      let z = w[0][cols[0]];
      data.parties.forEach((p, i) => {
        for (let j = 0; j < p.cols; j++) z += w[i][j] * p.values[r * p.cols + j];
      });
      const d = z / 4 - (data.labels[r] === 1 ? 1 : -1) / 2;
      data.parties.forEach((p, i) => {
        for (let j = 0; j < p.cols; j++) grad[i][j] += (d * p.values[r * p.cols + j]) / rows.length;
      });
      grad[0][cols[0]] += d / rows.length;
    }
    w.forEach((wp, i) => wp.forEach((_, j) => (wp[j] -= config.learningRate * grad[i][j])));
  }
  return w.flat();
}

describe('vertical logistic regression (Hardy et al. 2017, Taylor loss)', () => {
  test('the float schedule equals an independent central Taylor-loss logistic regression on the same minibatches (1e-12)', async () => {
    const data = verticalFixture({ n: 120, cols: [2, 3, 2], seed: 11 });
    const config = baseConfig({ epochs: 2, batchSize: 40 });
    const batches: Uint32Array[] = [];
    const recording: TaylorGradientProtocol = {
      gradients: (b) => {
        // Recover the batch's row ids from the label holder's first column (values are distinct).
        const p = data.parties[0];
        const rows = Uint32Array.from({ length: b.count }, (_, k) => {
          for (let r = 0; r < p.rows; r++) if (p.values[r * p.cols] === b.x[0][k * p.cols]) return r;
          throw new Error('row not found');
        });
        batches.push(rows);
        return centralTaylorProtocol.gradients(b);
      },
      bytes: () => ({ forward: 0, backward: 0 }),
    };
    const model = await trainTaylorLr(data, config, recording);
    assert.equal(batches.length, 6);
    const reference = referenceTaylorLr(data, config, batches);
    flat(model).forEach((v, j) => assert.ok(Math.abs(v - reference[j]) < 1e-12, `weight ${j}: ${v} vs ${reference[j]}`));
  });

  test('masked mode (Beaver triples over Z_2^64) returns the plaintext fixed-point gradients integer for integer, and central Taylor LR within 1e-5', async () => {
    const data = verticalFixture({ n: 400, cols: [3, 2, 4, 1], seed: 12 });
    const config = baseConfig({ epochs: 3, batchSize: 50 });
    const masked = new MaskedTaylorProtocol(F);
    const secure = flat(await trainTaylorLr(data, config, masked));
    const fixed = flat(await trainTaylorLr(data, config, plaintextFixedPoint));
    const central = flat(await trainTaylorLr(data, config, centralTaylorProtocol));
    assert.deepEqual(secure, fixed);
    secure.forEach((v, j) => assert.ok(Math.abs(v - central[j]) < 1e-5, `weight ${j}: ${v} vs ${central[j]}`));
    assert.ok(central.some((v) => Math.abs(v) > 0.05), 'the model moved');
    // Bytes: per batch of B rows and a partner of c columns: U (8B) + E (8Bc) + c (8c) forward, f and share (8B + 8c)
    // backward; once at setup, 16-byte seeds: 3 pairwise + 3 dealer → P (backward), 3 dealer → L (forward).
    const batches = [50, 50, 50, 50, 50, 30];
    const cols = [2, 4, 1];
    let forward = 0;
    let backward = 0;
    for (const B of batches) {
      forward += cols.length * 8 * B;
      for (const c of cols) {
        forward += 8 * B * c + 8 * c;
        backward += 8 * B + 8 * c;
      }
    }
    assert.deepEqual(masked.bytes(), { forward: 3 * forward + 3 * 16, backward: 3 * backward + 6 * 16 });
  });

  test('Paillier mode (512-bit test key) returns the same integers as masked mode, and central Taylor LR within 1e-5', async () => {
    const data = verticalFixture({ n: 40, cols: [2, 1, 2], seed: 13 });
    const config = baseConfig({ epochs: 2, batchSize: 20, learningRate: 0.3 });
    const paillier = await PaillierTaylorProtocol.create(512, F);
    const encrypted = flat(await trainTaylorLr(data, config, paillier));
    const masked = flat(await trainTaylorLr(data, config, new MaskedTaylorProtocol(F)));
    const central = flat(await trainTaylorLr(data, config, centralTaylorProtocol));
    assert.deepEqual(encrypted, masked);
    encrypted.forEach((v, j) => assert.ok(Math.abs(v - central[j]) < 1e-5, `weight ${j}: ${v} vs ${central[j]}`));
    // Ciphertexts are 128 bytes (Z_{N²}, N of 512 bits), decryptions 64. 28 training rows: batches of 20 and 8.
    // Per batch of B rows, 2 partners, 5 columns + bias: 2B encrypted logits and 6 masked sums forward with
    // L's 3 decryptions; 2B [[D]] and the partners' 3 decryptions backward.
    let forward = 0;
    let backward = 0;
    for (const B of [20, 8]) {
      forward += 2 * B * 128 + 6 * 128 + 3 * 64;
      backward += 2 * B * 128 + 3 * 64;
    }
    assert.deepEqual(paillier.bytes(), { forward: 2 * forward, backward: 2 * backward });
  });

  test('a decryption is exact: Enc(m) decrypts to m for negative and positive m, and the homomorphic sums open exactly', async () => {
    const p = await PaillierTaylorProtocol.create(512, F);
    for (const m of [0n, 1n, -1n, 123456789012345n, -(2n ** 200n)]) assert.equal(p.decryptSigned(p.encrypt(m)), m);
  });
});
