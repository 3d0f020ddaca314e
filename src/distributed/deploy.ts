/**
 * `fedage deploy compose|k8s`: the deployment of a real federation for a plan. Compose: the
 * aggregator and one service per site, certificates as secrets (each service gets only its own
 * key), each site mounting only its own data file plus the manifest. Kubernetes: the aggregator
 * Deployment + Service, one Job per site, a Secret per identity (filled with
 * `kubectl create secret`, so no key is written into a manifest), a NetworkPolicy that lets sites
 * reach only the aggregator (and DNS), and resource requests. Data volumes are PersistentVolumeClaims
 * each hospital binds to its own storage.
 */
import { mkdirSync, existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { OutputError } from '../errors.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { patientsFileName } from '../data/write-dataset.js';
import { MANIFEST_FILE } from '../data/manifest.js';
import { CERT_FILES } from './certs.js';
import { planSiteIds } from './federation.js';

export const AGGREGATOR_PORT = 50051;

export interface DeployOptions {
  input: string;
  outDir: string;
  image: string;
  force: boolean;
}

const dns = (id: string) => id.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');

/** docker-compose.yaml for the plan's sites; data under ./data, certificates under ./certs. */
export function composeFile(sites: readonly string[], planName: string, image: string, isDir: boolean): Record<string, unknown> {
  const secrets: Record<string, { file: string }> = {
    ca: { file: `./certs/${CERT_FILES.ca}` },
    crl: { file: `./certs/${CERT_FILES.crl}` },
    aggregator_cert: { file: `./certs/${CERT_FILES.aggregator}` },
    aggregator_key: { file: `./certs/${CERT_FILES.aggregatorKey}` },
  };
  const services: Record<string, unknown> = {
    aggregator: {
      image,
      // --state/--auto-resume: a restarted aggregator container continues its run (issue 16 §2).
      command: ['serve', '--plan', isDir ? '/plan' : `/plan/${planName}`, '--listen', `0.0.0.0:${AGGREGATOR_PORT}`, '--certs', '/run/secrets', '--out', '/out', '--force', '--state', '/state', '--auto-resume'],
      volumes: [isDir ? './data:/plan:ro' : `./${planName}:/plan/${planName}:ro`, './out:/out', './state:/state'],
      restart: 'on-failure',
      secrets: [
        { source: 'ca', target: CERT_FILES.ca },
        { source: 'crl', target: CERT_FILES.crl },
        { source: 'aggregator_cert', target: CERT_FILES.aggregator },
        { source: 'aggregator_key', target: CERT_FILES.aggregatorKey },
      ],
      networks: ['federation'],
    },
  };
  for (const id of sites) {
    const key = `site_${dns(id).replace(/-/g, '_')}`;
    secrets[`${key}_cert`] = { file: `./certs/${CERT_FILES.site(id)}` };
    secrets[`${key}_key`] = { file: `./certs/${CERT_FILES.siteKey(id)}` };
    services[`site-${dns(id)}`] = {
      image,
      command: ['site', '--data', '/data', '--site', id, '--server', `aggregator:${AGGREGATOR_PORT}`, '--certs', '/run/secrets'],
      // Only this site's file (and the manifest that lists its hash) is mounted.
      volumes: [`./data/${MANIFEST_FILE}:/data/${MANIFEST_FILE}:ro`, `./data/${patientsFileName(id)}:/data/${patientsFileName(id)}:ro`],
      secrets: [
        { source: 'ca', target: CERT_FILES.ca },
        { source: `${key}_cert`, target: CERT_FILES.site(id) },
        { source: `${key}_key`, target: CERT_FILES.siteKey(id) },
      ],
      depends_on: ['aggregator'],
      restart: 'on-failure',
      networks: ['federation'],
    };
  }
  return { name: `fedage-${dns(planName.replace(/\.ya?ml$/, ''))}`, services, secrets, networks: { federation: {} } };
}

/** The Kubernetes objects of the plan, in apply order. */
export function k8sObjects(sites: readonly string[], image: string): Record<string, unknown>[] {
  const labels = (role: string, site?: string) => ({ app: 'fedage', role, ...(site ? { site: dns(site) } : {}) });
  const resources = { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } };
  const security = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
  const objects: Record<string, unknown>[] = [];
  objects.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'fedage-aggregator', labels: labels('aggregator') },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels('aggregator') },
      template: {
        metadata: { labels: labels('aggregator') },
        spec: {
          containers: [
            {
              name: 'aggregator',
              image,
              // --state on its own volume, --auto-resume: a restarted or rescheduled pod continues the run.
              args: ['serve', '--plan', '/plan', '--listen', `0.0.0.0:${AGGREGATOR_PORT}`, '--certs', '/certs', '--out', '/out', '--force', '--state', '/state', '--auto-resume'],
              ports: [{ containerPort: AGGREGATOR_PORT, name: 'grpc' }],
              resources,
              securityContext: security,
              volumeMounts: [
                { name: 'certs', mountPath: '/certs', readOnly: true },
                { name: 'plan', mountPath: '/plan', readOnly: true },
                { name: 'out', mountPath: '/out' },
                { name: 'state', mountPath: '/state' },
              ],
            },
          ],
          volumes: [
            { name: 'certs', secret: { secretName: 'fedage-aggregator-certs', defaultMode: 0o400 } },
            { name: 'plan', persistentVolumeClaim: { claimName: 'fedage-plan' } },
            { name: 'out', persistentVolumeClaim: { claimName: 'fedage-out' } },
            { name: 'state', persistentVolumeClaim: { claimName: 'fedage-aggregator-state' } },
          ],
        },
      },
    },
  });
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'aggregator', labels: labels('aggregator') },
    spec: { selector: labels('aggregator'), ports: [{ name: 'grpc', port: AGGREGATOR_PORT, targetPort: AGGREGATOR_PORT, protocol: 'TCP' }] },
  });
  for (const id of sites) {
    objects.push({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `fedage-site-${dns(id)}`, labels: labels('site', id) },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: labels('site', id) },
          spec: {
            restartPolicy: 'OnFailure',
            containers: [
              {
                name: 'site',
                image,
                args: ['site', '--data', '/data', '--site', id, '--server', `aggregator:${AGGREGATOR_PORT}`, '--certs', '/certs'],
                resources,
                securityContext: security,
                volumeMounts: [
                  { name: 'certs', mountPath: '/certs', readOnly: true },
                  { name: 'data', mountPath: '/data', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'certs', secret: { secretName: `fedage-site-${dns(id)}-certs`, defaultMode: 0o400 } },
              { name: 'data', persistentVolumeClaim: { claimName: `fedage-data-${dns(id)}` } },
            ],
          },
        },
      },
    });
  }
  objects.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'fedage-sites-reach-only-aggregator' },
    spec: {
      podSelector: { matchLabels: { app: 'fedage', role: 'site' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [
        { to: [{ podSelector: { matchLabels: labels('aggregator') } }], ports: [{ protocol: 'TCP', port: AGGREGATOR_PORT }] },
        { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      ],
    },
  });
  objects.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'fedage-aggregator-only-from-sites' },
    spec: {
      podSelector: { matchLabels: labels('aggregator') },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'fedage', role: 'site' } } }], ports: [{ protocol: 'TCP', port: AGGREGATOR_PORT }] }],
    },
  });
  return objects;
}

