/**
 * A distributed bench run. `serveFederation` is the aggregator (`fedage serve`): it loads the
 * plan, listens over mutual TLS, and runs the same bench (runBench → runArm) with every federated
 * arm's local training sent to the site processes (RemoteSites). `federate` (`fedage federate`)
 * runs the aggregator in this process and one `fedage site` child process per site on loopback,
 * and kills the children whatever happens.
 * The aggregator of this release keeps the plan's data for what is not site-local training:
 * fitting preprocessing from the sites' statistics, the central and local reference arms, and
 * evaluation on the held-out rows (see README, "Real federation").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { runBench, type BenchRun, type BenchRunOptions } from '../bench/runner.js';
import type { TransportRecord } from '../bench/results.js';
import { loadScenario } from '../scenario/parse.js';
import { writeSyntheticDataset } from '../data/write-dataset.js';
import { MANIFEST_FILE } from '../data/manifest.js';
import { Aggregator, type AggregatorOptions, type TransportEvent } from './aggregator.js';
import { initCertificates, loadCredentials, readCrl, CERT_FILES } from './certs.js';
import { RemoteSites } from './remote-sites.js';
import type { RemoteMaskingOptions } from './remote-masking.js';
import { RoundJournal, runFingerprint } from './round-journal.js';
import { existsSync } from 'node:fs';
import { packagePath } from '../package-root.js';

export interface ServeOptions {
  /** A scenario YAML or a data directory (the bench input). */
  input: string;
  bench?: Pick<BenchRunOptions, 'settings' | 'overrides' | 'onProgress'>;
  listen: string;
  certsDir: string;
  minSites?: number;
  roundDeadlineMs?: number;
  prepareDeadlineMs?: number;
  joinTimeoutMs?: number;
  /** Start the first round once this many sites joined (default: all of them, or whoever joined within joinTimeoutMs). */
  startWith?: number;
  chunkBytes?: number;
  onEvent?: (e: TransportEvent) => void;
  /** Called once the server listens, with its port (federate starts the sites then). */
  onListening?: (port: number) => void;
  /** Tests: fault injection between secure-aggregation stages (e.g. kill a site after key sharing). */
  beforeMaskingStage?: RemoteMaskingOptions['beforeStage'];
  /** Where the aggregator writes its state after every round (`--state`); with `resume`, a crashed run's state is replayed first. */
  stateDir?: string;
  /** true: replay the state (it must exist); 'if-present': replay it when there is one (a restarted container). */
  resume?: boolean | 'if-present';
  /** Tests: every message the sites submit, as the aggregator decoded it. */
  onReceived?: AggregatorOptions['onReceived'];
}

/** The plan's site ids without loading any data: the manifest's, or the scenario's. */
export async function planSiteIds(input: string): Promise<string[]> {
  let isDir = false;
  try {
    isDir = statSync(input).isDirectory();
  } catch {
    throw new InputError([{ file: input, path: '', expected: 'a scenario file (.yaml/.yml) or a fedage data directory', found: 'no such file or directory' }]);
  }
  if (isDir) {
    const path = join(input, MANIFEST_FILE);
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as { sites: Array<{ id: string }> }).sites.map((s) => s.id);
    } catch (err) {
      throw new InputError([{ file: path, path: 'sites', expected: 'a fedage manifest listing the sites', found: (err as Error).message }]);
    }
  }
  return (await loadScenario(input)).sites.map((s) => s.id);
}

