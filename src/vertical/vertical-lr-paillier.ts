/**
 * Vertical logistic regression with additively homomorphic encryption, after Hardy et al. 2017
 * (arXiv:1711.10677, §3.2 and Algorithm 2), for one label holder L and any number of parties P
 * without labels, with a coordinator C that holds the Paillier private key (Paillier 1999,
 * "Public-key cryptosystems based on composite degree residuosity classes", EUROCRYPT;
 * `paillier-bigint` for key generation, homomorphic operations and decryption).
 *
 * Per minibatch (B rows), in fixed point (vertical/taylor-fixed-point.ts):
 *  1. each P encrypts its partial logits [[U_{P,i}]] and sends them to L            (P → L)
 *  2. L forms [[D_i]] = Π_P [[U_{P,i}]] · [[U_{L,i} − 2y_i·2^F]] (homomorphic addition, the
 *     plaintext term added as (1 + m·N), valid since g = N + 1) and sends [[D]] to every P   (L → P)
 *  3. every party Q (L included) computes [[g_{Q,j}]] = Π_i [[D_i]]^{x_int,Q,i,j} (homomorphic
 *     scalar products; L also [[Σ D_i]] for the bias), adds a fresh uniform mask ρ ∈ Z_N
 *     ([[g + ρ]]), and sends it to C                                                     (Q → C)
 *  4. C decrypts and returns g + ρ mod N; Q subtracts ρ                                   (C → Q)
 * Who learns what (honest-but-curious, C colluding with no party): P sees only ciphertexts and its
 * own gradient; L sees ciphertexts, its own gradient and its labels; C sees masked gradients,
 * uniform in Z_N. The gradients themselves are revealed to their owners, as in Hardy et al.
 *
 * Determinism: the key, the encryption randomness r and the masks ρ come from node:crypto, but
 * every decrypted value is an exact integer (mod N, N ≫ the sums: checked), so the trained model
 * is the same for any key and any randomness — the run is deterministic for a seed.
 *
 * Bytes: a ciphertext is an element of Z_{N²}, 2·keyBits/8 bytes big-endian; a decrypted value an
 * element of Z_N, keyBits/8 bytes. Forward = messages to L or C; backward = messages to a P.
 * Cost: per batch B encryptions per P and (Σ cols)·B modular exponentiations with ~F-bit
 * exponents — too slow for 100 k rows at 2048 bits on a laptop (perf/vertical-train.ts measures
 * it); 'masked' (vertical/vertical-lr-masked.ts) computes the same integers far faster.
 */
import { randomBytes } from 'node:crypto';
import { generateRandomKeys, type PrivateKey, type PublicKey } from 'paillier-bigint';
import { assertRange, signedResidue } from './fixed-point.js';
import { decodeGradient, labelHolderTerm, quantizedFeatures, quantizedLogits } from './taylor-fixed-point.js';
import type { TaylorBatch, TaylorGradientProtocol } from './taylor-lr.js';
import { ByteCounter } from './wire.js';

function randomBelow(n: bigint, bytes: number): bigint {
  // 64 extra bits make the bias of the reduction negligible (< 2^-64).
  const r = BigInt('0x' + randomBytes(bytes + 8).toString('hex')) % n;
  return r === 0n ? 1n : r;
}

export class PaillierTaylorProtocol implements TaylorGradientProtocol {
  private readonly counter = new ByteCounter();
  private readonly n: bigint;
  private readonly n2: bigint;
  private readonly ciphertextBytes: number;
  private readonly plaintextBytes: number;

  private constructor(
    private readonly publicKey: PublicKey,
    private readonly privateKey: PrivateKey,
    readonly keyBits: number,
    readonly fractionBits: number,
  ) {
    this.n = publicKey.n;
    this.n2 = publicKey._n2;
    this.plaintextBytes = Math.ceil(keyBits / 8);
    this.ciphertextBytes = 2 * this.plaintextBytes;
  }

