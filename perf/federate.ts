/**
 * Distributed run cost: `npm run perf:federate`. The consortium-10site scenario (10 sites), an MLP
 * sized to about 100,000 parameters, FedAvg for 20 rounds (2 local steps per round), run
 *   in-process (`runBench`, one process) and
 *   distributed (`federate`: the aggregator here, 10 `fedage site` child processes, mutual TLS on loopback).
 * Prints the median time per round of each (after start-up: rounds 2..20, from the bench's
 * progress events), their ratio, the start-up time (aggregator listening → every site joined),
 * the protocol bytes on the wire, and the targets (≤ 1.3× per round, start-up < 3 s).
 * The machine is shared: timings are noisy; compare the ratio within one run.
 * Then the transport cost: one site process that sends each model straight back (no training),
 * its CPU and the aggregator's per round trip of the same model, and that cost for 10 sites
 * against the in-process round: what the distributed run pays on top of training, on 2 cores.
 * And the floor under it: the same round trip over plain node:http2 with mutual TLS, no gRPC
 * (perf/federate-h2-echo.ts), which no gRPC transport in Node can undercut.
 * Options: --rounds N, --scale X (patients per site multiplier, default 0.25).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../src/scenario/parse.js';
import { writeSyntheticDataset } from '../src/data/write-dataset.js';
import { runBench } from '../src/bench/runner.js';
import { benchOverrides } from '../src/cli/bench.js';
import { federate } from '../src/distributed/federation.js';
import { spawn } from 'node:child_process';
import { createSecureServer } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { Aggregator } from '../src/distributed/aggregator.js';
import { initCertificates } from '../src/distributed/certs.js';
import { loadCredentials } from '../src/distributed/credentials.js';
import { FLOW_CONTROL_WINDOW_BYTES } from '../src/distributed/protocol.js';

/** CPU ms per round trip of a `params`-long float64 model: at an echoing site process and at the aggregator. */
async function transportCost(dir: string, params: number, rounds: number): Promise<{ siteMs: number; aggregatorMs: number }> {
  await initCertificates({ consortium: 'perf-transport', sites: ['echo'], outDir: dir });
  const agg = new Aggregator({ sites: ['echo'], credentials: loadCredentials(dir, { role: 'aggregator' }), listen: '127.0.0.1:0' });
  const port = await agg.start();
  const child = spawn(process.execPath, [fileURLToPath(new URL('./federate-echo-site.js', import.meta.url)), `127.0.0.1:${port}`, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  await agg.waitForSites(30_000);
  const model = new Float64Array(params).map((_, i) => Math.sin(i));
  let cpu0 = process.cpuUsage();
  for (let r = 0; r <= rounds; r++) {
    if (r === 1) cpu0 = process.cpuUsage();
    await agg.runTask('echo', 'train', { round: r }, { globalParams: model }, 30_000);
  }
  const cpu = process.cpuUsage(cpu0);
  await agg.shutdown();
  await exited;
  return { siteMs: (JSON.parse(out) as { cpuMsPerTask: number }).cpuMsPerTask, aggregatorMs: (cpu.user + cpu.system) / 1000 / rounds };
}

/** CPU ms per round trip of `bytes` each way over node:http2 + mutual TLS: at the client process and at this (server) process. */
async function http2Floor(dir: string, bytes: number, rounds: number): Promise<{ clientMs: number; serverMs: number }> {
  const c = loadCredentials(dir, { role: 'aggregator' });
  const server = createSecureServer({ ca: c.ca, cert: c.cert, key: c.key, requestCert: true, rejectUnauthorized: true, settings: { initialWindowSize: FLOW_CONTROL_WINDOW_BYTES } });
  server.on('session', (s) => s.once('localSettings', () => s.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES)));
  let served = 0;
  let cpu0 = process.cpuUsage();
  server.on('stream', (stream) => {
    const parts: Buffer[] = [];
    stream.on('data', (b: Buffer) => parts.push(b));
    stream.on('end', () => {
      if (served++ === 1) cpu0 = process.cpuUsage();
      stream.respond({ ':status': 200 });
      stream.end(Buffer.concat(parts));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./federate-h2-echo.js', import.meta.url)), String(port), dir, String(bytes), String(rounds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => child.on('exit', r));
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => server.close(r));
  return { clientMs: (JSON.parse(out) as { cpuMsPerRoundTrip: number }).cpuMsPerRoundTrip, serverMs: (cpu.user + cpu.system) / 1000 / rounds };
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 20);
const SCALE = arg('scale', 0.25);
const TARGET_PARAMS = 100_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const root = mkdtempSync(join(tmpdir(), 'fedage-perf-federate-'));
try {
  const data = join(root, 'data');
  await writeSyntheticDataset(await loadScenario('scenarios/consortium-10site.yaml'), { outDir: data, visits: false, scale: SCALE });
  const overrides = benchOverrides({ seeds: '1', arms: 'fedavg', rounds: String(ROUNDS), localSteps: '2' });
  // The design-matrix width, from a one-round logistic run (the plan does not carry it).
  const first = await runBench(data, { overrides: benchOverrides({ seeds: '1', arms: 'fedavg', rounds: '1' }), workers: 1, settings: { bench: { model: { kind: 'logistic' } }, privacy: null } });
  const features = first.result.features.length;
  const hidden = Math.max(1, Math.round((TARGET_PARAMS - 1) / (features + 2)));
  const params = features * hidden + hidden + hidden + 1;
  const settings = { bench: { model: { kind: 'mlp' as const, hiddenUnits: [hidden] } }, privacy: null };

  const roundTimes = () => {
    const at: number[] = [];
    return { at, onProgress: (p: { round?: number }) => (p.round !== undefined ? at.push(performance.now()) : undefined) };
  };
  const perRound = (at: number[]) => median(at.slice(1).map((t, i) => t - at[i]));

  const inproc = roundTimes();
  await runBench(data, { overrides, workers: 1, settings, onProgress: inproc.onProgress });
  const dist = roundTimes();
  const { transport } = await federate({ input: data, bench: { overrides, settings, onProgress: dist.onProgress }, roundDeadlineMs: 300_000, joinTimeoutMs: 120_000 });

  const a = perRound(inproc.at);
  const b = perRound(dist.at);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  console.log(`10 sites, ${params.toLocaleString('en-US')} parameters (MLP ${features} → ${hidden} → 1), ${ROUNDS} rounds, FedAvg, 2 local steps`);
  console.log(`in-process     ${a.toFixed(1)} ms per round (median of rounds 2..${ROUNDS})`);
  console.log(`distributed    ${b.toFixed(1)} ms per round (10 site processes, mTLS loopback)`);
  console.log(`ratio          ${(b / a).toFixed(2)}×   target ≤ 1.3×: ${b / a <= 1.3 ? 'met' : 'NOT met'}`);
  console.log(`start-up       ${transport.startupSeconds.toFixed(2)} s (listening → all 10 joined)   target < 3 s: ${transport.startupSeconds < 3 ? 'met' : 'NOT met'}`);
  const certs = join(root, 'transport-certs');
  const cost = await transportCost(certs, params, 200);
  const transportMs = 10 * (cost.siteMs + cost.aggregatorMs);
  console.log(
    `transport      one round trip of the model (${mib(16 * params)}) costs ${cost.siteMs.toFixed(1)} ms CPU at a site and ${cost.aggregatorMs.toFixed(1)} ms at the aggregator ` +
      `(gRPC, HTTP/2, TLS; an echoing site, no training): for 10 sites ${transportMs.toFixed(0)} ms of CPU per round, ${(transportMs / a).toFixed(1)}× the in-process round`,
  );
  const h2 = await http2Floor(certs, 8 * params, 200);
  console.log(
    `floor          the same round trip over plain node:http2 + mutual TLS (no gRPC): ${h2.clientMs.toFixed(1)} ms CPU at the client, ${h2.serverMs.toFixed(1)} ms at the server; ` +
      `for 10 sites ${(10 * (h2.clientMs + h2.serverMs)).toFixed(0)} ms of CPU per round`,
  );
  // The distributed round does the in-process round's work (at least its wall time of CPU) plus
  // moving the bytes, at no less than the floor's CPU, on the machine's cores.
  const cores = availableParallelism();
  const lowestRatio = (a + 10 * (h2.clientMs + h2.serverMs)) / cores / a;
  console.log(`bound          (in-process round + floor) / ${cores} cores: no HTTP/2 + TLS transport can go below ${lowestRatio.toFixed(2)}× here`);
  console.log(`wire           ${mib(transport.bytesSent)} sent, ${mib(transport.bytesReceived)} received (float64 payloads + headers); float32 estimate per round: ${mib(2 * 10 * 4 * params)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
