/**
 * Real federation on loopback: the aggregator in this process, one `fedage site` child process
 * per site (the built CLI), mutual TLS. Every child is killed when a test ends, whatever happens.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { loadScenario } from '../../src/scenario/parse.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { runBench } from '../../src/bench/runner.js';
import { benchOverrides, type BenchCommandOptions } from '../../src/cli/bench.js';
import { federate, serveFederation, spawnSite } from '../../src/distributed/federation.js';
import { createCa, initCertificates, issueCertificate, revokeSite, CERT_FILES, writePrivateFile } from '../../src/distributed/certs.js';
import { writeFileAtomic } from '../../src/write-file-atomic.js';
import type { BenchResult } from '../../src/bench/results.js';

const SITES = ['se-memory', 'us-academic', 'us-community'];
let root = '';
let data = '';
let certs = '';
const children: ChildProcess[] = [];
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'fedage-federate-test-'));
  data = join(root, 'data');
  certs = join(root, 'certs');
  const scenario = await loadScenario('scenarios/alzheimers-3site.yaml');
  await writeSyntheticDataset(scenario, { outDir: data, visits: false, scale: 0.25 });
  await initCertificates({ consortium: 'test', sites: SITES, outDir: certs });
});

after(() => {
  killAll();
  rmSync(root, { recursive: true, force: true });
});

/**
 * results.json without the transport record, the timing fields (wall-clock milliseconds of the
 * secure-aggregation wrapper) and the secure-vs-plaintext difference (the distributed aggregator
 * never holds the plaintext updates to measure it: null there).
 */
const withoutTransport = (r: BenchResult) =>
  JSON.stringify({ ...r, transport: undefined, argv: undefined }, (k, v) => (/Ms$|MsPerRound$|^maxAbsDiff/.test(k) ? undefined : v));

async function equivalent(flags: BenchCommandOptions): Promise<BenchResult> {
  const overrides = benchOverrides({ seeds: '1', rounds: '3', workers: '1', ...flags });
  const inProcess = await runBench(data, { overrides, workers: 1 });
  const { run } = await federate({ input: data, certsDir: certs, bench: { overrides }, roundDeadlineMs: 60_000, joinTimeoutMs: 30_000, onChild: (_s, c) => children.push(c) });
  assert.equal(withoutTransport(run.result), withoutTransport(inProcess.result), 'results.json equal apart from transport');
  const t = run.result.transport!;
  assert.equal(t.events.filter((e) => e.kind === 'joined').length, 3);
  assert.deepEqual(t.events.filter((e) => !['listening', 'joined', 'done'].includes(e.kind)), [], 'no fault events');
  assert.ok(t.bytesSent > 0 && t.bytesReceived > 0);
  return run.result;
}

test('federate: plain FedAvg, sample-level DP (seeded noise) and masking secure aggregation equal the in-process run bit for bit', { timeout: 120_000 }, async () => {
  const r = await equivalent({ arms: 'fedavg,fedprox', dpLevel: 'sample', epsilons: '4', noiseSeed: '7', secureAggregation: 'masking' });
  const arms = new Set(r.perSeed.map((x) => x.arm));
  assert.ok([...arms].some((a) => a.includes('secagg')), [...arms].join(','));
  assert.ok([...arms].some((a) => a.includes('dp')), [...arms].join(','));
  // 3 sites × rounds × federated arms answered remotely.
  assert.ok(r.transport!.rounds.every((x) => x.answered === x.sampled));
});

test('federate: client-level DP (DP-FedAvg, seeded noise) equals the in-process run', { timeout: 120_000 }, async () => {
  await equivalent({ arms: 'fedavg', dpLevel: 'client', epsilons: '8', noiseSeed: '3' });
});

