import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/errors.js';
import { evaluateGates, formatGate, GATE_METRICS, maxGapGates, parseGate, type Gate, type GateMetric } from '../../src/bench/gate.js';

/** The UsageError message parseGate throws for `expression`. */
function rejection(expression: string): string {
  try {
    parseGate(expression);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected UsageError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail(`expected "${expression}" to be rejected`);
}

type Values = Record<string, Partial<Record<GateMetric, number | null>>>;
const lookupIn = (values: Values) => (arm: string, metric: GateMetric) => values[arm]?.[metric] ?? null;

describe('parseGate', () => {
  test('ARM.METRIC OP ARM.METRIC - number', () => {
    const gate = parseGate('fedavg.auc >= central.auc - 0.02');
    assert.deepEqual(gate.left, { term: { kind: 'metric', arm: 'fedavg', metric: 'auc' }, offset: 0 });
    assert.equal(gate.operator, '>=');
    assert.deepEqual(gate.right, { term: { kind: 'metric', arm: 'central', metric: 'auc' }, offset: -0.02 });
    assert.equal(gate.expression, 'fedavg.auc >= central.auc - 0.02');
  });

  test('every operator, numbers on either side, + offsets, no spaces', () => {
    assert.equal(parseGate('fedprox.f1 > 0.5').operator, '>');
    assert.equal(parseGate('scaffold.brier<=0.2').expression, 'scaffold.brier <= 0.2');
    assert.deepEqual(parseGate('0.75 < fedadam.auprc').left, { term: { kind: 'number', value: 0.75 }, offset: 0 });
    assert.equal(parseGate('fedyogi.ece <= central.ece + 1e-2').right.offset, 0.01);
    assert.deepEqual(parseGate('fedavg.auc >= 0.9 - 0.1').right, { term: { kind: 'number', value: 0.9 }, offset: -0.1 });
    assert.equal(parseGate('  worst_local.accuracy>=best_local.accuracy-.05 ').expression, 'worst_local.accuracy >= best_local.accuracy - 0.05');
  });

  test('arm names keep dots, +, -, : and parentheses; the arm ends at the last .METRIC', () => {
    const dp = parseGate('fedavg+dp(eps=0.5).auc >= central.auc - 0.05');
    assert.deepEqual(dp.left.term, { kind: 'metric', arm: 'fedavg+dp(eps=0.5)', metric: 'auc' });
    const local = parseGate('local:site-2.worst_site_auc>=local:site-1.worst_site_auc-0.1');
    assert.deepEqual(local.left.term, { kind: 'metric', arm: 'local:site-2', metric: 'worst_site_auc' });
    assert.deepEqual(local.right, { term: { kind: 'metric', arm: 'local:site-1', metric: 'worst_site_auc' }, offset: -0.1 });
    assert.deepEqual(parseGate('local:mayo.clinic.auprc > 0.3').left.term, { kind: 'metric', arm: 'local:mayo.clinic', metric: 'auprc' });
  });

  test('every metric in GATE_METRICS parses', () => {
    assert.deepEqual([...GATE_METRICS], ['auc', 'auprc', 'f1', 'accuracy', 'brier', 'ece', 'worst_site_auc']);
    for (const metric of GATE_METRICS) assert.equal(parseGate(`fedavgm.${metric} >= 0`).left.term.kind, 'metric');
  });

  test('formatGate round-trips through parseGate', () => {
    const arm = fc.constantFrom('central', 'best_local', 'local:site-3', 'fedavg+dp(eps=1)', 'fedadagrad');
    const operand = fc.oneof(
      fc.record({ arm, metric: fc.constantFrom(...GATE_METRICS), offset: fc.constantFrom(0, 0.02, -0.02, 1e-3, -5) }),
      fc.record({ value: fc.constantFrom(0, 0.8, 1, 0.125), offset: fc.constantFrom(0, -0.1) }),
    );
    fc.assert(
      fc.property(operand, fc.constantFrom('>=', '<=', '>', '<' as const), arm, fc.constantFrom(...GATE_METRICS), (right, operator, leftArm, leftMetric) => {
        const gate: Pick<Gate, 'left' | 'operator' | 'right'> = {
          left: { term: { kind: 'metric', arm: leftArm, metric: leftMetric }, offset: 0 },
          operator,
          right:
            'arm' in right
              ? { term: { kind: 'metric', arm: right.arm, metric: right.metric }, offset: right.offset }
              : { term: { kind: 'number', value: right.value }, offset: right.offset },
        };
        const text = formatGate(gate);
        const parsed = parseGate(text);
        assert.deepEqual({ left: parsed.left, operator: parsed.operator, right: parsed.right }, gate);
        assert.equal(parsed.expression, text);
      }),
      { numRuns: 200 },
    );
  });

  test('a missing operator: says what was expected after which operand, and what was found', () => {
    const message = rejection('fedavg.auc central.auc');
    assert.match(message, /^invalid gate "fedavg\.auc central\.auc": /);
    assert.match(message, /expected a comparison operator \(>=, <=, >, <\) after "fedavg\.auc", found "central\.auc"/);
    assert.match(rejection('fedavg.auc - 0.02'), /after "fedavg\.auc - 0\.02", found the end of the expression/);
    assert.match(rejection('fedavg.auc == central.auc'), /after "fedavg\.auc", found "==" \(equality is not offered/);
    assert.match(rejection('fedavg.auc ≥ 0.8'), /write >= instead of ≥/);
  });

  test('an unknown metric: lists the metrics and suggests the nearest', () => {
    const message = rejection('fedavg.acu >= central.auc');
    assert.match(message, /unknown metric "acu" in "fedavg\.acu"; expected one of auc, auprc, f1, accuracy, brier, ece, worst_site_auc; did you mean "auc"\?/);
    assert.match(rejection('fedavg.AUC >= 0.8'), /did you mean "auc"/);
    assert.doesNotMatch(rejection('fedavg.sensitivity >= 0.8'), /did you mean/);
  });

  test('other malformed expressions name the place and the expectation', () => {
    assert.match(rejection(''), /found an empty expression/);
    assert.match(rejection('fedavg >= 0.8'), /expected ARM\.METRIC \(e\.g\. .*\) or a number before ">=", found "fedavg"/);
    assert.match(rejection('fedavg.auc >='), /expected ARM\.METRIC or a number after ">=", found nothing/);
    assert.match(rejection('>= 0.8'), /before ">=", found nothing/);
    assert.match(rejection('.auc >= 0.8'), /expected an arm name before "\.auc"/);
    assert.match(rejection('fed avg.auc >= 0.8'), /without spaces before "\.auc", found "fed avg"/);
    assert.match(rejection('fedavg.auc >= central.auc * 2'), /expected "\+ <number>" or "- <number>" after "central\.auc", found "\* 2"/);
    assert.match(rejection('0.7 <= fedavg.auc <= 0.9'), /expected one comparison operator, found 2 \("<=" and "<="\); write one --gate per comparison/);
    assert.match(rejection('0.9 > 0.8'), /at least one ARM\.METRIC/);
  });
});

describe('maxGapGates', () => {
  test('one `<arm>.auc >= central.auc - gap` per federated arm', () => {
    const gates = maxGapGates(0.02, ['fedavg', 'scaffold', 'fedavg+dp(eps=1)']);
    assert.deepEqual(
      gates.map((g) => g.expression),
      ['fedavg.auc >= central.auc - 0.02', 'scaffold.auc >= central.auc - 0.02', 'fedavg+dp(eps=1).auc >= central.auc - 0.02'],
    );
    // The same as writing the gate by hand.
    const handWritten = parseGate('fedavg.auc >= central.auc - 0.02');
    assert.deepEqual({ ...gates[0], source: handWritten.source }, handWritten);
  });

  test('lower-is-better metrics flip the bound; central is never gated against itself; gap 0 allowed', () => {
    assert.deepEqual(maxGapGates(0.01, ['fedprox'], 'brier').map((g) => g.expression), ['fedprox.brier <= central.brier + 0.01']);
    assert.deepEqual(maxGapGates(0, ['central', 'fedavg'], 'f1').map((g) => g.expression), ['fedavg.f1 >= central.f1']);
  });

  test('a negative or non-finite gap, or an unknown metric, is a UsageError', () => {
    assert.throws(() => maxGapGates(-0.1, ['fedavg']), (e: unknown) => e instanceof UsageError && /--max-gap expects a non-negative number, found -0\.1/.test(e.message));
    assert.throws(() => maxGapGates(NaN, ['fedavg']), UsageError);
    assert.throws(() => maxGapGates(0.02, ['fedavg'], 'roc'), /unknown gap metric "roc"/);
  });
});

describe('evaluateGates', () => {
  const knownArms = ['central', 'best_local', 'worst_local', 'fedavg', 'scaffold'];

  test('a failing gate names the comparison and the numbers', () => {
    const [outcome] = evaluateGates([parseGate('fedavg.auc >= central.auc - 0.02')], lookupIn({ fedavg: { auc: 0.781 }, central: { auc: 0.823 } }), knownArms);
    assert.equal(outcome.passed, false);
    assert.equal(outcome.left, 0.781);
    assert.ok(Math.abs((outcome.right as number) - 0.803) < 1e-12);
    assert.equal(outcome.message, 'FAILED fedavg.auc >= central.auc - 0.02: 0.781 < 0.823 - 0.02 = 0.803');
  });

  test('a passing gate says so, with the numbers', () => {
    const [outcome] = evaluateGates([parseGate('scaffold.auc > best_local.auc')], lookupIn({ scaffold: { auc: 0.84 }, best_local: { auc: 0.8 } }), knownArms);
    assert.equal(outcome.passed, true);
    assert.equal(outcome.message, 'passed scaffold.auc > best_local.auc: 0.840 > 0.800');
  });

  test('equality edge: >= and <= pass, > and < fail, despite decimal rounding (0.823 − 0.02)', () => {
    const values = lookupIn({ fedavg: { auc: 0.803 }, central: { auc: 0.823 } });
    const outcomes = evaluateGates(
      ['>=', '<=', '>', '<'].map((op) => parseGate(`fedavg.auc ${op} central.auc - 0.02`)),
      values,
      knownArms,
    );
    assert.deepEqual(outcomes.map((o) => o.passed), [true, true, false, false]);
    assert.equal(outcomes[2].message, 'FAILED fedavg.auc > central.auc - 0.02: 0.803 = 0.823 - 0.02 = 0.803');
  });

  test('close values are shown with enough decimals to tell them apart', () => {
    const [outcome] = evaluateGates([parseGate('fedavg.auc >= 0.8')], lookupIn({ fedavg: { auc: 0.79996 } }), knownArms);
    assert.equal(outcome.passed, false);
    assert.equal(outcome.message, 'FAILED fedavg.auc >= 0.8: 0.79996 < 0.80000');
  });

  test('lower-is-better gates from maxGapGates compare the right way', () => {
    const gates = maxGapGates(0.01, ['fedavg', 'scaffold'], 'ece');
    const outcomes = evaluateGates(gates, lookupIn({ central: { ece: 0.03 }, fedavg: { ece: 0.035 }, scaffold: { ece: 0.05 } }), knownArms);
    assert.deepEqual(outcomes.map((o) => o.passed), [true, false]);
    assert.equal(outcomes[1].message, 'FAILED scaffold.ece <= central.ece + 0.01: 0.050 > 0.030 + 0.01 = 0.040');
  });

  test('an undefined metric fails the gate and says so, with the reason when known', () => {
    const gates = [parseGate('scaffold.auc >= central.auc - 0.02'), parseGate('worst_local.auc >= 0.6')];
    const outcomes = evaluateGates(
      gates,
      lookupIn({ central: { auc: 0.82 } }),
      knownArms,
      (arm, metric) => (arm === 'scaffold' ? `${metric} had single-class test labels in every seed` : undefined),
    );
    assert.deepEqual(outcomes.map((o) => o.passed), [false, false]);
    assert.equal(outcomes[0].left, null);
    assert.equal(outcomes[0].right, 0.82 - 0.02);
    assert.equal(outcomes[0].message, 'FAILED scaffold.auc >= central.auc - 0.02: scaffold.auc is undefined (auc had single-class test labels in every seed)');
    assert.equal(outcomes[1].message, 'FAILED worst_local.auc >= 0.6: worst_local.auc is undefined');
  });

  test('a NaN from the lookup is treated as undefined, never as a pass', () => {
    const [outcome] = evaluateGates([parseGate('fedavg.brier <= 0.2')], () => NaN, knownArms);
    assert.equal(outcome.passed, false);
    assert.match(outcome.message, /fedavg\.brier is undefined \(its value is NaN\)/);
  });

  test('an unknown arm is a UsageError listing the known arms, checked before any gate is evaluated', () => {
    let looked = 0;
    const gates = [parseGate('fedavg.auc >= 0.5'), parseGate('fedavgg.auc >= central.auc - 0.02')];
    assert.throws(
      () => evaluateGates(gates, () => (looked++, 0.8), knownArms),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /unknown arm "fedavgg" in gate "fedavgg\.auc >= central\.auc - 0\.02"; did you mean "fedavg"\?/);
        assert.match(error.message, /known arms: central, best_local, worst_local, fedavg, scaffold/);
        return true;
      },
    );
    assert.equal(looked, 0);
  });

  test('no gates → no outcomes', () => {
    assert.deepEqual(evaluateGates([], () => 0, knownArms), []);
  });
});