  static async create(keyBits: number, fractionBits: number): Promise<PaillierTaylorProtocol> {
    if (!Number.isInteger(keyBits) || keyBits < 256) throw new RangeError(`verticalLr.keyBits must be an integer >= 256, got ${keyBits}`);
    // The simple variant: g = N + 1, λ = φ(N), μ = φ(N)^−1 mod N (Katz & Lindell, §13.2).
    const { publicKey, privateKey } = await generateRandomKeys(keyBits, true);
    return new PaillierTaylorProtocol(publicKey, privateKey, keyBits, fractionBits);
  }

  /** Enc(m) = (1 + m·N)·r^N mod N² (g = N + 1 makes g^m = 1 + m·N: one exponentiation, not two). */
  encrypt(m: bigint): bigint {
    const r = randomBelow(this.n, this.plaintextBytes);
    const gm = (1n + (((m % this.n) + this.n) % this.n) * this.n) % this.n2;
    return (gm * this.publicKey.multiply(r, this.n)) % this.n2;
  }

  decryptSigned(c: bigint): bigint {
    return signedResidue(this.privateKey.decrypt(c), this.n);
  }

  gradients(batch: TaylorBatch): Float64Array[] {
    const F = this.fractionBits;
    const { count } = batch;
    const { n, n2 } = this;
    const xInt = quantizedFeatures(batch, F);
    const uInt = quantizedLogits(batch, F);
    const passive = uInt.length - 1;
    // 1. Each party without labels encrypts its partial logits and sends them to L.
    const encrypted = uInt.slice(1).map((u) => Array.from(u, (v) => this.encrypt(BigInt(v))));
    this.counter.add('forward', passive * count * this.ciphertextBytes);
    // 2. L adds its own term in the plaintext and sends [[D]] to every party without labels.
    let maxAbsD = 0;
    const encD: bigint[] = new Array(count);
    for (let k = 0; k < count; k++) {
      const own = labelHolderTerm(uInt[0][k], batch.ySigned[k], F);
      let absD = Math.abs(own);
      for (let i = 1; i <= passive; i++) absD += Math.abs(uInt[i][k]);
      if (absD > maxAbsD) maxAbsD = absD;
      if (passive === 0) {
        encD[k] = this.encrypt(BigInt(own));
        continue;
      }
      let c = encrypted[0][k];
      for (let i = 1; i < passive; i++) c = (c * encrypted[i][k]) % n2;
      encD[k] = (c * ((1n + ((BigInt(own) % n) + n) % n * n) % n2)) % n2;
    }
    this.counter.add('backward', passive * count * this.ciphertextBytes);
    // 3–4. Every party: encrypted gradient sums, masked, decrypted by C, unmasked.
    return xInt.map((x, i) => {
      const cols = x.length / Math.max(1, count);
      let maxAbsX = 0;
      for (let t = 0; t < x.length; t++) maxAbsX = Math.max(maxAbsX, Math.abs(x[t]));
      assertRange(count, Math.max(maxAbsX, 2 ** F), maxAbsD, n, 'vertical LR (Paillier)');
      const g = new Float64Array(cols + (i === 0 ? 1 : 0));
      const sums: bigint[] = [];
      for (let j = 0; j < cols; j++) {
        let acc = 1n;
        for (let k = 0; k < count; k++) {
          const v = x[k * cols + j];
          if (v !== 0) acc = (acc * this.publicKey.multiply(encD[k], v)) % n2;
        }
        sums.push(acc);
      }
      if (i === 0) sums.push(encD.reduce((a, c) => (a * c) % n2, 1n));
      sums.forEach((enc, j) => {
        const rho = randomBelow(n, this.plaintextBytes);
        const opened = this.privateKey.decrypt((enc * this.encrypt(rho)) % n2); // C decrypts g + ρ
        const value = signedResidue(opened - rho, n); // Q removes ρ
        g[j] = decodeGradient(value, count, j < cols ? 2 * F : F);
      });
      this.counter.add('forward', sums.length * this.ciphertextBytes);
      this.counter.add(i === 0 ? 'forward' : 'backward', sums.length * this.plaintextBytes);
      return g;
    });
  }

  bytes(): { forward: number; backward: number } {
    return { forward: this.counter.forward, backward: this.counter.backward };
  }
}
