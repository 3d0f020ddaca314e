import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { stringify } from 'yaml';
import { composeFile, k8sObjects, secretCommands } from '../../src/distributed/deploy.js';
import { buildProgram } from '../../src/cli/program.js';

const SITES = ['a', 'site-b'];

/** Every flag of `args` ([command, ...flags]) is an option of that fedage command. */
function checkArgs(args: string[]): void {
  const cmd = buildProgram().commands.find((c) => c.name() === args[0]);
  assert.ok(cmd, `fedage ${args[0]} exists`);
  const flags = new Set(cmd.options.flatMap((o) => [o.long, o.short].filter(Boolean) as string[]));
  for (const a of args.slice(1)) if (a.startsWith('-')) assert.ok(flags.has(a), `fedage ${args[0]} ${a}`);
}

test('compose file: parses back, one service per site, each site mounts only its file and gets only its own key; commands exist', () => {
  const doc = parse(stringify(composeFile(SITES, 'data', 'fedage:test', true))) as { services: Record<string, { command: string[]; volumes: string[]; secrets: Array<{ source: string; target: string }> }>; secrets: Record<string, { file: string }> };
  assert.deepEqual(Object.keys(doc.services).sort(), ['aggregator', 'site-a', 'site-site-b']);
  for (const [name, svc] of Object.entries(doc.services)) {
    checkArgs(svc.command);
    for (const s of svc.secrets) assert.ok(doc.secrets[s.source], `${name}: secret ${s.source} declared`);
  }
  const b = doc.services['site-site-b'];
  assert.deepEqual(b.volumes.map((v) => v.split(':')[0]), ['./data/manifest.json', './data/site-b.arrow']);
  assert.ok(b.secrets.every((s) => !/site-a|aggregator-key/.test(s.target)), 'no other identity key');
  // A restarted aggregator continues its run: state on its own volume, resumed when present.
  const agg = doc.services.aggregator;
  const state = agg.command[agg.command.indexOf('--state') + 1];
  assert.ok(agg.command.includes('--auto-resume'));
  assert.ok(agg.volumes.some((v) => v.endsWith(`:${state}`)), `a volume at ${state}`);
});

test('k8s manifests: kinds and apiVersions, one Job per site, NetworkPolicy limits site egress to the aggregator, resources, commands exist', () => {
  const objs = parse(`${k8sObjects(SITES, 'fedage:test').map((o) => stringify(o)).join('---\n')}`.split('---\n')[0]) as Record<string, unknown>;
  assert.equal(objs.kind, 'Deployment');
  const all = k8sObjects(SITES, 'fedage:test') as Array<{ apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, any> }>;
  const kinds = all.map((o) => `${o.apiVersion}/${o.kind}`);
  assert.deepEqual(kinds, ['apps/v1/Deployment', 'v1/Service', 'batch/v1/Job', 'batch/v1/Job', 'networking.k8s.io/v1/NetworkPolicy', 'networking.k8s.io/v1/NetworkPolicy']);
  for (const o of all) assert.match(o.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'DNS-1123 name');
  for (const o of all.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
    const c = o.spec.template.spec.containers[0];
    checkArgs(c.args);
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
    assert.equal(c.securityContext.runAsNonRoot, true);
  }
  // The aggregator writes its round state to a volume of its own and resumes from it after a restart.
  const pod = all[0].spec.template.spec;
  const args: string[] = pod.containers[0].args;
  assert.ok(args.includes('--auto-resume'));
  const mount = pod.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === args[args.indexOf('--state') + 1]);
  assert.ok(mount, 'the --state directory is a mounted volume');
  assert.ok(pod.volumes.find((v: { name: string }) => v.name === mount.name).persistentVolumeClaim, 'a PersistentVolumeClaim (survives the pod)');
  const policy = all.find((o) => o.metadata.name === 'fedage-sites-reach-only-aggregator')!;
  assert.deepEqual(policy.spec.podSelector.matchLabels, { app: 'fedage', role: 'site' });
  assert.deepEqual(policy.spec.egress[0].to[0].podSelector.matchLabels, { app: 'fedage', role: 'aggregator' });
  assert.match(secretCommands(SITES), /fedage-site-site-b-certs --from-file=certs\/ca\.pem --from-file=certs\/site-site-b\.pem --from-file=certs\/site-site-b-key\.pem/);
});

test('Dockerfile: node 20 slim, non-root, production dependencies; every COPY source exists in the repository', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  assert.match(text, /^FROM node:20-[a-z]+-slim/m);
  assert.match(text, /^USER node$/m);
  assert.match(text, /npm ci --omit=dev/);
  for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) for (const src of m[1].split(/\s+/)) assert.ok(existsSync(src), `COPY ${src}`);
  assert.ok(existsSync('proto/fedage/v1/federation.proto'));
});
