import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { CERT_FILES, initCertificates, readCrl, revokeSite } from '../../src/distributed/certs.js';

test('certs init: CA, aggregator and site certificates chain to the CA; keys are mode 0600; revoke lists the serial in a CA-signed CRL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-certs-'));
  try {
    await initCertificates({ consortium: 'Test Consortium', sites: ['a', 'b'], outDir: dir, hosts: ['agg.example.org'] });
    const ca = new X509Certificate(readFileSync(join(dir, CERT_FILES.ca)));
    assert.ok(ca.ca);
    for (const name of [CERT_FILES.aggregator, CERT_FILES.site('a'), CERT_FILES.site('b')]) {
      const c = new X509Certificate(readFileSync(join(dir, name)));
      assert.ok(c.verify(ca.publicKey), `${name} is signed by the CA`);
      assert.equal(c.checkIssued(ca), true);
    }
    const agg = new X509Certificate(readFileSync(join(dir, CERT_FILES.aggregator)));
    assert.match(agg.subjectAltName ?? '', /DNS:agg\.example\.org/);
    assert.match(agg.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(new X509Certificate(readFileSync(join(dir, CERT_FILES.site('a')))).subject, /CN=a\nOU=site/);
    for (const key of [CERT_FILES.caKey, CERT_FILES.aggregatorKey, CERT_FILES.siteKey('a'), CERT_FILES.siteKey('b')]) {
      assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
    }
    assert.deepEqual(await readCrl(dir), []);
    const serial = await revokeSite(dir, 'b');
    assert.deepEqual(await readCrl(dir), [serial.replace(/^0+/, '')]);
    await assert.rejects(initCertificates({ consortium: 'x', sites: ['a'], outDir: dir }), /already holds a consortium CA/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
