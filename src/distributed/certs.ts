/**
 * The consortium's certificates for mutual TLS (`fedage certs init` / `certs revoke`): one CA,
 * one aggregator certificate (serverAuth; names the hosts sites dial) and one certificate per
 * site (clientAuth; subject CN = site id, OU = site), ECDSA P-256 with SHA-256, issued with
 * @peculiar/x509 over Node's WebCrypto. Private keys are written only to files created with
 * mode 0600 and are never sent anywhere; revocation is a CRL signed by the CA (crl.pem), which
 * the aggregator checks on every call.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, InputError } from '../errors.js';
import { fsyncFdSync, tempPathFor, writeAllSync, writeFileAtomic } from '../write-file-atomic.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
export const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;


export interface CertsInitOptions {
  consortium: string;
  sites: readonly string[];
  outDir: string;
  /** Host names and IP addresses sites dial the aggregator by (its certificate's subjectAltName). */
  hosts?: readonly string[];
  /** Validity in days from now. */
  days?: number;
  force?: boolean;
}

/** A key file: created with mode 0600 (never readable by others, not even briefly), then renamed into place. */
export function writePrivateFile(path: string, text: string): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeAllSync(fd, Buffer.from(text, 'utf8'), tmp);
    fsyncFdSync(fd, tmp);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
const serial = () => {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive INTEGER
  b[0] |= 0x01;
  return b.toString('hex');
};
const escapeDn = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(keys: CryptoKeyPair): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
}

