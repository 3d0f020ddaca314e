/**
 * Vertical logistic regression (the Taylor-loss gradients of Hardy et al. 2017, see
 * vertical/taylor-lr.ts) by additive secret sharing over Z_{2^64} instead of encryption: the
 * products x_P^T·D, where the party P holds x and the label holder L holds D, use a matrix Beaver
 * triple made by the coordinator C acting as a trusted dealer ("commodity server", Beaver 1997,
 * "Commodity-based cryptography", STOC; the matrix form of Mohassel & Zhang 2017, "SecureML",
 * IEEE S&P, §4.1–4.2, with the triple made by a non-colluding third party).
 *
 * Per minibatch (B rows), for each party P without labels (cols columns):
 *  0. dealer C draws R ∈ Z^{B×cols}, s ∈ Z^B, t ∈ Z^cols uniform, gives R, t to P and s, c = Rᵀs − t
 *     to L (R, s, t as 32-byte PRG seeds, c in full)                                (C → P, C → L)
 *  1. P sends its partial logits masked so that only their sum over the parties without labels
 *     opens: U_P + M_P with Σ_P M_P = 0 (pairwise masks, Bonawitz et al. 2017)         (P → L)
 *  2. L opens Σ_P U_P, forms D_i = Σ_P U_{P,i} + U_{L,i} − 2y_i·2^F
 *  3. P sends E = X_P − R                                                                  (P → L)
 *  4. L sends f = D − s and its share E^T·D + c                                            (L → P)
 *  5. P computes Rᵀf + t + (Eᵀ·D + c) = Xᵀ·D (exactly: (E + R)ᵀD = EᵀD + Rᵀ(f + s), Rᵀs = c + t)
 * L computes its own gradient (and the bias's) in the clear: it holds D and its columns.
 *
 * Threat model: honest-but-curious parties; C deals correlated randomness only, sees no data and
 * colludes with no party. P learns its gradient Xᵀ·D and nothing else (f is masked by s, L's share
 * by t); L learns E (masked by uniform R) and, unlike the Paillier protocol, the SUM of the
 * partial logits of the parties without labels per row, Σ_P U_{P,i} — with a single partner, that
 * partner's logits w_P·x_{P,i}. That is the price of doing without encryption; 'paillier' hides it.
 * A party that deviates from the protocol (malicious) is out of scope for both.
 *
 * Determinism: masks and triples come from node:crypto; every opened value is an exact integer
 * (the sums are checked to stay below 2^63), so the model does not depend on them, and it equals
 * the Paillier protocol's integer for integer.
 * Bytes: 8 per ring element, 32 per PRG seed. Forward = messages to L or C; backward = to a P.
 */
import { randomFillSync } from 'node:crypto';
import { assertRange } from './fixed-point.js';
import { decodeGradient, labelHolderTerm, quantizedFeatures, quantizedLogits } from './taylor-fixed-point.js';
import type { TaylorBatch, TaylorGradientProtocol } from './taylor-lr.js';
import { ByteCounter } from './wire.js';

const RING = 2n ** 64n;
const SEED_BYTES = 32;

function uniformRing(count: number): BigUint64Array {
  return randomFillSync(new BigUint64Array(count));
}

const wrap = (v: bigint): bigint => BigInt.asUintN(64, v);
const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

export class MaskedTaylorProtocol implements TaylorGradientProtocol {
  private readonly counter = new ByteCounter();
  constructor(readonly fractionBits: number) {}

  gradients(batch: TaylorBatch): Float64Array[] {
    const F = this.fractionBits;
    const { count } = batch;
    const xInt = quantizedFeatures(batch, F);
    const uInt = quantizedLogits(batch, F);
    const passive = uInt.length - 1;
    // 1–2. Masked partial logits; only their sum opens at L.
    const opened = new BigUint64Array(count);
    if (passive > 0) {
      const masks = Array.from({ length: passive }, () => new BigUint64Array(count));
      for (let i = 0; i < passive - 1; i++) {
        const m = uniformRing(count);
        for (let k = 0; k < count; k++) {
          masks[i][k] = wrap(masks[i][k] + m[k]);
          masks[passive - 1][k] = wrap(masks[passive - 1][k] - m[k]);
        }
      }
      for (let i = 0; i < passive; i++) {
        for (let k = 0; k < count; k++) opened[k] = wrap(opened[k] + BigInt(uInt[i + 1][k]) + masks[i][k]);
      }
      this.counter.add('forward', passive * count * 8);
    }
    const D = new Array<bigint>(count);
    let maxAbsD = 0;
    for (let k = 0; k < count; k++) {
      D[k] = signed(opened[k] + BigInt(labelHolderTerm(uInt[0][k], batch.ySigned[k], F)));
      const a = Math.abs(Number(D[k]));
      if (a > maxAbsD) maxAbsD = a;
    }
    return xInt.map((x, i) => {
      const cols = x.length / Math.max(1, count);
      let maxAbsX = 2 ** F;
      for (let t = 0; t < x.length; t++) maxAbsX = Math.max(maxAbsX, Math.abs(x[t]));
      assertRange(count, maxAbsX, maxAbsD, RING, 'vertical LR (masked)');
      const g = new Float64Array(cols + (i === 0 ? 1 : 0));
      if (i === 0) {
        // L's own gradient, in the clear.
        for (let j = 0; j < cols; j++) {
          let s = 0n;
          for (let k = 0; k < count; k++) s += BigInt(x[k * cols + j]) * D[k];
          g[j] = decodeGradient(s, count, 2 * F);
        }
        g[cols] = decodeGradient(D.reduce((a, b) => a + b, 0n), count, F);
        return g;
      }
      // 0. The dealer's triple.
      const R = uniformRing(count * cols);
      const s = uniformRing(count);
      const t = uniformRing(cols);
      const c = new BigUint64Array(cols);
      for (let j = 0; j < cols; j++) {
        let acc = 0n;
        for (let k = 0; k < count; k++) acc += R[k * cols + j] * s[k];
        c[j] = wrap(acc - t[j]);
      }
      this.counter.add('backward', 2 * SEED_BYTES); // seeds of R and t to P
      this.counter.add('forward', SEED_BYTES + cols * 8); // seed of s and c to L
      // 3. P → L: E = X − R.
      const E = new BigUint64Array(count * cols);
      for (let q = 0; q < E.length; q++) E[q] = wrap(BigInt(x[q]) - R[q]);
      this.counter.add('forward', count * cols * 8);
      // 4. L → P: f = D − s and its share EᵀD + c.
      const f = new BigUint64Array(count);
      for (let k = 0; k < count; k++) f[k] = wrap(D[k] - s[k]);
      const share = new BigUint64Array(cols);
      for (let j = 0; j < cols; j++) {
        let acc = c[j];
        for (let k = 0; k < count; k++) acc += E[k * cols + j] * BigInt.asUintN(64, D[k]);
        share[j] = wrap(acc);
      }
      this.counter.add('backward', (count + cols) * 8);
      // 5. P: Rᵀf + t + share = XᵀD (mod 2^64), opened as a signed integer.
      for (let j = 0; j < cols; j++) {
        let acc = t[j] + share[j];
        for (let k = 0; k < count; k++) acc += R[k * cols + j] * f[k];
        g[j] = decodeGradient(signed(acc), count, 2 * F);
      }
      return g;
    });
  }

  bytes(): { forward: number; backward: number } {
    return { forward: this.counter.forward, backward: this.counter.backward };
  }
}
