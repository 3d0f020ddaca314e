/** planArms with secure aggregation and compression: arm names, resolved settings, refusals (no training). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveBenchConfig, type BenchConfig } from '../../src/bench/config.js';
import { planArms, type SitePlanInput } from '../../src/bench/plan.js';
import { resolveDelta } from '../../src/bench/privacy-arms.js';
import { EXIT_INPUT, FedageError, UsageError } from '../../src/errors.js';
import { benchSettingsSchema } from '../../src/scenario/bench-schema.js';

const SITES: SitePlanInput[] = [
  { id: 'a', trainRows: 700 },
  { id: 'b', trainRows: 333 },
  { id: 'c', trainRows: 96 },
];

const names = (c: BenchConfig, sites = SITES) => planArms(c.privacy ? { ...c, privacy: resolveDelta(c.privacy, sites.map((s) => s.trainRows)) } : c, sites).map((p) => p.name);

function refusedWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FedageError, `expected a FedageError, got ${String(err)}`);
    assert.equal(err.exitCode, EXIT_INPUT);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('planArms: wrapped twins', () => {
  test('secure aggregation adds a twin of every federated arm, plain and DP, after them; the plain arms stay', () => {
    const c = resolveBenchConfig({ arms: ['central', 'fedavg', 'fedprox'] }, { secureAggregation: { kind: 'masking' }, privacy: { level: 'sample', epsilons: [1] } });
    assert.deepEqual(names(c), ['central', 'fedavg', 'fedprox', 'central+dp(eps=1)', 'fedavg+dp(eps=1)', 'fedavg+secagg', 'fedprox+secagg', 'fedavg+dp(eps=1)+secagg']);
    const all = names(c);
    assert.ok(all.includes('fedavg+secagg') && all.includes('fedprox+secagg') && all.includes('fedavg+dp(eps=1)+secagg'), all.join(', '));
    assert.ok(!all.some((n) => n.startsWith('central') && n.endsWith('+secagg')), 'central arms are never wrapped');
    assert.ok(all.indexOf('fedavg+secagg') > all.indexOf('fedavg+dp(eps=1)'), 'twins come after every unwrapped arm');
  });

  test('names: +ckks, +q8, +randk:0.1+secagg; the plan carries the resolved settings', () => {
    assert.deepEqual(names(resolveBenchConfig({ arms: ['fedavg'] }, { secureAggregation: { kind: 'ckks' } })), ['fedavg', 'fedavg+ckks']);
    assert.deepEqual(names(resolveBenchConfig({ arms: ['fedavg'] }, { compression: 'q8' })), ['fedavg', 'fedavg+q8']);
    const c = resolveBenchConfig({ arms: ['fedavg'], compression: 'randk:0.1', secureAggregation: { kind: 'masking', clippingRange: 4, dropoutProbability: 0.1 } });
    const plans = planArms(c, SITES);
    const w = plans.find((p) => p.name === 'fedavg+randk:0.1+secagg');
    assert.ok(w, plans.map((p) => p.name).join(', '));
    assert.deepEqual(w.compression, { spec: 'randk:0.1', kind: 'randk' });
    assert.equal(w.secureAggregation?.clippingRange, 4);
    assert.equal(w.secureAggregation?.dropoutProbability, 0.1);
    assert.equal(w.secureAggregation?.quantizationRange, 2 ** 22, "Flower's default");
    // Unset maxWeight: Flower's 1000 unless a site is larger.
    assert.equal(w.secureAggregation?.maxWeight, 1000);
    const big = planArms(c, [{ id: 'a', trainRows: 4321 }, { id: 'b', trainRows: 10 }]).find((p) => p.secureAggregation);
    assert.equal(big?.secureAggregation?.maxWeight, 4321);
  });
});

describe('planArms: refusals (exit 2, before training)', () => {
  test('top-k with masking', () => {
    refusedWith(() => names(resolveBenchConfig({ arms: ['fedavg'] }, { compression: 'topk:0.1', secureAggregation: { kind: 'masking' } })), /fedavg\+topk:0\.1\+secagg.*top-k picks different coordinates/s);
  });
  test('quantization with masking', () => {
    refusedWith(() => names(resolveBenchConfig({ arms: ['fedavg'] }, { compression: 'q8', secureAggregation: { kind: 'masking' } })), /q8 with masking/);
  });
  test('client-level DP with secure aggregation', () => {
    const c = resolveBenchConfig({ arms: ['fedavg'] }, { secureAggregation: { kind: 'masking' }, privacy: { level: 'client', epsilons: [1] } });
    refusedWith(() => names(c), /client-level DP with masking/);
  });
  test('a server optimizer with CKKS released to sites only; allowed with release server', () => {
    refusedWith(() => names(resolveBenchConfig({ arms: ['fedadam'] }, { secureAggregation: { kind: 'ckks', release: 'sites' } })), /fedadam with ckks/);
    assert.deepEqual(names(resolveBenchConfig({ arms: ['fedadam'] }, { secureAggregation: { kind: 'ckks', release: 'server' } })), ['fedadam', 'fedadam+ckks']);
  });
  test('a modulus too small for the sum of the sites', () => {
    refusedWith(() => names(resolveBenchConfig({ arms: ['fedavg'] }, { secureAggregation: { kind: 'masking', quantizationRange: 2 ** 20, modulusRange: 2 ** 21 } })), /modulus/i);
  });
  test('maxWeight below the largest site', () => {
    refusedWith(() => names(resolveBenchConfig({ arms: ['fedavg'] }, { secureAggregation: { kind: 'masking', maxWeight: 500 } })), /maxWeight 500.*700 training rows/);
  });
  test('an unknown compression spec, and wrappers without a federated arm', () => {
    refusedWith(() => names(resolveBenchConfig({ arms: ['fedavg'] }, { compression: 'q3' })), /expected one of q8, q4, q2/);
    refusedWith(() => names(resolveBenchConfig({ arms: ['central'] }, { compression: 'q8' })), /no.*federated|has none/);
  });
  test('knobs without a kind, numShares with the complete graph, a modulus not a power of two', () => {
    assert.throws(() => resolveBenchConfig({}, { secureAggregation: { clippingRange: 4 } }), UsageError);
    assert.throws(() => resolveBenchConfig({ secureAggregation: { kind: 'masking', numShares: 3 } }), /k-regular/);
    assert.throws(() => resolveBenchConfig({ secureAggregation: { kind: 'masking', modulusRange: 3 * 2 ** 20 } }), /power of two/);
  });
});

describe('bench section schema', () => {
  test('accepts the wrappers and rejects a bad spec or kind', () => {
    assert.equal(benchSettingsSchema.safeParse({ compression: 'topk:0.1', secureAggregation: { kind: 'masking', graph: 'k-regular', numShares: 3, dropoutProbability: 0.2 } }).success, true);
    assert.equal(benchSettingsSchema.safeParse({ compression: 'q16' }).success, false);
    assert.equal(benchSettingsSchema.safeParse({ secureAggregation: { kind: 'paillier' } }).success, false);
    assert.equal(benchSettingsSchema.safeParse({ secureAggregation: { kind: 'masking', dropoutProbability: 1 } }).success, false);
  });
});
