/**
 * The distributed commands: `fedage serve` (aggregator), `fedage site` (one hospital),
 * `fedage federate` (both on loopback), `fedage certs init|revoke`, `fedage deploy compose|k8s`.
 * Parsing only; the work is in src/distributed.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { loadBenchConfig } from '../scenario/parse.js';
import { resolveScenarioInput } from '../scenario/resolve-scenario.js';
import { markdownSummary } from '../report/markdown.js';
import { benchOverrides, type BenchCommandOptions } from './bench.js';

// Loaded on use: gRPC, X.509 and the bench cost ~1.6 s of CPU at start-up otherwise (issue 19).
const federation = () => import('../distributed/federation.js');
const certificates = () => import('../distributed/certs.js');
import { registerSite } from './site-command.js';
import type { BenchRun } from '../bench/runner.js';
import type { TransportEvent } from '../distributed/aggregator.js';

interface RunFlags extends BenchCommandOptions {
  minSites?: string;
  startWith?: string;
  roundDeadline?: string;
  joinTimeout?: string;
  quiet?: boolean;
}

function seconds(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback * 1000;
  const v = Number(text);
  if (!(Number.isFinite(v) && v > 0 && v <= 86_400)) throw new UsageError(`${flag}: expected seconds in (0, 86400], got "${text}"`);
  return v * 1000;
}

function count(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`${flag}: expected a positive integer, got "${text}"`);
  return v;
}

/** The bench flags a distributed run accepts (the same meaning as in `fedage bench`). */
function benchFlags(cmd: Command): Command {
  return cmd
    .option('-o, --out <dir>', 'write results.json, results.md, report.html, predictions.arrow and splits.arrow here')
    .option('-f, --force', 'overwrite existing output files')
    .option('-c, --config <file>', 'settings YAML with `bench:` and/or `privacy:` sections')
    .option('--seeds <n|list>', 'number of seeds (0..n-1) or a list like 1,2,3')
    .option('--arms <list>', 'comma-separated arms (as fedage bench)')
    .option('--rounds <n>', 'federated rounds')
    .option('--local-epochs <n>', 'local epochs per round')
    .option('--local-steps <n>', 'local minibatch steps per round')
    .option('--batch-size <n>', 'minibatch size')
    .option('--lr <x>', 'learning rate of every arm')
    .option('--client-fraction <f>', 'fraction of sites sampled per round')
    .option('--dp-level <level>', 'add differentially private arms: sample or client')
    .option('--epsilons <list>', 'target ε per DP arm')
    .option('--noise-multiplier <sigma>', 'fixed σ instead of calibrating to target ε')
    .option('--clip-norm <c>', 'L2 clip norm')
    .option('--noise-seed <n>', 'seeded, NOT secure DP noise (reproducible runs, tests)')
    .option('--secure-aggregation <kind>', 'add a secure-aggregation twin of every federated arm: masking or ckks')
    .option('--compression <spec>', 'add a compressed twin of every federated arm')
    .option('--min-sites <n>', 'fewest site answers a round aggregates; fewer: the round is aborted (default 1)')
    .option('--round-deadline <s>', 'seconds a round waits for the sites (default 60); a later site is dropped for the round')
    .option('--start-with <n>', 'start the first round once this many sites joined (default: all, or who joined by --join-timeout)')
    .option('--join-timeout <s>', 'seconds to wait for every site to join before the first round (default 60)')
    .option('--json', 'print results.json to stdout instead of the Markdown summary')
    .option('-q, --quiet', 'do not print transport events to stderr');
}

async function runAndWrite(o: RunFlags, go: (bench: { settings?: Awaited<ReturnType<typeof loadBenchConfig>>; overrides: ReturnType<typeof benchOverrides> }) => Promise<{ run: BenchRun }>): Promise<void> {
  const overrides = benchOverrides(o);
  const [{ loadBenchConfig }, { beginBenchOutput, writeBenchOutputs }] = await Promise.all([import('../scenario/parse.js'), import('../report/bench-outputs.js')]);
  const settings = o.config ? await loadBenchConfig(o.config) : undefined;
  const tx = o.out ? beginBenchOutput(o.out, o.force ?? false) : undefined;
  let run: BenchRun;
  try {
    ({ run } = await go({ ...(settings ? { settings } : {}), overrides }));
    if (tx) await writeBenchOutputs(tx.dir, run.result, run.prepared, run.outcomes, true);
    tx?.commit();
  } catch (err) {
    tx?.abort();
    throw err;
  }
  process.stdout.write(o.json ? `${JSON.stringify(run.result, null, 2)}\n` : markdownSummary(run.result));
  const t = run.result.transport;
  if (t) process.stderr.write(`federation: ${t.rounds.length} remote rounds, ${t.bytesSent} bytes sent, ${t.bytesReceived} received, ${t.events.filter((e) => e.kind !== 'joined' && e.kind !== 'listening' && e.kind !== 'done').length} fault events${o.out ? `; wrote ${o.out}/results.json` : ''}\n`);
}

const printEvent = (quiet?: boolean) => (e: TransportEvent) => {
  if (!quiet) process.stderr.write(`[aggregator ${(e.atMs / 1000).toFixed(1)} s] ${e.kind}: ${e.message}\n`);
};

