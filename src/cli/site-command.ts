/**
 * `fedage site`: one hospital of a real federation. Its own module so the `fedage site` fast path
 * (site-main.ts) parses it without loading the other commands. Parsing only; the work is in
 * src/distributed/site-process.ts.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';

function seconds(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback * 1000;
  const v = Number(text);
  if (!(Number.isFinite(v) && v > 0 && v <= 86_400)) throw new UsageError(`${flag}: expected seconds in (0, 86400], got "${text}"`);
  return v * 1000;
}

export function registerSite(program: Command): void {
  program
    .command('site')
    .description('one hospital of a real federation: opens only its own data file and trains when the aggregator asks')
    .requiredOption('--data <path>', "the site's Arrow file, or a data directory (only this site's file is opened)")
    .requiredOption('--site <id>', 'site id (the subject of its certificate)')
    .requiredOption('--server <host:port>', 'the aggregator')
    .requiredOption('--certs <dir>', 'certificates directory: ca.pem, site-<id>.pem, site-<id>-key.pem')
    .option('--connect-timeout <s>', 'give up after this long without contact with the aggregator (default 60)')
    .option('-q, --quiet', 'no progress lines on stderr')
    // Hidden: connect without TLS, only to check that an aggregator refuses it.
    .addOption(new Option('--plaintext', 'connect without TLS (the aggregator must refuse it; tests only)').hideHelp())
    .action(async (o: { data: string; site: string; server: string; certs: string; connectTimeout?: string; quiet?: boolean; plaintext?: boolean }) => {
      // Loaded on use: only `fedage site` needs the gRPC client and the trainer.
      const { runSite } = await import('../distributed/site-process.js');
      const tasks = await runSite({
        data: o.data,
        siteId: o.site,
        server: o.server,
        certsDir: o.certs,
        connectTimeoutMs: seconds('--connect-timeout', o.connectTimeout, 60),
        ...(o.plaintext ? { insecure: true } : {}),
        log: o.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`),
      });
      if (!o.quiet) process.stderr.write(`site ${o.site}: ${tasks} tasks answered\n`);
    });
}
