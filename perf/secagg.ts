/**
 * Secure aggregation cost: `npm run perf:secagg`. One federated round of 10 sites × ~100,000
 * parameters (an MLP 48 → 2000 → 1, trained one epoch on 512 synthetic rows per site, so updates
 * have realistic magnitudes and the round has a realistic compute part), aggregated by:
 *   plaintext float32 | plaintext fixed-point (Flower's encoding, no masks) |
 *   masking, complete graph | masking, 4-regular graph (numShares 5) | the same with one dropout |
 *   masking at modulusRange 2^26 | CKKS (N = 8192, [60, 40], scale 2^40).
 * Prints time (compute = the slowest site's local training; crypto = the protocol's critical
 * path) and bytes per site, then the issue's targets and whether they are met. Medians of 3
 * repetitions; the machine is shared, so timings are noisy.
 */
import { createCompressor } from '../src/compression/registry.js';
import { createModel } from '../src/model/create-model.js';
import { Sgd } from '../src/model/optimizer.js';
import { trainLocal } from '../src/model/train.js';
import { CkksSecureAggregator, ckksDefaults } from '../src/secagg/ckks-aggregator.js';
import { encodeUpdate, FLOWER_FIXED_POINT_DEFAULTS, decodeSum } from '../src/secagg/fixed-point.js';
import { MaskingAggregator, maskingDefaults, type MaskingConfig } from '../src/secagg/masking-aggregator.js';
import type { SecureAggregator, SecureSumResult } from '../src/secagg/secure-sum.js';
import { packWords, unpackWords } from '../src/secagg/wire.js';
import { Xoshiro128, streamState } from '../src/random/rng.js';

const SITES = 10;
const ROWS = 512;
const REPS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
const kB = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

// Local training: the compute part of a round, and the updates to aggregate.
const model = createModel({ kind: 'mlp', featureCount: 48, hiddenUnits: [2000], l2: 1e-4 });
const d = model.paramCount;
const init = model.init(() => 0.5);
{
  const r = new Xoshiro128(streamState(1, 'init'));
  const p = model.init(() => r.uniform());
  init.set(p);
}
const updates: Float64Array[] = [];
const trainMs: number[] = [];
for (let s = 0; s < SITES; s++) {
  const r = new Xoshiro128(streamState(1, 'site', String(s)));
  const x = Float64Array.from({ length: ROWS * 48 }, () => r.normal());
  const y = Float64Array.from({ length: ROWS }, (_, i) => (x[i * 48] + 0.5 * x[i * 48 + 1] + 0.3 * r.normal() > 0 ? 1 : 0));
  const params = init.slice();
  const t0 = performance.now();
  trainLocal(model, params, { n: ROWS, d: 48, x, y }, { batchSize: 32, epochs: 1, optimizer: new Sgd(0.05), random: () => r.uniform() });
  trainMs.push(performance.now() - t0);
  updates.push(params.map((v, i) => v - init[i]));
}
const weights = Array.from({ length: SITES }, (_, s) => 300 + 50 * s);
const computeMs = Math.max(...trainMs);

interface Row {
  arm: string;
  computeMs: number;
  aggMs: number;
  keyAgreementMs: number;
  upPerSite: number;
  payloadUpPerSite: number;
  downPerSite: number;
  maxAbsDiff: number;
  note: string;
}
const rows: Row[] = [];

// Reference: the exact weighted mean in float64.
const total = weights.reduce((a, v) => a + v, 0);
const exact = new Float64Array(d);
for (let s = 0; s < SITES; s++) for (let i = 0; i < d; i++) exact[i] += (weights[s] * updates[s][i]) / total;
const maxDiff = (m: Float64Array) => {
  let x = 0;
  for (let i = 0; i < d; i++) x = Math.max(x, Math.abs(m[i] - exact[i]));
  return x;
};

// Plaintext float32: each site serializes, the server parses and averages.
{
  const times: number[] = [];
  let m = new Float64Array(d);
  for (let rep = 0; rep < REPS; rep++) {
    const siteMs: number[] = [];
    const msgs: Uint8Array[] = [];
    for (const u of updates) {
      const t0 = performance.now();
      msgs.push(new Uint8Array(Float32Array.from(u).buffer));
      siteMs.push(performance.now() - t0);
    }
    const t1 = performance.now();
    m = new Float64Array(d);
    msgs.forEach((b, s) => {
      const f = new Float32Array(b.buffer);
      const w = weights[s] / total;
      for (let i = 0; i < d; i++) m[i] += w * f[i];
    });
    times.push(Math.max(...siteMs) + performance.now() - t1);
  }
  rows.push({ arm: 'plaintext float32', computeMs, aggMs: median(times), keyAgreementMs: 0, upPerSite: 4 * d, payloadUpPerSite: 4 * d, downPerSite: 0, maxAbsDiff: maxDiff(m), note: '' });
}

