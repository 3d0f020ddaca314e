/**
 * Homomorphic sums with CKKS (Cheon, Kim, Kim & Song, "Homomorphic Encryption for Arithmetic of
 * Approximate Numbers", ASIACRYPT 2017) through Microsoft SEAL compiled to WebAssembly
 * (node-seal 6.0.3; 7.x needs WebAssembly GC, which Node 20 does not enable: it fails to load
 * with "invalid value type 'noexternref'").
 *
 * The trust model is NVFlare's homomorphic-encryption setup: one key pair for the federation,
 * provisioned to every site; the aggregator holds no key at all (adding ciphertexts needs none)
 * and never decrypts. Sites encrypt [r·x, r] with r = weight / maxWeight; the aggregator adds
 * ciphertexts slot-wise; a site decrypts the sum.
 *
 * Parameters for addition only. NVFlare uses N = 8192, coefficient moduli [60, 40, 40], scale
 * 2^40: the middle 40-bit prime is a level for one multiplication + rescale, which a sum never
 * performs. We keep N = 8192 (4096 slots, 128-bit security for up to 218 modulus bits) and drop
 * that level: [60, 40] = one 60-bit data prime q0 plus the 40-bit special prime P that SEAL
 * uses for key switching. Keeping P matters even without key switching: SEAL encrypts at q0·P
 * and divides by P, which shrinks fresh noise (measured: max error 2.4e-8 with [60, 40] against
 * 3.8e-7 with [60] alone, for a 10-site sum at scale 2^40), and the ciphertext, at q0 only, is half
 * the size of NVFlare's (32 against 57 bytes per value, zstd-compressed). Headroom: q0 / scale =
 * 2^20, so a sum must stay below 2^18 in magnitude per slot (checked).
 *
 * SEAL objects live on the WebAssembly heap, which never shrinks: everything made here is freed
 * with .delete() (dispose()), and scratch plaintexts/ciphertexts are reused per block.
 */
import type { SEALLibrary } from 'node-seal/implementation/seal.js';
import type { Context } from 'node-seal/implementation/context.js';
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import { brandEncrypted, type EncryptedInput } from './aggregator.js';
import { SecAggConfigError, SecAggProtocolError, SecureAggregationAborted } from './errors.js';

export interface CkksParameters {
  /** Ring dimension N; N/2 values per ciphertext. */
  polyModulusDegree: number;
  /** Bit sizes of the coefficient-modulus primes; the last one is the special (key-switching) prime. */
  coeffModulusBits: readonly number[];
  /** Encoding scale Δ = 2^scaleBits. */
  scaleBits: number;
}

export const CKKS_ADDITION_DEFAULTS: Readonly<CkksParameters> = Object.freeze({ polyModulusDegree: 8192, coeffModulusBits: Object.freeze([60, 40]), scaleBits: 40 });

let sealPromise: Promise<SEALLibrary> | null = null;

/**
 * Loads the SEAL WebAssembly module once per process, on first use only (a 1.5 MB script, about
 * 0.3 s to import and instantiate), so that importing this module costs nothing to runs that
 * never use CKKS.
 */
export function loadSeal(): Promise<SEALLibrary> {
  if (!sealPromise) {
    sealPromise = import('node-seal').then((mod) => {
      const m = mod as unknown as (() => Promise<SEALLibrary>) | { default: () => Promise<SEALLibrary> };
      return (typeof m === 'function' ? m : m.default)();
    });
  }
  return sealPromise;
}

/** A SEAL context for CKKS at these parameters (public: every party builds the same one). */
export class CkksContext {
  private constructor(
    readonly seal: SEALLibrary,
    readonly context: Context,
    readonly params: CkksParameters,
    readonly slotCount: number,
  ) {}

  static async create(params: CkksParameters = CKKS_ADDITION_DEFAULTS): Promise<CkksContext> {
    const seal = await loadSeal();
    const { polyModulusDegree: N, coeffModulusBits: bits, scaleBits } = params;
    if (bits.length < 1 || bits[0] <= scaleBits) throw new SecAggConfigError(`ckks: the first coefficient prime (${bits[0]} bits) must exceed the scale (2^${scaleBits})`);
    const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
    parms.setPolyModulusDegree(N);
    parms.setCoeffModulus(seal.CoeffModulus.Create(N, Int32Array.from(bits)));
    const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
    parms.delete();
    if (!context.parametersSet()) {
      context.delete();
      throw new SecAggConfigError(`ckks parameters N=${N}, moduli [${bits.join(', ')}]: SEAL rejects them at 128-bit security (at most ${seal.CoeffModulus.MaxBitCount(N, seal.SecurityLevel.tc128)} modulus bits for this N)`);
    }
    return new CkksContext(seal, context, params, N / 2);
  }