export function registerFederation(program: Command): void {
  benchFlags(
    program
      .command('serve')
      .description('the aggregator of a real federation: trains the plan with each site its own `fedage site` process, over gRPC with mutual TLS')
      .requiredOption('--plan <input>', 'scenario YAML or data directory (the bench input)')
      .option('--listen <host:port>', 'address to listen on (default 0.0.0.0:50051)', '0.0.0.0:50051')
      .requiredOption('--certs <dir>', 'certificates directory (fedage certs init): ca.pem, aggregator.pem, aggregator-key.pem, crl.pem')
      .option('--state <dir>', "write the aggregator's state here after every round (atomically), for --resume")
      .option('--resume', 'continue a crashed run from its --state: recorded rounds are replayed, the rest run live')
      .addOption(new Option('--auto-resume', "with --state: resume when it holds this run's state, start fresh when it is empty (containers that restart)").conflicts('resume')),
  ).action(async (o: RunFlags & { plan: string; listen: string; certs: string; state?: string; resume?: boolean; autoResume?: boolean }) =>
    runAndWrite(o, async (bench) =>
      (await federation()).serveFederation({
        input: resolveScenarioInput(o.plan),
        bench,
        listen: o.listen,
        certsDir: o.certs,
        ...(o.state ? { stateDir: o.state } : {}),
        ...(o.resume ? { resume: true } : o.autoResume ? { resume: 'if-present' as const } : {}),
        ...(count('--min-sites', o.minSites) !== undefined ? { minSites: count('--min-sites', o.minSites) } : {}),
        roundDeadlineMs: seconds('--round-deadline', o.roundDeadline, 60),
        joinTimeoutMs: seconds('--join-timeout', o.joinTimeout, 60),
        ...(count('--start-with', o.startWith) !== undefined ? { startWith: count('--start-with', o.startWith) } : {}),
        onEvent: printEvent(o.quiet),
      }),
    ),
  );

  registerSite(program);

  benchFlags(
    program
      .command('federate')
      .description('run the real thing on one machine: the aggregator here and one `fedage site` process per site on loopback (mutual TLS)')
      .argument('<input>', 'scenario YAML or data directory')
      .option('--certs <dir>', 'certificates to use (default: a fresh consortium CA in a temporary directory)'),
  ).action(async (input: string, o: RunFlags & { certs?: string }) =>
    runAndWrite(o, async (bench) =>
      (await federation()).federate({
        input: resolveScenarioInput(input),
        bench,
        ...(o.certs ? { certsDir: o.certs } : {}),
        ...(count('--min-sites', o.minSites) !== undefined ? { minSites: count('--min-sites', o.minSites) } : {}),
        roundDeadlineMs: seconds('--round-deadline', o.roundDeadline, 60),
        joinTimeoutMs: seconds('--join-timeout', o.joinTimeout, 60),
        onEvent: printEvent(o.quiet),
        onSiteLog: o.quiet ? () => {} : (site, line) => process.stderr.write(`[${site}] ${line}\n`),
      }),
    ),
  );

  const certs = program.command('certs').description('certificates for mutual TLS between the aggregator and the sites');
  certs
    .command('init')
    .description('issue a consortium CA, the aggregator certificate and one certificate per site (keys written with mode 0600)')
    .requiredOption('--consortium <name>', 'consortium name (the CA subject)')
    .requiredOption('--sites <list>', 'comma-separated site ids')
    .requiredOption('--out <dir>', 'directory to write')
    .option('--hosts <list>', 'extra host names / IPs the sites dial the aggregator by (localhost, 127.0.0.1 and aggregator are always included)')
    .option('--days <n>', 'validity in days (default 365)')
    .option('-f, --force', 'replace an existing consortium in --out')
    .action(async (o: { consortium: string; sites: string; out: string; hosts?: string; days?: string; force?: boolean }) => {
      const written = await (await certificates()).initCertificates({
        consortium: o.consortium,
        sites: o.sites.split(',').map((s) => s.trim()).filter(Boolean),
        outDir: o.out,
        hosts: (o.hosts ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        days: count('--days', o.days) ?? 365,
        force: o.force ?? false,
      });
      process.stdout.write(`${written.map((p) => `wrote ${p}`).join('\n')}\n`);
    });
  certs
    .command('revoke')
    .description("revoke a site's certificate (adds it to the CA-signed crl.pem the aggregator checks)")
    .requiredOption('--certs <dir>', 'the consortium directory (with ca-key.pem)')
    .requiredOption('--site <id>', 'site id')
    .action(async (o: { certs: string; site: string }) => {
      const serial = await (await certificates()).revokeSite(o.certs, o.site);
      process.stdout.write(`revoked site ${o.site} (serial ${serial}); restart the aggregator to apply\n`);
    });

  const deploy = program.command('deploy').description('deployment files for a real federation');
  for (const target of ['compose', 'k8s'] as const) {
    deploy
      .command(target)
      .description(target === 'compose' ? 'docker-compose.yaml: aggregator + one service per site, certificates as secrets, each site mounting only its data' : 'Kubernetes manifests: aggregator Deployment + Service, one Job per site, Secrets, NetworkPolicy, resource requests')
      .argument('<input>', 'scenario YAML or data directory')
      .requiredOption('--out <dir>', 'directory to write')
      .option('--image <name>', 'container image (default fedage:latest)')
      .option('-f, --force', 'overwrite existing files')
      .action(async (input: string, o: { out: string; image?: string; force?: boolean }) => {
        const { writeDeployment } = await import('../distributed/deploy.js');
        const written = await writeDeployment(target, { input: resolveScenarioInput(input), outDir: o.out, image: o.image ?? 'fedage:latest', force: o.force ?? false });
        process.stdout.write(`${written.map((p) => `wrote ${p}`).join('\n')}\n`);
      });
  }
  // Nested sub-commands too: a bad flag is exit 2, never Commander's own exit.
  for (const group of [certs, deploy]) for (const c of group.commands) c.exitOverride();
}