// Plaintext fixed point (Flower's encoding, no masks), packed at 23 bits: what masking starts from.
const cfg = { ...FLOWER_FIXED_POINT_DEFAULTS, maxWeight: 1000 };
const plainBits = Math.ceil(Math.log2(cfg.quantizationRange + 1));
let plainQuantBytes = 0;
{
  const times: number[] = [];
  let m: Float64Array = new Float64Array(d);
  for (let rep = 0; rep < REPS; rep++) {
    const rng = new Xoshiro128(streamState(rep, 'rounding'));
    const siteMs: number[] = [];
    const msgs: Uint8Array[] = [];
    for (let s = 0; s < SITES; s++) {
      const t0 = performance.now();
      msgs.push(packWords(encodeUpdate(updates[s], weights[s], cfg, rng).words, plainBits));
      siteMs.push(performance.now() - t0);
    }
    const t1 = performance.now();
    const sum = new Uint32Array(d + 1);
    for (const b of msgs) {
      const w = unpackWords(b, d + 1, plainBits);
      for (let i = 0; i <= d; i++) sum[i] = (sum[i] + w[i]) >>> 0;
    }
    m = decodeSum(sum, SITES, cfg).mean;
    times.push(Math.max(...siteMs) + performance.now() - t1);
    plainQuantBytes = msgs[0].length;
  }
  rows.push({ arm: `plaintext fixed-point (${plainBits}-bit words)`, computeMs, aggMs: median(times), keyAgreementMs: 0, upPerSite: plainQuantBytes, payloadUpPerSite: plainQuantBytes, downPerSite: 0, maxAbsDiff: maxDiff(m), note: '' });
}

async function measure(arm: string, make: () => Promise<SecureAggregator>, dropouts?: Map<number, 'before-masked-input'>): Promise<Row> {
  const agg = await make();
  const results: SecureSumResult[] = [];
  const times: number[] = [];
  const keyMs: number[] = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      const r = await agg.sum({ updates, weights, round: rep + 1, rng: new Xoshiro128(streamState(rep, 'rounding')), dropouts });
      results.push(r);
      times.push(r.cryptoTimeMs);
      keyMs.push((r.stageTimesMs.setup ?? 0) + (r.stageTimesMs.shareKeys ?? 0));
    }
  } finally {
    agg.dispose();
  }
  const r = results[0];
  const live = r.contributors;
  // With dropouts, compare with the exact mean over the contributors.
  const tot = live.reduce((a, s) => a + weights[s], 0);
  let diff = 0;
  for (let i = 0; i < d; i++) {
    let e = 0;
    for (const s of live) e += (weights[s] * updates[s][i]) / tot;
    diff = Math.max(diff, Math.abs(r.mean[i] - e));
  }
  const liveUp = live.map((s) => r.bytesUpPerSite[s]);
  return {
    arm,
    computeMs,
    aggMs: median(times),
    keyAgreementMs: median(keyMs),
    upPerSite: mean(liveUp),
    payloadUpPerSite: mean(live.map((s) => r.payloadBytesUpPerSite[s])),
    downPerSite: Math.max(...live.map((s) => r.bytesDownPerSite[s])),
    maxAbsDiff: diff,
    note: `bound ${r.meanAbsErrorBound.toExponential(1)}${r.clippedCount > 0 ? `, ${r.clippedCount} clipped` : ''}${dropouts ? `, ${r.dropouts.length} dropout` : ''}`,
  };
}

const masking = (o: Partial<MaskingConfig>) => async () => new MaskingAggregator(maskingDefaults(o), SITES);
rows.push(await measure('masking, complete graph (t = 6 of 10)', masking({ graph: 'complete', reconstructionThreshold: 6 })));
rows.push(await measure('masking, 4-regular (numShares 5, t = 3)', masking({ graph: 'k-regular', numShares: 5, reconstructionThreshold: 3 })));
rows.push(await measure('masking, 4-regular, 1 dropout after key sharing', masking({ graph: 'k-regular', numShares: 5, reconstructionThreshold: 3 }), new Map([[4, 'before-masked-input']])));
rows.push(await measure('masking, complete, modulusRange 2^26', masking({ graph: 'complete', reconstructionThreshold: 6, modulusRange: 2 ** 26 })));
rows.push(await measure('CKKS N=8192 [60,40] 2^40, release to server', () => CkksSecureAggregator.create(ckksDefaults({ release: 'server' }))));