  get scale(): number {
    return 2 ** this.params.scaleBits;
  }

  /** Largest |slot value| of a decrypted sum that cannot wrap modulo q0 (with a factor-2 margin). */
  get sumMagnitudeLimit(): number {
    return 2 ** (this.params.coeffModulusBits[0] - this.params.scaleBits - 2);
  }

  dispose(): void {
    this.context.delete();
  }
}

/** The federation's keys, as bytes: made once per run by the key provisioner, secret to sites. */
export interface CkksKeyMaterial {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export function generateCkksKeys(ctx: CkksContext): CkksKeyMaterial {
  const kg = ctx.seal.KeyGenerator(ctx.context);
  const pk = kg.createPublicKey();
  const sk = kg.secretKey();
  const out = { publicKey: pk.saveArray(ctx.seal.ComprModeType.zstd), secretKey: sk.saveArray(ctx.seal.ComprModeType.zstd) };
  pk.delete();
  sk.delete();
  kg.delete();
  return out;
}

/** The CKKS sum as ciphertext bytes (what the aggregator hands back). */
export interface EncryptedSum {
  readonly ciphertexts: readonly Uint8Array[];
  /** Values encoded (d + 1: the weight ratio last). */
  readonly length: number;
}

/** A site: encrypts with the public key, decrypts sums with the federation's secret key. */
export class CkksSite {
  private readonly encryptor;
  private readonly decryptor;
  private readonly encoder;
  private readonly publicKey;
  private readonly secretKey;

  constructor(
    private readonly ctx: CkksContext,
    readonly id: number,
    keys: CkksKeyMaterial,
  ) {
    const { seal, context } = ctx;
    this.publicKey = seal.PublicKey();
    this.publicKey.loadArray(context, keys.publicKey);
    this.secretKey = seal.SecretKey();
    this.secretKey.loadArray(context, keys.secretKey);
    this.encryptor = seal.Encryptor(context, this.publicKey);
    this.decryptor = seal.Decryptor(context, this.secretKey);
    this.encoder = seal.CKKSEncoder(context);
  }

  /** Encrypts [values…] in blocks of slotCount. */
  encrypt(values: ArrayLike<number>): EncryptedInput {
    const { seal } = this.ctx;
    const slots = this.ctx.slotCount;
    const block = new Float64Array(slots);
    const pt = seal.PlainText();
    const ct = seal.CipherText();
    const out: Uint8Array[] = [];
    try {
      for (let start = 0; start < values.length; start += slots) {
        const n = Math.min(slots, values.length - start);
        block.fill(0);
        for (let i = 0; i < n; i++) block[i] = values[start + i];
        this.encoder.encode(block, this.ctx.scale, pt);
        this.encryptor.encrypt(pt, ct);
        out.push(ct.saveArray(seal.ComprModeType.zstd));
      }
    } finally {
      pt.delete();
      ct.delete();
    }
    return brandEncrypted(this.id, out);
  }

  decrypt(sum: EncryptedSum): Float64Array {
    const { seal, context } = this.ctx;
    const slots = this.ctx.slotCount;
    const out = new Float64Array(sum.length);
    const ct = seal.CipherText();
    const pt = seal.PlainText();
    try {
      sum.ciphertexts.forEach((bytes, b) => {
        ct.loadArray(context, bytes);
        this.decryptor.decrypt(ct, pt);
        const vals = this.encoder.decode(pt) as Float64Array;
        const start = b * slots;
        const n = Math.min(slots, sum.length - start);
        for (let i = 0; i < n; i++) out[start + i] = vals[i];
      });
    } finally {
      ct.delete();
      pt.delete();
    }
    return out;
  }

