/**
 * CKKS homomorphic sums as a SecureAggregator. Keys are made once (per arm and seed) by a key
 * provisioner and given to every site, as in NVFlare; the aggregator object holds no key.
 *
 * Release of the sum (`release`):
 *  - 'sites': every contributing site downloads the encrypted sum and decrypts it; the server
 *    never learns the aggregate (NVFlare's model). Server optimizers (FedAdam, FedYogi,
 *    FedAdagrad, FedAvgM), which update state from the plaintext mean at the server, cannot run:
 *    the compatibility check refuses them.
 *  - 'server': the round trip: one site (the lowest contributing id) decrypts the sum and returns
 *    it to the server in float32, as the model is. The server then learns the aggregate (as with
 *    masking) but no single site's update. Caveat (Li & Micciancio, "On the Security of
 *    Homomorphic Encryption on Approximate Numbers", EUROCRYPT 2021): a raw CKKS decryption
 *    carries its noise and can leak the secret key to whoever receives it; rounding to float32
 *    removes only the bits below float32 precision, a partial mitigation, not the noise flooding
 *    that restores IND-CPA^D security. fedage states this; it does not claim more.
 */
import { CKKS_ADDITION_DEFAULTS, CkksAggregator, CkksContext, CkksSite, ckksSumErrorBound, generateCkksKeys, type CkksKeyMaterial, type CkksParameters } from './ckks.js';
import { SecAggConfigError } from './errors.js';
import type { EncryptedInput } from './aggregator.js';
import { checkInput, drawDropouts, type DropoutStage, type SecureAggregator, type SecureSumInput, type SecureSumResult } from './secure-sum.js';

export interface CkksConfig {
  kind: 'ckks';
  params: CkksParameters;
  /** Weights are encoded as weight / maxWeight ≤ 1 to keep sums inside the modulus headroom. */
  maxWeight: number;
  release: 'sites' | 'server';
  dropoutProbability: number;
}

export function ckksDefaults(overrides: Partial<CkksConfig> = {}): CkksConfig {
  return { kind: 'ckks', params: CKKS_ADDITION_DEFAULTS, maxWeight: 1000, release: 'server', dropoutProbability: 0, ...overrides };
}

export class CkksSecureAggregator implements SecureAggregator {
  readonly kind = 'ckks' as const;
  readonly protocol: string;
  readonly serverSeesSum: boolean;
  /** Bytes of the federation's public key (sent once per run to each site by the provisioner). */
  readonly publicKeyBytes: number;
  private disposed = false;

  private constructor(
    readonly config: CkksConfig,
    private readonly ctx: CkksContext,
    private readonly keys: CkksKeyMaterial,
  ) {
    const p = config.params;
    this.protocol = `ckks (Cheon et al. 2017; SEAL via node-seal, N=${p.polyModulusDegree}, moduli [${p.coeffModulusBits.join(', ')}], scale 2^${p.scaleBits}; sum released to ${config.release === 'server' ? 'the server' : 'sites only'})`;
    this.serverSeesSum = config.release === 'server';
    this.publicKeyBytes = keys.publicKey.length;
  }

  static async create(config: CkksConfig): Promise<CkksSecureAggregator> {
    if (!(config.maxWeight > 0) || !Number.isFinite(config.maxWeight)) throw new SecAggConfigError(`ckks maxWeight: expected a finite number > 0, found ${config.maxWeight}`);
    const ctx = await CkksContext.create(config.params);
    return new CkksSecureAggregator(config, ctx, generateCkksKeys(ctx));
  }

