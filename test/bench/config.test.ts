import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BENCH_DEFAULTS, armBudget, resolveBenchConfig } from '../../src/bench/config.js';
import { parseBenchConfig, parseScenario } from '../../src/scenario/parse.js';
import { InputError, UsageError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('resolveBenchConfig', () => {
  test('an empty section gives the documented defaults: all arms, 5 seeds, 60/20/20, federated statistics', () => {
    const c = resolveBenchConfig({});
    assert.deepEqual(c.arms, ['central', 'local', 'fedavg', 'fedavgm', 'fedprox', 'scaffold', 'fedadam', 'fedyogi', 'fedadagrad']);
    assert.deepEqual(c.seeds, [0, 1, 2, 3, 4]);
    assert.deepEqual(c.split, { train: 0.6, validation: 0.2, test: 0.2 });
    assert.equal(c.preprocessing.normalization, 'federated');
    assert.equal(c.federated.rounds, BENCH_DEFAULTS.rounds);
    assert.equal(c.federated.localEpochs, 1);
    assert.equal(c.federated.strategies.fedprox.strategy.proxMu, 0.01);
    assert.equal(c.federated.strategies.fedavg.clientOptimizer.learningRate, BENCH_DEFAULTS.learningRate);
    assert.equal(c.maxGap, null);
  });

  test('YAML settings, then flags: flags win; per-strategy learning rates as in FLamby', () => {
    const c = resolveBenchConfig(
      {
        seeds: [7, 8],
        federated: { rounds: 15, localSteps: 100, learningRate: 0.01, strategies: { fedadam: { learningRate: 0.1, serverLearningRate: 0.5 } } },
        training: { optimizer: 'adam', epochs: 50 },
      },
      { rounds: 3 },
    );
    assert.deepEqual(c.seeds, [7, 8]);
    assert.equal(c.federated.rounds, 3);
    assert.equal(c.federated.localSteps, 100);
    assert.equal(c.federated.localEpochs, undefined);
    assert.equal(c.federated.strategies.fedavg.clientOptimizer.learningRate, 0.01);
    assert.equal(c.federated.strategies.fedadam.clientOptimizer.learningRate, 0.1);
    assert.equal(c.federated.strategies.fedadam.strategy.serverLearningRate, 0.5);
    assert.deepEqual(c.training.optimizer, { kind: 'adam', learningRate: 1e-3 });
    assert.equal(c.training.epochs, 50);
    // --local-epochs replaces the YAML's local steps.
    const d = resolveBenchConfig({ federated: { localSteps: 100 } }, { localEpochs: 2 });
    assert.equal(d.federated.localEpochs, 2);
    assert.equal(d.federated.localSteps, undefined);
  });

  test('arms come out in canonical order; unknown arms and duplicate seeds are usage errors', () => {
    assert.deepEqual(resolveBenchConfig({ arms: ['fedavg', 'central'] }).arms, ['central', 'fedavg']);
    assert.throws(() => resolveBenchConfig({}, { arms: ['central', 'fedsgd'] }), (e: unknown) => e instanceof UsageError && /fedsgd/.test(e.message));
    assert.throws(() => resolveBenchConfig({}, { seeds: [1, 1] }), UsageError);
  });

  test('central and local arms get the federated budget', () => {
    const epochs = resolveBenchConfig({ federated: { rounds: 10, localEpochs: 2, clientFraction: 0.5 } });
    assert.deepEqual(armBudget(epochs, 'central', 4), { epochs: 10 });
    assert.deepEqual(armBudget(epochs, 'local', 4), { epochs: 20 });
    const steps = resolveBenchConfig({ federated: { rounds: 15, localSteps: 100 } });
    assert.deepEqual(armBudget(steps, 'central', 4), { steps: 15 * 100 * 4 });
    assert.deepEqual(armBudget(steps, 'local', 4), { steps: 1500 });
    const explicit = resolveBenchConfig({ training: { epochs: 50 } });
    assert.deepEqual(armBudget(explicit, 'central', 4), { epochs: 50 });
  });
});

describe('bench section validation', () => {
  test('every shipped scenario has a valid bench section', () => {
    for (const f of ['alzheimers-3site', 'frailty-dp', 'consortium-10site']) {
      const file = `scenarios/${f}.yaml`;
      const s = parseScenario(readFileSync(`${REPO_ROOT}${file}`, 'utf8'), file);
      assert.doesNotThrow(() => resolveBenchConfig(s.bench));
    }
  });

  test('located problems: unknown keys with did-you-mean, out-of-range values, split not summing to 1', () => {
    const text = ['bench:', '  seeds: 0', '  federated:', '    roundz: 3', '  split: { train: 0.7, validation: 0.2, test: 0.2 }', '  model: { kind: forest }', ''].join('\n');
    try {
      parseBenchConfig(text, 'b.yaml');
      assert.fail('expected an InputError');
    } catch (e) {
      assert.ok(e instanceof InputError);
      const byPath = new Map(e.problems.map((p) => [p.path, p]));
      assert.equal(byPath.get('bench.seeds')?.line, 2);
      assert.equal(byPath.get('bench.federated.roundz')?.line, 4);
      assert.match(byPath.get('bench.federated.roundz')!.found, /did you mean `rounds`/);
      assert.equal(byPath.get('bench.split')?.line, 5);
      assert.match(byPath.get('bench.split')!.expected, /sum|= 1/);
      assert.equal(byPath.get('bench.model.kind')?.line, 6);
    }
  });
});