/** `kubectl create secret` lines: keys go from the certificates directory straight into the cluster. */
export function secretCommands(sites: readonly string[]): string {
  const lines = [
    '#!/bin/sh',
    '# Creates the certificate Secrets from ./certs (fedage certs init --hosts aggregator ...).',
    'set -eu',
    `kubectl create secret generic fedage-aggregator-certs --from-file=certs/${CERT_FILES.ca} --from-file=certs/${CERT_FILES.crl} --from-file=certs/${CERT_FILES.aggregator} --from-file=certs/${CERT_FILES.aggregatorKey}`,
    ...sites.map((id) => `kubectl create secret generic fedage-site-${dns(id)}-certs --from-file=certs/${CERT_FILES.ca} --from-file=certs/${CERT_FILES.site(id)} --from-file=certs/${CERT_FILES.siteKey(id)}`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function writeDeployment(target: 'compose' | 'k8s', o: DeployOptions): Promise<string[]> {
  const sites = await planSiteIds(o.input);
  const isDir = statSync(o.input).isDirectory();
  mkdirSync(o.outDir, { recursive: true });
  const files: Array<[string, string]> =
    target === 'compose'
      ? [['docker-compose.yaml', stringify(composeFile(sites, isDir ? 'data' : basename(o.input), o.image, isDir))]]
      : [
          ['fedage.yaml', k8sObjects(sites, o.image).map((x) => stringify(x)).join('---\n')],
          ['create-secrets.sh', secretCommands(sites)],
        ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(o.outDir, name);
    if (!o.force && existsSync(path)) throw new OutputError(`${path} exists; use --force to overwrite it`);
    writeFileAtomic(path, text);
    written.push(path);
  }
  return written;
}