test('kill -9 of a site mid-run: dropped for the rounds it misses, the run goes on with the others, and a restarted site joins again', { timeout: 180_000 }, async () => {
  const overrides = benchOverrides({ seeds: '1', rounds: '8', arms: 'fedavg' });
  let killedAt = 0;
  const byId = new Map<string, ChildProcess>();
  let port = 0;
  const { run } = await federate({
    input: data,
    certsDir: certs,
    minSites: 2,
    roundDeadlineMs: 3000,
    joinTimeoutMs: 60_000,
    onEvent: (e) => {
      const m = /:(\d+) \(mutual TLS/.exec(e.message);
      if (e.kind === 'listening' && m) port = Number(m[1]);
    },
    onChild: (site, c) => {
      children.push(c);
      byId.set(site, c);
    },
    bench: {
      overrides,
      onProgress: (p) => {
        if (p.round === 2 && killedAt === 0) {
          killedAt = 2;
          byId.get('se-memory')!.kill('SIGKILL');
          // The hospital restarts its process: it joins again and re-prepares its data.
          children.push(spawnSite({ data, site: 'se-memory', server: `127.0.0.1:${port}`, certsDir: certs, extra: ['--quiet'] }));
        }
      },
    },
  });
  const t = run.result.transport!;
  assert.equal(killedAt, 2);
  const drops = t.events.filter((e) => e.site === 'se-memory' && (e.kind === 'deadline' || e.kind === 'dropped' || e.kind === 'absent'));
  assert.ok(drops.length >= 1, JSON.stringify(t.events));
  assert.equal(t.rounds.find((r) => r.round === 3)!.answered, 2, 'round 3: the killed site is missing');
  assert.ok(t.rounds.every((r) => r.answered >= 2), 'minSites 2 held every round');
  const rejoined = t.events.find((e) => e.kind === 'rejoined' && e.site === 'se-memory');
  assert.ok(rejoined, JSON.stringify(t.events.map((e) => e.kind)));
  assert.ok(t.rounds.some((r) => r.round > 3 && r.answered === 3), JSON.stringify(t.rounds));
  const conv = run.result.perSeed.find((x) => x.arm === 'fedavg')!.convergence!;
  assert.equal(conv.length, 8);
  assert.deepEqual(conv[2].participants, ['us-academic', 'us-community']);
});

test('refused: wrong CA, unknown site, expired and revoked certificates, plaintext — each site exits 2, the run goes on with the good site', { timeout: 120_000 }, async () => {
  const bad = join(root, 'bad');
  // A consortium directory copy whose crl revokes us-community.
  const revokedDir = join(root, 'revoked');
  await initCertificates({ consortium: 'test2', sites: SITES, outDir: revokedDir });
  await revokeSite(revokedDir, 'us-community');
  const other = await createCa('other');
  const wrong = join(bad, 'wrong-ca');
  const expired = join(bad, 'expired');
  const unknown = join(bad, 'unknown');
  const { issuer } = await (async () => {
    // The aggregator's CA (from revokedDir) issues the expired and unknown certificates.
    const { X509Certificate } = await import('@peculiar/x509');
    const { readFileSync } = await import('node:fs');
    const { webcrypto } = await import('node:crypto');
    const keyDer = Buffer.from(readFileSync(join(revokedDir, CERT_FILES.caKey), 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const key = await webcrypto.subtle.importKey('pkcs8', keyDer, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    return { issuer: { cert: new X509Certificate(readFileSync(join(revokedDir, CERT_FILES.ca), 'utf8')), key, consortium: 'test2' } };
  })();
  const put = async (dir: string, ca: string, id: string, c: { certPem: string; keyPem: string }) => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, CERT_FILES.ca), ca);
    writeFileAtomic(join(dir, CERT_FILES.site(id)), c.certPem);
    writePrivateFile(join(dir, CERT_FILES.siteKey(id)), c.keyPem);
  };
  const { readFileSync } = await import('node:fs');
  const goodCa = readFileSync(join(revokedDir, CERT_FILES.ca), 'utf8');
  await put(wrong, other.certPem, 'se-memory', await issueCertificate(other.issuer, { role: 'site', id: 'se-memory' }));
  await put(expired, goodCa, 'us-academic', await issueCertificate(issuer, { role: 'site', id: 'us-academic', notBefore: new Date(Date.now() - 10 * 864e5), notAfter: new Date(Date.now() - 864e5) }));
  await put(unknown, goodCa, 'intruder', await issueCertificate(issuer, { role: 'site', id: 'intruder' }));

  const exits: Record<string, number | null> = {};
  const stderr: Record<string, string> = {};
  const overrides = benchOverrides({ seeds: '1', rounds: '2', arms: 'fedavg' });
  const waitExit = (name: string, c: ChildProcess) =>
    new Promise<void>((resolve) => {
      children.push(c);
      stderr[name] = '';
      c.stderr?.on('data', (b: Buffer) => (stderr[name] += b.toString('utf8')));
      c.on('exit', (code) => {
        exits[name] = code;
        resolve();
      });
    });
  let port = 0;
  const attempts: Promise<void>[] = [];
  const { run } = await serveFederation({
    input: data,
    listen: '127.0.0.1:0',
    certsDir: revokedDir,
    roundDeadlineMs: 20_000,
    joinTimeoutMs: 90_000,
    startWith: 1,
    bench: { overrides },
    onListening: (p) => {
      port = p;
      const server = `127.0.0.1:${port}`;
      const quick = ['--connect-timeout', '3', '--quiet'];
      attempts.push(waitExit('wrong-ca', spawnSite({ data, site: 'se-memory', server, certsDir: wrong, extra: quick })));
      attempts.push(waitExit('expired', spawnSite({ data, site: 'us-academic', server, certsDir: expired, extra: quick })));
      attempts.push(waitExit('unknown', spawnSite({ data: join(data, 'se-memory.arrow'), site: 'intruder', server, certsDir: unknown, extra: quick })));
      attempts.push(waitExit('revoked', spawnSite({ data, site: 'us-community', server, certsDir: revokedDir, extra: quick })));
      attempts.push(waitExit('plaintext', spawnSite({ data, site: 'se-memory', server, certsDir: revokedDir, extra: [...quick, '--plaintext'] })));
      // The good site comes once every refused one has given up, so all of them met a live aggregator.
      const refusedDone = Promise.all(attempts);
      attempts.push(refusedDone.then(() => waitExit('good', spawnSite({ data, site: 'us-academic', server, certsDir: revokedDir, extra: ['--quiet'] }))));
    },
  });
  await Promise.all(attempts);
  assert.ok(port > 0);
  assert.deepEqual(exits, { 'wrong-ca': 2, expired: 2, unknown: 2, revoked: 2, plaintext: 2, good: 0 }, JSON.stringify({ exits, stderr }));
  const t = run.result.transport!;
  const refused = t.events.filter((e) => e.kind === 'refused').map((e) => e.message).join('\n');
  assert.match(refused, /not a site of the plan/);
  assert.match(refused, /revoked/);
  assert.deepEqual(t.events.filter((e) => e.kind === 'joined').map((e) => e.site), ['us-academic']);
  assert.ok(t.rounds.every((r) => r.answered === 1), JSON.stringify(t.rounds));
});