async function importPrivate(pemText: string): Promise<CryptoKey> {
  const der = Buffer.from(pemText.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

export interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  consortium: string;
}

export interface IssueOptions {
  role: 'aggregator' | 'site';
  id: string;
  hosts?: readonly string[];
  notBefore?: Date;
  notAfter?: Date;
}

/** Issues one leaf certificate from the CA; returns PEM certificate and PEM private key. */
export async function issueCertificate(issuer: Issuer, o: IssueOptions): Promise<{ certPem: string; keyPem: string; serialNumber: string }> {
  const keys = await keyPair();
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = o.notAfter ?? new Date(Date.now() + 365 * DAY_MS);
  const hosts = o.role === 'aggregator' ? [...new Set(['localhost', '127.0.0.1', 'aggregator', ...(o.hosts ?? [])])] : [];
  const serialNumber = serial();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([o.role === 'aggregator' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (hosts.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(hosts.map((h) => (/^[0-9.]+$|:/.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: `CN=${escapeDn(o.id)}, OU=${o.role}, O=${escapeDn(issuer.consortium)}`,
    issuer: issuer.cert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privatePem(keys), serialNumber };
}

/** A fresh CA (for `certs init`, and for tests of a wrong CA). */
export async function createCa(consortium: string, days = 3650): Promise<{ issuer: Issuer; certPem: string; keyPem: string }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeDn(consortium)} fedage CA, O=${escapeDn(consortium)}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { issuer: { cert, key: keys.privateKey, consortium }, certPem: cert.toString('pem') + '\n', keyPem: await privatePem(keys) };
}

/** `fedage certs init`: CA, aggregator and one certificate per site in `outDir`; returns the files written. */
export async function initCertificates(o: CertsInitOptions): Promise<string[]> {
  if (o.sites.length === 0) throw new UsageError('--sites: expected at least one site id');
  for (const id of o.sites) if (!SITE_ID.test(id)) throw new UsageError(`--sites: "${id}" is not a site id (letters, digits, _ . -; at most 63 characters)`);
  if (new Set(o.sites).size !== o.sites.length) throw new UsageError('--sites: a site id is listed twice');
  if (!o.consortium.trim()) throw new UsageError('--consortium: expected a name');
  const days = o.days ?? 365;
  mkdirSync(o.outDir, { recursive: true, mode: 0o700 });
  if (!o.force && existsSync(join(o.outDir, CERT_FILES.ca))) throw new UsageError(`${o.outDir} already holds a consortium CA (${CERT_FILES.ca}); use --force to replace every certificate`);
  const ca = await createCa(o.consortium, Math.max(days, 1) * 2);
  const written: string[] = [];
  const put = (name: string, text: string, secret: boolean) => {
    const path = join(o.outDir, name);
    if (secret) writePrivateFile(path, text);
    else writeFileAtomic(path, text);
    written.push(path);
  };
  put(CERT_FILES.caKey, ca.keyPem, true);
  put(CERT_FILES.ca, ca.certPem, false);
  const notAfter = new Date(Date.now() + days * DAY_MS);
  const agg = await issueCertificate(ca.issuer, { role: 'aggregator', id: 'aggregator', hosts: o.hosts ?? [], notAfter });
  put(CERT_FILES.aggregatorKey, agg.keyPem, true);
  put(CERT_FILES.aggregator, agg.certPem, false);
  for (const id of o.sites) {
    const s = await issueCertificate(ca.issuer, { role: 'site', id, notAfter });
    put(CERT_FILES.siteKey(id), s.keyPem, true);
    put(CERT_FILES.site(id), s.certPem, false);
  }
  put(CERT_FILES.crl, await crlPem(ca.issuer, []), false);
  return written;
}

async function loadIssuer(dir: string): Promise<Issuer> {
  const certPem = readCertFile(dir, CERT_FILES.ca);
  const keyPem = readCertFile(dir, CERT_FILES.caKey);
  const cert = new x509.X509Certificate(certPem);
  const o = /(?:^|, )O=([^,]+)/.exec(cert.subject)?.[1] ?? 'consortium';
  return { cert, key: await importPrivate(keyPem), consortium: o };
}

async function crlPem(issuer: Issuer, serials: readonly string[]): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: new Date(),
    nextUpdate: new Date(Date.now() + 30 * DAY_MS),
    entries: serials.map((s) => ({ serialNumber: s, revocationDate: new Date() })),
    signingAlgorithm: ALG,
    signingKey: issuer.key,
  });
  return crl.toString('pem') + '\n';
}

/** `fedage certs revoke`: adds the site's certificate to the CA's CRL; returns its serial. */
export async function revokeSite(dir: string, siteId: string): Promise<string> {
  const issuer = await loadIssuer(dir);
  const cert = new X509Certificate(readCertFile(dir, CERT_FILES.site(siteId)));
  const revoked = new Set(existsSync(join(dir, CERT_FILES.crl)) ? await readCrl(dir) : []);
  revoked.add(cert.serialNumber.toLowerCase());
  writeFileAtomic(join(dir, CERT_FILES.crl), await crlPem(issuer, [...revoked]));
  return cert.serialNumber.toLowerCase();
}

/** Issues one more certificate into an existing consortium directory (a new site, or a replacement). */
export async function issueInto(dir: string, o: IssueOptions & { outDir?: string }): Promise<void> {
  const issuer = await loadIssuer(dir);
  const c = await issueCertificate(issuer, o);
  const out = o.outDir ?? dir;
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const certName = o.role === 'aggregator' ? CERT_FILES.aggregator : CERT_FILES.site(o.id);
  const keyName = o.role === 'aggregator' ? CERT_FILES.aggregatorKey : CERT_FILES.siteKey(o.id);
  writePrivateFile(join(out, keyName), c.keyPem);
  writeFileAtomic(join(out, certName), c.certPem);
}

/** Serial numbers (lower-case hex) in the CA-signed CRL of `dir`; a CRL not signed by the CA is an InputError. */
export async function readCrl(dir: string): Promise<string[]> {
  const path = join(dir, CERT_FILES.crl);
  const crl = new x509.X509Crl(readFileSync(path, 'utf8'));
  const ca = new x509.X509Certificate(readCertFile(dir, CERT_FILES.ca));
  if (!(await crl.verify({ publicKey: await ca.publicKey.export() }))) {
    throw new InputError([{ file: path, path: '', expected: 'a CRL signed by the consortium CA', found: 'a bad signature' }]);
  }
  return crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, ''));
}

export { CERT_FILES, loadCredentials, readCertFile, type Credentials } from './credentials.js';
import { CERT_FILES, readCertFile } from './credentials.js';
