/**
 * A real aggregator (mutual TLS on loopback) with site "a" joined through a gRPC client: the
 * fixture of the aggregator tests. Call `start` in before() and `stop` in after().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aggregator, type AggregatorOptions } from '../../src/distributed/aggregator.js';
import { initCertificates, loadCredentials } from '../../src/distributed/certs.js';
import { siteClient } from '../../src/distributed/site-process.js';
import { PROTOCOL_VERSION } from '../../src/distributed/protocol.js';

export interface AggregatorFixture {
  agg: Aggregator;
  client: ReturnType<typeof siteClient>;
  /** Joins site "a" again (the aggregator still serving). */
  joinSite(): Promise<{ accepted: boolean }>;
  stop(): void;
}

export async function startAggregator(sites: string[], options: Partial<Omit<AggregatorOptions, 'sites' | 'credentials' | 'listen'>> = {}): Promise<AggregatorFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-aggregator-'));
  await initCertificates({ consortium: 'test', sites, outDir: dir });
  const agg = new Aggregator({ ...options, sites, credentials: loadCredentials(dir, { role: 'aggregator' }), listen: '127.0.0.1:0' });
  const port = await agg.start();
  const client = siteClient(`127.0.0.1:${port}`, dir, 'a');
  const joinSite = () =>
    new Promise<{ accepted: boolean }>((resolve, reject) =>
      client.Join({ site_id: 'a', protocol_version: PROTOCOL_VERSION, fedage_version: 'test' }, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await joinSite();
  return {
    agg,
    client,
    joinSite,
    stop: () => {
      client.close();
      agg.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
