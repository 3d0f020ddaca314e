/**
 * The three-site federation the e2e tests run against: a small synthetic dataset and a
 * consortium's certificates in a temporary folder, and the child processes a test starts, all
 * removed after the file's tests.
 */
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { loadScenario } from '../../src/scenario/parse.js';
import { writeSyntheticDataset } from '../../src/data/write-dataset.js';
import { initCertificates } from '../../src/distributed/certs.js';

export const FIXTURE_SITES = ['se-memory', 'us-academic', 'us-community'];

export interface FederationFixture {
  root: string;
  data: string;
  certs: string;
  /** Processes the test started: killed (SIGKILL) after the file's tests if still running. */
  children: ChildProcess[];
}

/** Registers the before/after hooks; the fields are filled once `before` has run. */
export function useFederationFixture(prefix: string): FederationFixture {
  const fixture: FederationFixture = { root: '', data: '', certs: '', children: [] };
  before(async () => {
    fixture.root = mkdtempSync(join(tmpdir(), prefix));
    fixture.data = join(fixture.root, 'data');
    fixture.certs = join(fixture.root, 'certs');
    await writeSyntheticDataset(await loadScenario('scenarios/alzheimers-3site.yaml'), { outDir: fixture.data, visits: false, scale: 0.25 });
    await initCertificates({ consortium: 'test', sites: FIXTURE_SITES, outDir: fixture.certs });
  });
  after(() => {
    for (const c of fixture.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(fixture.root, { recursive: true, force: true });
  });
  return fixture;
}
