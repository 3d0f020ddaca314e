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
 *     to L (R, s, t from AES-CTR streams whose 16-byte seeds C sent once at setup; c in full) (C → L)
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
 * Determinism: masks and triples come from node:crypto seeds; every opened value is an exact integer
 * (the sums are checked to stay below 2^63), so the model does not depend on them, and it equals
 * the Paillier protocol's integer for integer.
 * Ring arithmetic: vertical/ring64.ts (16-bit limbs in typed arrays, exact).
 * Bytes: 8 per ring element; 16 per PRG seed, sent once at setup (vertical/ring64.ts RingPrg). Forward = messages to L or C; backward = to a P.
 */
import { assertRange, quantizeAll } from './fixed-point.js';
import { addInto, fromSafeIntegers, RingPrg, SEED_BYTES, toSignedBigInt, toSignedSafe, transposeTimesVector } from './ring64.js';
import { decodeGradient, labelHolderTerm, quantizedLogits } from './taylor-fixed-point.js';
import type { TaylorBatch, TaylorGradientProtocol } from './taylor-lr.js';
import type { VerticalPartyMatrix } from './types.js';
import { ByteCounter } from './wire.js';

const RING = 2n ** 64n;

export class MaskedTaylorProtocol implements TaylorGradientProtocol {
  private readonly counter = new ByteCounter();
  /** Seeded streams, made at the first batch (setup): pairwise masks between parties without labels, and the dealer's. */
  private streams: { pairs: RingPrg[][]; dealerToParty: RingPrg[]; dealerToLabelHolder: RingPrg[] } | null = null;
  /** Per party (label holder first): its whole feature matrix in fixed point as ring limbs, and the largest |x_int|. */
  private features: { limbs: Uint16Array; cols: number; maxAbs: number }[] | null = null;
  constructor(readonly fractionBits: number) {}

  /** Each party encodes its columns once (they do not change during training). */
  prepare(parties: readonly VerticalPartyMatrix[]): void {
    this.features = parties.map((p) => {
      const q = quantizeAll(p.values, this.fractionBits);
      let maxAbs = 0;
      for (let t = 0; t < q.length; t++) maxAbs = Math.max(maxAbs, Math.abs(q[t]));
      return { limbs: fromSafeIntegers(q), cols: p.cols, maxAbs };
    });
  }

  /** Party i's batch rows in ring limbs, gathered from its prepared matrix. */
  private batchFeatures(batch: TaylorBatch, i: number): { X: Uint16Array; cols: number; maxAbs: number } {
    const { count } = batch;
    if (!this.features) throw new Error('MaskedTaylorProtocol: prepare(parties) must run before gradients()');
    const { limbs, cols, maxAbs } = this.features[i];
    const width = 4 * cols;
    const X = new Uint16Array(count * width);
    for (let k = 0; k < count; k++) X.set(limbs.subarray(batch.rows[k] * width, (batch.rows[k] + 1) * width), k * width);
    return { X, cols, maxAbs };
  }

  private setup(passive: number) {
    if (this.streams) return this.streams;
    // Setup messages, once: a seed per pair of parties without labels (one sends it to the other),
    // per such party a dealer seed for R and t (C → P), and one for s (C → L).
    const pairs = Array.from({ length: passive }, (_, i) => Array.from({ length: passive }, (_, j) => (j > i ? new RingPrg() : (null as unknown as RingPrg))));
    this.counter.add('backward', ((passive * (passive - 1)) / 2) * SEED_BYTES + passive * SEED_BYTES);
    this.counter.add('forward', passive * SEED_BYTES);
    this.streams = { pairs, dealerToParty: Array.from({ length: passive }, () => new RingPrg()), dealerToLabelHolder: Array.from({ length: passive }, () => new RingPrg()) };
    return this.streams;
  }