export async function serveFederation(o: ServeOptions): Promise<{ run: BenchRun; transport: TransportRecord }> {
  const sites = await planSiteIds(o.input);
  const minSites = o.minSites ?? 1;
  if (!(Number.isInteger(minSites) && minSites >= 1 && minSites <= sites.length)) throw new UsageError(`--min-sites: expected an integer in [1, ${sites.length}], got ${minSites}`);
  const revoked = existsSync(join(o.certsDir, CERT_FILES.crl)) ? new Set(await readCrl(o.certsDir)) : new Set<string>();
  const agg = new Aggregator({
    sites,
    credentials: loadCredentials(o.certsDir, { role: 'aggregator' }),
    revokedSerials: revoked,
    listen: o.listen,
    ...(o.chunkBytes ? { chunkBytes: o.chunkBytes } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(o.onReceived ? { onReceived: o.onReceived } : {}),
  });
  if (o.resume && !o.stateDir) throw new UsageError(`${o.resume === true ? '--resume' : '--auto-resume'} needs --state <dir>: the directory the aggregator writes its state to`);
  const journal = o.stateDir ? RoundJournal.open(o.stateDir, runFingerprint(o.input, { settings: o.bench?.settings ?? null, overrides: o.bench?.overrides ?? null }), o.resume ?? false) : undefined;
  const started = performance.now();
  const port = await agg.start();
  const roundDeadlineMs = o.roundDeadlineMs ?? 60_000;
  const startWith = Math.min(o.startWith ?? sites.length, sites.length);
  const remote = new RemoteSites(agg, { roundDeadlineMs, prepareDeadlineMs: o.prepareDeadlineMs ?? 120_000, minSites, joinTimeoutMs: o.joinTimeoutMs ?? 60_000, startWith, ...(journal ? { journal } : {}), ...(o.beforeMaskingStage ? { beforeMaskingStage: o.beforeMaskingStage } : {}) });
  let startupSeconds = 0;
  try {
    o.onListening?.(port);
    await agg.waitForSites(o.joinTimeoutMs ?? 60_000, startWith);
    startupSeconds = (performance.now() - started) / 1000;
    const run = await runBench(o.input, { ...(o.bench ?? {}), siteClients: remote });
    if (journal && (o.resume === true || journal.replayed > 0)) agg.event({ kind: 'resumed', message: `resumed from ${o.stateDir}: ${journal.replayed} recorded round answer(s) replayed, the rest run live` });
    await agg.shutdown();
    const transport: TransportRecord = {
      mode: 'grpc',
      protocol: 'fedage.v1',
      tls: 'mutual',
      listen: `${o.listen.replace(/:\d+$/, '')}:${port}`,
      minSites,
      roundDeadlineSeconds: roundDeadlineMs / 1000,
      startupSeconds,
      bytesSent: agg.totals.bytesSent,
      bytesReceived: agg.totals.bytesReceived,
      rounds: remote.rounds,
      events: agg.events,
    };
    run.result.transport = transport;
    return { run, transport };
  } catch (err) {
    agg.forceShutdown();
    throw err;
  }
}

export interface FederateOptions extends Omit<ServeOptions, 'listen' | 'certsDir' | 'onListening' | 'input'> {
  input: string;
  certsDir?: string;
  /** Where each child's output goes (default: dropped). */
  onSiteLog?: (site: string, line: string) => void;
  /** Tests: called with each child process once spawned. */
  onChild?: (site: string, child: ChildProcess) => void;
}

/** The CLI entry point (bin/fedage.js), for the site child processes. */
export function fedageBin(): string {
  return packagePath('bin', 'fedage.js');
}

/** Starts one `fedage site` child process. */
export function spawnSite(o: { data: string; site: string; server: string; certsDir: string; extra?: string[] }): ChildProcess {
  return spawn(process.execPath, [fedageBin(), 'site', '--data', o.data, '--site', o.site, '--server', o.server, '--certs', o.certsDir, ...(o.extra ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `fedage federate`: aggregator here, one site process per site on 127.0.0.1. */
export async function federate(o: FederateOptions): Promise<{ run: BenchRun; transport: TransportRecord }> {
  const temp = mkdtempSync(join(tmpdir(), 'fedage-federate-'));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    let input = o.input;
    let bench = o.bench ?? {};
    if (!statSync(input).isDirectory()) {
      // A scenario: each site needs its own file, so the data is written first (patients only),
      // and the scenario's bench/privacy sections stay the settings.
      const scenario = await loadScenario(input);
      const dataDir = join(temp, 'data');
      await writeSyntheticDataset(scenario, { outDir: dataDir, visits: false });
      bench = { ...bench, settings: bench.settings ?? { bench: scenario.bench, privacy: scenario.privacy } };
      input = dataDir;
    }
    const sites = await planSiteIds(input);
    let certsDir = o.certsDir;
    if (!certsDir) {
      certsDir = join(temp, 'certs');
      await initCertificates({ consortium: 'fedage-federate', sites, outDir: certsDir });
    }
    const dataDir = input;
    const certs = certsDir;
    return await serveFederation({
      ...o,
      input,
      bench,
      listen: '127.0.0.1:0',
      certsDir: certs,
      onListening: (port) => {
        for (const site of sites) {
          const child = spawnSite({ data: dataDir, site, server: `127.0.0.1:${port}`, certsDir: certs });
          children.push(child);
          const relay = (buf: Buffer) => {
            for (const line of buf.toString('utf8').split('\n')) if (line.trim()) o.onSiteLog?.(site, line);
          };
          child.stdout?.on('data', relay);
          child.stderr?.on('data', relay);
          o.onChild?.(site, child);
        }
      },
    });
  } finally {
    // Sites exit on "done"; whatever is still running after a grace period is killed.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && children.some((c) => c.exitCode === null && c.signalCode === null)) await new Promise((r) => setTimeout(r, 50));
    killAll();
    process.removeListener('exit', killAll);
    rmSync(temp, { recursive: true, force: true });
  }
}