  async sum(input: SecureSumInput): Promise<SecureSumResult> {
    if (this.disposed) throw new Error('ckks aggregator used after dispose()');
    const d = checkInput(input);
    const n = input.updates.length;
    const cfg = this.config;
    const dropouts = input.dropouts ?? drawDropouts(n, cfg.dropoutProbability, 'before-masked-input', input.rng);
    const contributors = [...Array(n).keys()].filter((u) => !dropouts.has(u));
    if (contributors.length === 0) throw new SecAggConfigError('ckks: every site dropped in this round');
    const limit = this.ctx.sumMagnitudeLimit / contributors.length;
    const up = new Array<number>(n).fill(0);
    const down = new Array<number>(n).fill(0);
    const siteMs: number[] = [];
    const payload = new Array<number>(n).fill(0);
    let cpu = 0;
    const agg = new CkksAggregator(this.ctx, d + 1);
    const sites = new Map<number, CkksSite>();
    try {
      let serverMs = 0;
      let ratioTotal = 0;
      for (const u of contributors) {
        const w = input.weights[u];
        if (!(w > 0) || w > cfg.maxWeight) throw new SecAggConfigError(`ckks weight of site ${u}: expected a number in (0, maxWeight ${cfg.maxWeight}], found ${w}`);
        const r = w / cfg.maxWeight;
        ratioTotal += r;
        const t0 = performance.now();
        const values = new Float64Array(d + 1);
        const x = input.updates[u];
        for (let i = 0; i < d; i++) {
          const v = r * x[i];
          if (!(Math.abs(v) <= limit)) throw new SecAggConfigError(`ckks input: site ${u}'s weighted update value ${v} at index ${i} exceeds ±${limit.toPrecision(3)}, the headroom of q0 / scale for ${contributors.length} sites; use a larger first prime or a smaller scale`);
          values[i] = v;
        }
        values[d] = r;
        const site = new CkksSite(this.ctx, u, this.keys);
        sites.set(u, site);
        const enc: EncryptedInput = site.encrypt(values);
        const encMs = performance.now() - t0;
        up[u] += enc.ciphertexts.reduce((a, c) => a + c.length, 0);
        payload[u] = up[u];
        const t1 = performance.now();
        agg.add(enc);
        serverMs += performance.now() - t1;
        siteMs.push(encMs);
        cpu += encMs;
      }
      const t2 = performance.now();
      const sum = agg.result();
      serverMs += performance.now() - t2;
      cpu += serverMs;
      const sumBytes = sum.ciphertexts.reduce((a, c) => a + c.length, 0);
      // Decryption: by every contributor ('sites') or one ('server', which then uploads float32).
      const decryptors = cfg.release === 'sites' ? contributors : [contributors[0]];
      let plain: Float64Array | null = null;
      let decMs = 0;
      for (const u of decryptors) {
        down[u] += sumBytes;
        const t3 = performance.now();
        plain = sites.get(u)!.decrypt(sum);
        const ms = performance.now() - t3;
        decMs = Math.max(decMs, ms);
        cpu += ms;
      }
      if (cfg.release === 'server') {
        plain = Float64Array.from(new Float32Array(plain!)); // what travels back: float32
        up[decryptors[0]] += 4 * (d + 1);
      }
      const carriedRatio = plain![d];
      const mean = new Float64Array(d);
      const weightedSum = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        mean[i] = plain![i] / carriedRatio;
        weightedSum[i] = plain![i] * cfg.maxWeight;
      }
      // mean = N / R: |Δmean| ≤ |ΔN| / R + |N| |ΔR| / R² to first order, where ΔN and ΔR are the CKKS
      // error of the decrypted sums plus, for 'server' release, float32 rounding (relative 2^-24).
      const ckksBound = ckksSumErrorBound(cfg.params, contributors.length);
      const numMax = maxAbs(weightedSum, cfg.maxWeight);
      const f32 = cfg.release === 'server' ? 2 ** -24 : 0;
      const errN = ckksBound + numMax * f32;
      const errR = ckksBound + ratioTotal * f32;
      return {
        mean,
        weightedSum,
        weightTotal: carriedRatio * cfg.maxWeight,
        contributors,
        dropouts: [...dropouts].map(([site, stage]) => ({ site, stage: stage as DropoutStage })).sort((a, b) => a.site - b.site),
        bytesUpPerSite: up,
        bytesDownPerSite: down,
        cryptoTimeMs: Math.max(0, ...siteMs) + serverMs + decMs,
        cpuTimeMs: cpu,
        stageTimesMs: { encrypt: Math.max(0, ...siteMs), add: serverMs, decrypt: decMs },
        payloadBytesUpPerSite: payload,
        clippedPerSite: new Array<number>(n).fill(0),
        clippedCount: 0,
        // Error of the numerator over the exact denominator, plus the denominator's own error (first order).
        meanAbsErrorBound: errN / (ratioTotal - errR) + (numMax * errR) / ((ratioTotal - errR) * ratioTotal),
      };
    } finally {
      for (const s of sites.values()) s.dispose();
      agg.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ctx.dispose();
  }
}

function maxAbs(weightedSum: Float64Array, maxWeight: number): number {
  let m = 0;
  for (const v of weightedSum) m = Math.max(m, Math.abs(v / maxWeight));
  return m;
}
