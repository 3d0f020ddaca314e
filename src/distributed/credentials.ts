/**
 * The file names of a consortium certificates directory and the loading of one identity's TLS
 * material: what a `fedage site` process needs, apart from certs.ts (issuing and revoking, with
 * @peculiar/x509), so a site does not load an X.509 library it never uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';

export const CERT_FILES = {
  ca: 'ca.pem',
  caKey: 'ca-key.pem',
  crl: 'crl.pem',
  aggregator: 'aggregator.pem',
  aggregatorKey: 'aggregator-key.pem',
  site: (id: string) => `site-${id}.pem`,
  siteKey: (id: string) => `site-${id}-key.pem`,
} as const;

export function readCertFile(dir: string, name: string): string {
  const path = join(dir, name);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new InputError([{ file: path, path: '', expected: `the certificate file ${name} (fedage certs init writes it)`, found: 'no such file' }]);
  }
}

export interface Credentials {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** The TLS material of one identity in a certificates directory. */
export function loadCredentials(dir: string, identity: { role: 'aggregator' } | { role: 'site'; id: string }): Credentials {
  const certName = identity.role === 'aggregator' ? CERT_FILES.aggregator : CERT_FILES.site(identity.id);
  const keyName = identity.role === 'aggregator' ? CERT_FILES.aggregatorKey : CERT_FILES.siteKey(identity.id);
  return {
    ca: Buffer.from(readCertFile(dir, CERT_FILES.ca)),
    cert: Buffer.from(readCertFile(dir, certName)),
    key: Buffer.from(readCertFile(dir, keyName)),
  };
}