  dispose(): void {
    this.encryptor.delete();
    this.decryptor.delete();
    this.encoder.delete();
    this.publicKey.delete();
    this.secretKey.delete();
  }
}

/**
 * Checks SEAL's 16-byte serialization header (magic 0xA15E, header size 16, version 4.x,
 * compression mode none/zlib/zstd, total size) before SEAL parses the bytes: a malformed buffer
 * makes the WebAssembly module abort, which can leave it unusable for the rest of the process.
 */
export function looksLikeSealObject(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return v.getUint16(0, true) === 0xa15e && bytes[2] === 16 && bytes[3] === 4 && bytes[5] <= 2 && v.getBigUint64(8, true) === BigInt(bytes.length);
}

/** The aggregator: no key of any kind; adds EncryptedInputs and nothing else. */
export class CkksAggregator {
  private readonly evaluator;
  private acc: CipherText[] = [];
  private blocks = -1;
  private count = 0;

  constructor(
    private readonly ctx: CkksContext,
    readonly length: number,
  ) {
    this.evaluator = ctx.seal.Evaluator(ctx.context);
    this.blocks = Math.ceil(length / ctx.slotCount);
  }

  add(input: EncryptedInput): void {
    const { seal, context } = this.ctx;
    if (input.ciphertexts.length !== this.blocks) throw new SecAggProtocolError(`ckks aggregator: site ${input.from} sent ${input.ciphertexts.length} ciphertexts, expected ${this.blocks}`);
    input.ciphertexts.forEach((bytes, b) => {
      if (!looksLikeSealObject(bytes)) {
        throw new SecureAggregationAborted('bad-ciphertext', `secure aggregation aborted: ciphertext ${b} from site ${input.from} is not a SEAL ciphertext (bad header)`);
      }
      const ct = seal.CipherText();
      try {
        ct.loadArray(context, bytes);
      } catch (e) {
        ct.delete();
        throw new SecureAggregationAborted('bad-ciphertext', `secure aggregation aborted: ciphertext ${b} from site ${input.from} does not load under the federation's parameters (${String((e as Error).message ?? e)})`);
      }
      if (this.count === 0) this.acc.push(ct);
      else {
        this.evaluator.add(this.acc[b], ct, this.acc[b]);
        ct.delete();
      }
    });
    this.count++;
  }

  /** The encrypted sum of what was added. */
  result(): EncryptedSum {
    if (this.count === 0) throw new SecAggProtocolError('ckks aggregator: no input to sum');
    return { ciphertexts: this.acc.map((ct) => ct.saveArray(this.ctx.seal.ComprModeType.zstd)), length: this.length };
  }

  dispose(): void {
    for (const ct of this.acc) ct.delete();
    this.acc = [];
    this.evaluator.delete();
  }
}

/**
 * A high-probability bound on |decrypted sum − true sum| per slot, for `sites` fresh
 * encryptions added together, from the canonical-embedding analysis of Cheon et al. (2017):
 * fresh public-key encryption noise B_clean = 8√2·σN + 6σ√N + 16σ√(hN) (Lemma 1), divided by the
 * special prime P when SEAL encrypts at q0·P and switches down, plus the rounding error of that
 * division B_rs = √(N/3)·(3 + 8√h) (Lemma 2), plus encoding's rounding of N coefficients (≤ N/2
 * in the embedding); σ = 3.2 (SEAL's error), h = N (SEAL's ternary secret has at most N nonzero
 * coefficients: conservative). Each site's error adds, so the sum's bound is `sites` times one
 * site's, divided by the scale. It is heuristic (those lemmas bound the canonical norm with
 * overwhelming probability, not always); the tests compare measured errors against it.
 */
export function ckksSumErrorBound(params: CkksParameters, sites: number): number {
  const N = params.polyModulusDegree;
  const sigma = 3.2;
  const h = N;
  const bClean = 8 * Math.SQRT2 * sigma * N + 6 * sigma * Math.sqrt(N) + 16 * sigma * Math.sqrt(h * N);
  const bits = params.coeffModulusBits;
  const special = bits.length > 1 ? 2 ** bits[bits.length - 1] : 1;
  const bRs = bits.length > 1 ? Math.sqrt(N / 3) * (3 + 8 * Math.sqrt(h)) : 0;
  const perSite = bClean / special + bRs + N / 2;
  return (sites * perSite) / 2 ** params.scaleBits;
}