  gradients(batch: TaylorBatch): Float64Array[] {
    const F = this.fractionBits;
    const { count } = batch;
    const uInt = quantizedLogits(batch, F);
    const passive = uInt.length - 1;
    // 1–2. Masked partial logits (masks summing to 0 over the parties without labels); only their sum opens at L.
    const streams = this.setup(passive);
    let opened: Uint16Array = new Uint16Array(4 * count);
    if (passive > 0) {
      // Pairwise masks (Bonawitz et al. 2017, §4): P_i adds PRG_ij for j > i and subtracts PRG_ji for j < i.
      const masks = Array.from({ length: passive }, () => new Uint16Array(4 * count));
      for (let i = 0; i < passive; i++) {
        for (let j = i + 1; j < passive; j++) {
          const m = streams.pairs[i][j].next(count);
          addInto(masks[i], masks[i], m, 1);
          addInto(masks[j], masks[j], m, -1);
        }
      }
      for (let i = 0; i < passive; i++) {
        const sent = addInto(new Uint16Array(4 * count), fromSafeIntegers(uInt[i + 1]), masks[i], 1);
        opened = addInto(opened, opened, sent, 1);
      }
      this.counter.add('forward', passive * count * 8);
    }
    const ownTerms = new Float64Array(count);
    for (let k = 0; k < count; k++) ownTerms[k] = labelHolderTerm(uInt[0][k], batch.ySigned[k], F);
    const D = addInto(new Uint16Array(4 * count), opened, fromSafeIntegers(ownTerms), 1);
    let maxAbsD = 0;
    let biasSum = 0;
    for (let k = 0; k < count; k++) {
      const d = toSignedSafe(D, k);
      biasSum += d;
      const a = Math.abs(d);
      if (a > maxAbsD) maxAbsD = a;
    }
    if (!Number.isSafeInteger(count * maxAbsD)) throw new RangeError('vertical LR (masked): the residual sum leaves the safe-integer range (a diverging model?)');
    return batch.x.map((_, i) => {
      const { X, cols, maxAbs } = this.batchFeatures(batch, i);
      assertRange(count, Math.max(maxAbs, 2 ** F), maxAbsD, RING, 'vertical LR (masked)');
      const g = new Float64Array(cols + (i === 0 ? 1 : 0));
      if (i === 0) {
        // L's own gradient, in the clear (L holds D and its columns).
        const sums = transposeTimesVector(X, D, count, cols);
        for (let j = 0; j < cols; j++) g[j] = decodeGradient(toSignedBigInt(sums, j), count, 2 * F);
        g[cols] = decodeGradient(BigInt(biasSum), count, F);
        return g;
      }
      // 0. The dealer's triple: R, t from the seed C shares with P; s from the one C shares with L; c = Rᵀs − t sent to L.
      const R = streams.dealerToParty[i - 1].next(count * cols);
      const t = streams.dealerToParty[i - 1].next(cols);
      const s = streams.dealerToLabelHolder[i - 1].next(count);
      const c = addInto(new Uint16Array(4 * cols), transposeTimesVector(R, s, count, cols), t, -1);
      this.counter.add('forward', cols * 8);
      // 3. P → L: E = X − R.
      const E = addInto(new Uint16Array(X.length), X, R, -1);
      this.counter.add('forward', count * cols * 8);
      // 4. L → P: f = D − s and its share EᵀD + c.
      const f = addInto(new Uint16Array(4 * count), D, s, -1);
      const share = addInto(new Uint16Array(4 * cols), transposeTimesVector(E, D, count, cols), c, 1);
      this.counter.add('backward', (count + cols) * 8);
      // 5. P: Rᵀf + t + share = XᵀD (mod 2^64), opened as a signed integer.
      const result = addInto(new Uint16Array(4 * cols), addInto(new Uint16Array(4 * cols), transposeTimesVector(R, f, count, cols), t, 1), share, 1);
      for (let j = 0; j < cols; j++) g[j] = decodeGradient(toSignedBigInt(result, j), count, 2 * F);
      return g;
    });
  }

  bytes(): { forward: number; backward: number } {
    return { forward: this.counter.forward, backward: this.counter.backward };
  }
}