const plain = rows[0];
console.log(`secure aggregation, one round: ${SITES} sites × ${d} parameters (MLP 48→2000→1, 1 epoch on ${ROWS} rows per site), medians of ${REPS}`);
console.log('compute = the slowest site\'s local training; aggregation = serialization + protocol critical path (slowest site per stage + server); bytes exclude the model broadcast, the same for every arm\n');
console.log('| arm | round time (compute + aggregation) | of which key agreement | × plaintext round | × plaintext aggregation | up per site (update payload) | down per site, max | max abs diff vs float64 mean |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const round = r.computeMs + r.aggMs;
  console.log(
    `| ${r.arm} | ${round.toFixed(0)} ms (${r.computeMs.toFixed(0)} + ${r.aggMs.toFixed(1)}) | ${r.keyAgreementMs.toFixed(1)} ms | ${(round / (plain.computeMs + plain.aggMs)).toFixed(2)} | ${(r.aggMs / plain.aggMs).toFixed(1)} | ${kB(r.upPerSite)} (${kB(r.payloadUpPerSite)}) | ${kB(r.downPerSite)} | ${r.maxAbsDiff.toExponential(2)}${r.note ? ` (${r.note})` : ''} |`,
  );
}

// The issue's targets.
const plainRound = plain.computeMs + plain.aggMs;
console.log('\ntargets (issue 14 §6):');
for (const r of rows.filter((x) => x.arm.startsWith('masking'))) {
  const t = (r.computeMs + r.aggMs - r.keyAgreementMs) / plainRound;
  const keyMaterial = r.upPerSite - r.payloadUpPerSite;
  console.log(
    `- ${r.arm}: round time without key agreement ${t.toFixed(2)}× plaintext (target ≤ 1.5×: ${t <= 1.5 ? 'met' : 'NOT met'}); masked vector ${(r.payloadUpPerSite / plainQuantBytes).toFixed(2)}× the ${plainBits}-bit plaintext fixed-point upload, ${(r.payloadUpPerSite / (4 * (d + 1))).toFixed(2)}× as 32-bit words (target ≤ 1.1×: ${r.payloadUpPerSite <= 1.1 * plainQuantBytes ? 'met' : 'NOT met against packed words'}${r.payloadUpPerSite <= 1.1 * 4 * (d + 1) ? ', met against 32-bit words' : ''}), plus ${kB(keyMaterial)} of keys and shares`,
  );
}
const minBits = Math.ceil(Math.log2(SITES * cfg.quantizationRange + 1));
console.log(`  (a sum of ${SITES} values < 2^${plainBits} needs ${minBits}-bit words: masking can at best send ${(minBits / plainBits).toFixed(2)}× the packed plaintext fixed-point words)`);
const ck = rows[rows.length - 1];
console.log(
  `- CKKS: upload ${(ck.payloadUpPerSite / (4 * d)).toFixed(1)}× float32; round time ${((ck.computeMs + ck.aggMs) / plainRound).toFixed(2)}× plaintext (NVFlare reports ~2.7× round time for its HE setup; crypto alone ${ck.aggMs.toFixed(0)} ms against ${plain.aggMs.toFixed(1)} ms)`,
);

// Compression of one site's update: message bytes (encoded) and encode + decode time.
console.log('\ncompression of one site\'s update (100,001 float64 values; float32 upload = 391 KiB):');
console.log('| compressor | message | × float32 | encode + decode | relative L2 error of the decoded update |');
console.log('|---|---|---|---|---|');
for (const spec of ['q8', 'q4', 'q2', 'topk:0.1', 'randk:0.1']) {
  const c = createCompressor(spec);
  const u = updates[0];
  const ctx = { round: 1, site: 0, sharedSeed: 7, rng: new Xoshiro128(streamState(1, 'compress')) };
  const ts: number[] = [];
  let bytes = 0;
  let err = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const t0 = performance.now();
    const msg = c.encode(u, c.newState(d), ctx);
    const x = c.decode(msg, d, ctx);
    ts.push(performance.now() - t0);
    bytes = msg.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < d; i++) {
      num += (x[i] - u[i]) ** 2;
      den += u[i] * u[i];
    }
    err = Math.sqrt(num / den);
  }
  console.log(`| ${spec} | ${kB(bytes)} | ${(bytes / (4 * d)).toFixed(3)} | ${median(ts).toFixed(1)} ms | ${err.toFixed(3)} |`);
}
