/**
 * fedage bench with secure aggregation and compression (built CLI): the wrapped twin of an arm
 * against its plaintext arm, bytes measured from encoded messages, refusals with exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = 'scenarios/alzheimers-3site.yaml';
const QUICK = ['--seeds', '1', '--arms', 'fedavg', '--workers', '1'];
/** A flag may be given once (fedage refuses repeats), so the round count is its own argument. */
const rounds = (n: number) => ['--rounds', String(n)];

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const arm = (r: any, name: string) => {
  const a = r.perSeed.find((x: any) => x.arm === name);
  assert.ok(a, `no arm ${name} in ${r.perSeed.map((x: any) => x.arm).join(', ')}`);
  return a;
};

/** Σ over rounds of each site's bytes, from the per-round wrapper records. */
function roundTotals(rounds: any[], key: 'bytesUpPerSite' | 'bytesDownPerSite'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rounds) for (const [id, b] of Object.entries<number>(r[key])) out[id] = (out[id] ?? 0) + b;
  return out;
}

describe('fedage bench with secure aggregation and compression (built CLI)', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedage-secagg-e2e-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('from a --config bench section (randk + masking, k-regular): results and the report section', () => {
    const cfg = join(root, 'bench.yaml');
    writeFileSync(cfg, 'bench:\n  arms: [fedavg]\n  seeds: 1\n  federated:\n    rounds: 3\n  compression: randk:0.5\n  secureAggregation:\n    kind: masking\n    graph: k-regular\n    numShares: 3\n    clippingRange: 4\n');
    const out = join(root, 'out');
    const run = fedage('bench', SCENARIO, '--config', cfg, '--workers', '1', '--out', out);
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const w = arm(r, 'fedavg+randk:0.5+secagg').wrappers;
    assert.equal(w.compression, 'randk:0.5');
    // With 3 sites, a 2-regular graph is the complete graph: the protocol says so.
    assert.match(w.secureAggregation.protocol, /^masking \(SecAgg/);
    for (const rec of w.rounds) assert.ok(rec.maxAbsDiff <= rec.errorBound);
    assert.equal(w.rounds.length, 3);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<section id="wrappers"/);
    assert.match(html, /Secure aggregation and compression per arm/);
    assert.match(html, /Communication vs AUC/);
    assert.match(html, /fedavg\+randk:0\.5\+secagg/);
    // Measured times live in timings.json, not results.json: a rerun gives the same results.json.
    for (const rec of w.rounds) for (const k of ['computeMs', 'codecMs', 'cryptoMs']) assert.equal(rec[k], undefined, k);
    const timings = JSON.parse(readFileSync(join(out, 'timings.json'), 'utf8'));
    assert.equal(timings.format, 'fedage-bench-timings');
    const t = timings.arms.find((a: any) => a.arm === 'fedavg+randk:0.5+secagg');
    assert.equal(t.rounds.length, 3);
    assert.ok(t.rounds.every((x: any) => x.cryptoMs > 0 && x.codecMs >= 0 && x.computeMs > 0));
    const again = join(root, 'out-again');
    assert.equal(fedage('bench', SCENARIO, '--config', cfg, '--workers', '1', '--out', again).status, 0);
    const { argv: _a, ...first } = r;
    const { argv: _b, ...second } = JSON.parse(readFileSync(join(again, 'results.json'), 'utf8'));
    assert.deepEqual(second, first);
    // fedage report merges timings.json back: the rebuilt report equals the bench's own.
    const rebuilt = fedage('report', join(out, 'results.json'), '--out', join(out, 'rebuilt.html'));
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.equal(readFileSync(join(out, 'rebuilt.html'), 'utf8'), html);
    rmSync(join(out, 'timings.json'));
    assert.equal(fedage('report', join(out, 'results.json'), '--out', join(out, 'untimed.html')).status, 0);
    const untimed = readFileSync(join(out, 'untimed.html'), 'utf8');
    assert.notEqual(untimed, html);
    assert.match(untimed, /fedavg\+randk:0\.5\+secagg<\/th>.*?<td class="num">–<\/td><td class="num">–<\/td>/s);
    assert.doesNotMatch(html, /No secure aggregation in this run/);
  });

  test('masking: the fedavg+secagg twin matches fedavg within the quantization bound; bytes measured', () => {
    const run = fedage('bench', SCENARIO, ...QUICK, ...rounds(4), '--secure-aggregation', 'masking', '--json');
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(run.stdout);
    const plain = arm(r, 'fedavg');
    const sec = arm(r, 'fedavg+secagg');
    const w = sec.wrappers;
    assert.equal(w.baseArm, 'fedavg');
    assert.equal(w.secureAggregation.kind, 'masking');
    assert.equal(w.rounds.length, 4);
    const d = r.features.length + 1; // logistic: weights + bias
    for (const rec of w.rounds) {
      // The measured difference to the plaintext mean of the same updates is within the stated bound.
      assert.ok(rec.maxAbsDiff <= rec.errorBound, `round ${rec.round}: |secure − plaintext| ${rec.maxAbsDiff} > bound ${rec.errorBound}`);
      assert.ok(rec.errorBound > 0 && rec.errorBound < 1e-3, `bound ${rec.errorBound}`);
      assert.equal(rec.clippedValues, 0);
      assert.deepEqual(rec.contributors, rec.participants);
      // A masked upload carries d + 1 words of log2(2^32) bits, plus keys and shares.
      for (const b of Object.values<number>(rec.bytesUpPerSite)) assert.ok(b >= 4 * (d + 1), `${b} bytes < ${4 * (d + 1)}`);
      for (const b of Object.values<number>(rec.bytesDownPerSite)) assert.ok(b > 0);
      assert.equal(rec.cryptoMs, undefined, 'measured times are in timings.json, not results.json');
    }
    // The arm's communication record is the measured protocol bytes (up) and broadcast + protocol (down).
    assert.deepEqual(sec.communication.bytesUpPerSite, roundTotals(w.rounds, 'bytesUpPerSite'));
    const down = roundTotals(w.rounds, 'bytesDownPerSite');
    for (const [id, b] of Object.entries<number>(sec.communication.bytesDownPerSite)) assert.equal(b, plain.communication.bytesDownPerSite[id] + down[id]);
    assert.ok(sec.communication.totalBytesUp > plain.communication.totalBytesUp, 'masking costs bytes');
    // Per-round model differences of ~1e-5 leave the AUC where it was.
    assert.ok(Math.abs(sec.pooled.auc - plain.pooled.auc) <= 0.005, `${sec.pooled.auc} vs ${plain.pooled.auc}`);
    assert.ok(w.maxAbsDiffVsPlaintext <= w.quantizationErrorBound);
  });

  test('masking with dropouts: each round either survives (contributors = participants − dropouts) or aborts below threshold', () => {
    const run = fedage('bench', SCENARIO, ...QUICK, ...rounds(6), '--secure-aggregation', 'masking', '--dropout-probability', '0.3', '--json');
    assert.equal(run.status, 0, run.stderr);
    const w = arm(JSON.parse(run.stdout), 'fedavg+secagg').wrappers;
    let survived = 0;
    for (const rec of w.rounds) {
      if (rec.aborted === null) {
        assert.deepEqual([...rec.contributors, ...rec.dropouts].sort(), [...rec.participants].sort());
        assert.ok(rec.contributors.length >= w.secureAggregation.threshold);
        survived += rec.dropouts.length;
      } else {
        assert.deepEqual(rec.contributors, []);
      }
    }
    assert.equal(w.dropoutsSurvived, survived);
    assert.equal(w.roundsAborted, w.rounds.filter((x: any) => x.aborted !== null).length);
  });

  test('ckks: the fedavg+ckks twin within its error bound; ciphertexts cost more than float32', () => {
    const run = fedage('bench', SCENARIO, ...QUICK, ...rounds(2), '--secure-aggregation', 'ckks', '--json');
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(run.stdout);
    const sec = arm(r, 'fedavg+ckks');
    for (const rec of sec.wrappers.rounds) assert.ok(rec.maxAbsDiff <= rec.errorBound, `${rec.maxAbsDiff} > ${rec.errorBound}`);
    assert.ok(sec.communication.totalBytesUp > 10 * arm(r, 'fedavg').communication.totalBytesUp);
    assert.ok(Math.abs(sec.pooled.auc - arm(r, 'fedavg').pooled.auc) <= 0.005);
  });

  test('compression q8: the upload is the encoded message, about a quarter of float32', () => {
    const run = fedage('bench', SCENARIO, ...QUICK, ...rounds(4), '--compression', 'q8', '--json');
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(run.stdout);
    const plain = arm(r, 'fedavg');
    const q = arm(r, 'fedavg+q8');
    const d = r.features.length + 1;
    for (const rec of q.wrappers.rounds) {
      for (const b of Object.values<number>(rec.bytesUpPerSite)) {
        // One byte per value plus a header and the scale: more than d, far less than 4d.
        assert.ok(b >= d && b <= d + 32, `q8 message of ${b} bytes for d = ${d}`);
      }
    }
    assert.ok(q.communication.totalBytesUp < plain.communication.totalBytesUp / 2);
    assert.deepEqual(q.communication.bytesDownPerSite, plain.communication.bytesDownPerSite, 'downloads are the uncompressed broadcast');
    assert.ok(Math.abs(q.pooled.auc - plain.pooled.auc) <= 0.05);
  });

  test('refusals (exit 2) and the dry run', () => {
    const dp = fedage('bench', SCENARIO, ...QUICK, ...rounds(4), '--secure-aggregation', 'masking', '--dp-level', 'client', '--epsilons', '1', '--dry-run');
    assert.equal(dp.status, 2, dp.stderr);
    assert.match(dp.stderr, /client-level DP with masking/);
    assert.doesNotMatch(dp.stderr, /at .*\.js:\d+/, 'no stack trace');
    const topk = fedage('bench', SCENARIO, ...QUICK, ...rounds(4), '--secure-aggregation', 'masking', '--compression', 'topk:0.1', '--dry-run');
    assert.equal(topk.status, 2);
    assert.match(topk.stderr, /top-k/);
    const bad = fedage('bench', SCENARIO, ...QUICK, ...rounds(4), '--secure-aggregation', 'paillier', '--dry-run');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--secure-aggregation: expected masking or ckks/);
    const dry = fedage('bench', SCENARIO, ...QUICK, ...rounds(4), '--secure-aggregation', 'masking', '--secagg-graph', 'k-regular', '--num-shares', '3', '--dp-level', 'sample', '--epsilons', '1', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /fedavg\+dp\(eps=1\)\+secagg \[federated\]/);
    assert.match(dry.stdout, /secure aggregation: masking, k-regular graph \(SecAgg\+\), numShares 3/);
  });
});
