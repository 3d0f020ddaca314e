import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InputError, type InputProblem } from '../../src/errors.js';
import { DEFAULT_SITE } from '../../src/scenario/defaults.js';
import { loadScenario, parseScenario, resolveSite } from '../../src/scenario/parse.js';

/** From dist/test/scenario/ back to the repo root. */
const REPO_ROOT = new URL('../../../', import.meta.url);

function fixtureText(relative: string): string {
  return readFileSync(new URL(`fixtures/${relative}`, REPO_ROOT), 'utf8');
}

/** Parses text that must be invalid and returns the problems it reports. */
function problemsIn(text: string, file = 'test.yaml'): InputProblem[] {
  try {
    parseScenario(text, file);
  } catch (error) {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the scenario to be rejected');
}

function onlyProblem(problems: InputProblem[]): InputProblem {
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => JSON.stringify(p)).join('\n')}`);
  return problems[0];
}

interface InvalidCase {
  fixture: string;
  path: string;
  line: number | undefined;
  column?: number;
  expected: RegExp;
  found: RegExp;
}

/** One row per file in fixtures/invalid (except many-problems.yaml, tested on its own below). */
const INVALID_CASES: InvalidCase[] = [
  { fixture: 'malformed-yaml.yaml', path: '', line: 3, expected: /valid YAML/, found: /Flow sequence/ },
  { fixture: 'empty.yaml', path: '', line: undefined, expected: /mapping with `consortium` and `sites`/, found: /empty document/ },
  { fixture: 'comments-only.yaml', path: '', line: undefined, expected: /mapping with `consortium` and `sites`/, found: /empty document/ },
  { fixture: 'top-level-list.yaml', path: '', line: 1, expected: /mapping with `consortium` and `sites`/, found: /^a list of 2 items$/ },
  {
    fixture: 'unknown-key-typo.yaml',
    path: 'sites[0].demographics.femaleFracton',
    line: 6,
    column: 7,
    expected: /known key of `sites\[0\]\.demographics`: age, femaleFraction, educationYears/,
    found: /unknown key `femaleFracton` \(did you mean `femaleFraction`\?\)/,
  },
  { fixture: 'wrong-type.yaml', path: 'sites[0].patients', line: 5, column: 15, expected: /^a whole number > 0$/, found: /^"many"$/ },
  {
    fixture: 'fraction-out-of-range.yaml',
    path: 'sites[0].demographics.femaleFraction',
    line: 6,
    column: 23,
    expected: /^a number between 0 and 1$/,
    found: /^1\.4$/,
  },
  { fixture: 'diagnosis-mix-sum.yaml', path: 'sites[0].diagnosisMix', line: 5, expected: /sum to 1/, found: /CN 0\.5 \+ MCI 0\.4 \+ AD 0\.2 = 1\.1$/ },
  {
    fixture: 'diagnosis-mix-partial.yaml',
    path: 'sites[0].diagnosisMix',
    line: 6,
    expected: /sum to 1.*inherits the rest/,
    found: /CN 0\.28 \+ MCI 0\.49 \+ AD 0\.5 = 1\.27$/,
  },
  { fixture: 'patients-zero.yaml', path: 'sites[0].patients', line: 5, expected: /^a whole number > 0$/, found: /^0$/ },
  { fixture: 'patients-negative.yaml', path: 'sites[0].patients', line: 5, expected: /^a whole number > 0$/, found: /^-2$/ },
  { fixture: 'sd-not-positive.yaml', path: 'sites[0].demographics.age.sd', line: 6, column: 28, expected: /^a number > 0$/, found: /^0$/ },
  // The site sets min 95; max 90 is inherited from consortium.defaults: point at what the site wrote.
  { fixture: 'min-greater-than-max.yaml', path: 'sites[0].demographics.age.min', line: 9, expected: /min <= max/, found: /min 95 > max 90/ },
  {
    fixture: 'enrollment-end-before-start.yaml',
    path: 'sites[0].enrollment.end',
    line: 7,
    expected: /end on or after its start/,
    found: /end 2014-12-31 is before start 2016-01-01/,
  },
  { fixture: 'duplicate-site-ids.yaml', path: 'sites[2].id', line: 6, expected: /used by no other site/, found: /"clinic", already used by sites\[0\] \(line 4\)/ },
  {
    fixture: 'duplicate-site-ids-case.yaml',
    path: 'sites[1].id',
    line: 6,
    expected: /ignoring case/,
    found: /"clinic", already used as "Clinic" by sites\[0\] \(line 5\)/,
  },
  { fixture: 'unsafe-site-id-dotdot.yaml', path: 'sites[0].id', line: 4, column: 9, expected: /safe file name/, found: /^"\.\.\/x"$/ },
  { fixture: 'unsafe-site-id-absolute.yaml', path: 'sites[0].id', line: 4, expected: /safe file name/, found: /^"\/etc"$/ },
  { fixture: 'unsafe-site-id-empty.yaml', path: 'sites[0].id', line: 4, expected: /safe file name/, found: /^""$/ },
  { fixture: 'no-sites-empty-list.yaml', path: 'sites', line: 3, expected: /^a list with at least one site$/, found: /^an empty list$/ },
  { fixture: 'no-sites-missing-key.yaml', path: 'sites', line: 1, expected: /`sites`: a list with at least one site/, found: /the key `sites` is missing/ },
  { fixture: 'invalid-date.yaml', path: 'sites[0].enrollment.start', line: 6, expected: /real calendar date/, found: /^"2019-02-30"$/ },
];

describe('parseScenario: one problem per invalid fixture', () => {
  for (const c of INVALID_CASES) {
    test(c.fixture, () => {
      const file = `fixtures/invalid/${c.fixture}`;
      const problem = onlyProblem(problemsIn(fixtureText(`invalid/${c.fixture}`), file));
      assert.equal(problem.file, file);
      assert.equal(problem.path, c.path);
      assert.equal(problem.line, c.line);
      if (c.column !== undefined) assert.equal(problem.column, c.column);
      assert.match(problem.expected, c.expected);
      assert.match(problem.found, c.found);
    });
  }

  test('reserved-site-id.yaml reports both reserved ids', () => {
    const problems = problemsIn(fixtureText('invalid/reserved-site-id.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [
        ['sites[0].id', 4],
        ['sites[1].id', 5],
      ],
    );
    assert.match(problems[0].found, /"manifest" \(reserved/);
    assert.match(problems[1].found, /"a\.visits" \(ends in "\.visits"/);
  });

  test('every file in fixtures/invalid has a test', () => {
    const covered = new Set([...INVALID_CASES.map((c) => c.fixture), 'reserved-site-id.yaml', 'many-problems.yaml']);
    const files = readdirSync(new URL('fixtures/invalid/', REPO_ROOT)).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(files.filter((f) => !covered.has(f)), []);
  });
});

describe('parseScenario: reporting', () => {
  test('reports every problem in a file, in document order', () => {
    const problems = problemsIn(fixtureText('invalid/many-problems.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [
        ['consortium.seed', 4],
        ['sites[0].patients', 7],
        ['sites[0].demographics.femaleFraction', 9],
        ['sites[1].cognition.instrument', 12],
        ['sites[2].id', 13],
        ['sites[2].apoeE4CarrierRat', 14],
      ],
    );
    const instrument = problems[3];
    assert.equal(instrument.expected, 'one of MMSE | MoCA | both');
    assert.equal(instrument.found, '"MMSE2"');
    assert.match(problems[5].found, /did you mean `apoeE4CarrierRate`\?/);
  });

  test('the error message lists each problem as file:line:column at path', () => {
    assert.throws(
      () => parseScenario(fixtureText('invalid/fraction-out-of-range.yaml'), 'f.yaml'),
      (error: unknown) =>
        error instanceof InputError &&
        error.exitCode === 2 &&
        error.message.includes('f.yaml:6:23 at sites[0].demographics.femaleFraction: expected a number between 0 and 1, found 1.4'),
    );
  });

  test('reports every YAML syntax error with its own position', () => {
    const problems = problemsIn('consortium: [1,\nsites: 2\n  c: 3\n');
    assert.ok(problems.length >= 2, `got ${problems.length}`);
    for (const p of problems) {
      assert.equal(p.expected, 'valid YAML');
      assert.equal(typeof p.line, 'number');
      assert.doesNotMatch(p.found, /at line \d+/, 'the position is in line/column, not repeated in the text');
    }
  });

  test('duplicate YAML keys are a syntax problem', () => {
    const problem = onlyProblem(problemsIn('consortium:\n  name: a\n  name: b\nsites:\n  - id: a\n'));
    assert.equal(problem.line, 3);
    assert.match(problem.found, /unique/);
  });

  test('an alias without its anchor is reported at the alias', () => {
    const problem = onlyProblem(problemsIn('consortium:\n  name: *missing\nsites:\n  - id: a\n'));
    assert.equal(problem.line, 2);
    assert.match(problem.found, /\*missing/);
  });

  test('a missing required key points at the parent mapping', () => {
    const problem = onlyProblem(problemsIn('consortium:\n  name: x\nsites:\n  - name: No id\n    patients: 10\n'));
    assert.equal(problem.path, 'sites[0].id');
    assert.equal(problem.line, 4);
    assert.match(problem.found, /the key `id` is missing/);
  });

  test('an unknown top-level key is named, with a suggestion when close', () => {
    const problem = onlyProblem(problemsIn('consortium:\n  name: x\nsite:\n  - id: a\nsites:\n  - id: b\n'));
    assert.equal(problem.path, 'site');
    assert.equal(problem.line, 3);
    assert.match(problem.found, /did you mean `sites`\?/);
  });

  test('no suggestion for a key that resembles nothing', () => {
    const problem = onlyProblem(problemsIn('consortium:\n  name: x\n  zzzzzzzz: 1\nsites:\n  - id: a\n'));
    assert.equal(problem.found, 'unknown key `zzzzzzzz`');
  });

  test('a rule broken by consortium.defaults is reported once, where it was written', () => {
    const text = 'consortium:\n  name: x\n  defaults:\n    diagnosisMix: { CN: 0.5 }\nsites:\n  - id: a\n  - id: b\n';
    const problem = onlyProblem(problemsIn(text));
    assert.equal(problem.path, 'consortium.defaults.diagnosisMix');
    assert.equal(problem.line, 4);
  });

  test('cross-field rules still run on valid sites when another site has schema errors', () => {
    const text = 'consortium:\n  name: x\nsites:\n  - id: a\n    patients: 0\n  - id: b\n    enrollment: { start: 2015-01-01, end: 2014-01-01 }\n';
    assert.deepEqual(
      problemsIn(text).map((p) => p.path),
      ['sites[0].patients', 'sites[1].enrollment.end'],
    );
  });

  test('a switch date after the enrollment end is fine', () => {
    const text = 'consortium:\n  name: x\nsites:\n  - id: a\n    coding: { switchDate: 2030-01-01 }\n';
    assert.equal(parseScenario(text, 't.yaml').sites[0].coding.switchDate, '2030-01-01');
  });
});

describe('retired target names', () => {
  test('conversion_to_ad is an error at its line that names both replacements', () => {
    const problems = problemsIn('consortium:\n  name: x\n  target: conversion_to_ad\nsites:\n  - id: a\n');
    assert.equal(problems.length, 1);
    assert.equal(problems[0].path, 'consortium.target');
    assert.equal(problems[0].line, 3);
    assert.match(problems[0].expected, /retired/);
    assert.match(problems[0].expected, /"mci_to_ad"/);
    assert.match(problems[0].expected, /"incident_dementia_code"/);
  });

  test('an unknown target lists the valid ones', () => {
    const problems = problemsIn('consortium:\n  name: x\n  target: conversion\nsites:\n  - id: a\n');
    assert.match(problems[0].expected, /mci_to_ad/);
    assert.doesNotMatch(problems[0].expected, /retired/);
  });
});

describe('parseScenario: valid scenarios', () => {
  test('minimal.yaml resolves every setting from the defaults', () => {
    const scenario = parseScenario(fixtureText('valid/minimal.yaml'), 'minimal.yaml');
    assert.equal(scenario.name, 'Minimal');
    assert.equal(scenario.description, '');
    assert.equal(scenario.seed, 1);
    assert.equal(scenario.followUpYears, 3);
    assert.equal(scenario.visitIntervalMonths, 12);
    assert.equal(scenario.target, 'mci_to_ad');
    assert.deepEqual(scenario.refs, {});
    assert.deepEqual(scenario.bench, {});
    assert.equal(scenario.file, 'minimal.yaml');
    assert.equal(scenario.sites.length, 1);
    const [site] = scenario.sites;
    assert.equal(site.id, 'hospital-a');
    assert.equal(site.name, 'hospital-a', 'name defaults to the id');
    assert.deepEqual({ ...site, id: undefined, name: undefined }, { ...DEFAULT_SITE, id: undefined, name: undefined });
  });

  test('overrides.yaml: site beats consortium.defaults beats built-in defaults', () => {
    const scenario = parseScenario(fixtureText('valid/overrides.yaml'), 'overrides.yaml');
    assert.equal(scenario.seed, 7);
    assert.equal(scenario.target, 'current_impairment');
    assert.equal(scenario.refs.NORID, 'US ICD-9 to ICD-10 switch on 2015-10-01');
    const [boston, uppsala] = scenario.sites;
    assert.equal(boston.name, 'Boston Memory Clinic');
    assert.equal(boston.patients, 900);
    assert.equal(uppsala.patients, 500);
    assert.equal(boston.demographics.femaleFraction, 0.5);
    assert.equal(uppsala.demographics.femaleFraction, 0.55);
    assert.deepEqual(uppsala.demographics.age, { mean: 74, sd: 7, min: 60, max: 92 });
    assert.equal(boston.coding.switchDate, '2015-10-01');
    assert.equal(uppsala.coding.switchDate, null, 'null in consortium.defaults overrides the built-in date');
    assert.equal(uppsala.coding.icdSystem, 'WHO-ICD-10');
    assert.equal(uppsala.cognition.instrument, 'MoCA');
    assert.equal(uppsala.cognition.cdrSb, DEFAULT_SITE.cognition.cdrSb, 'siblings of an overridden key are inherited');
  });
});

describe('resolveSite: merge precedence', () => {
  test('site overrides defaults overrides built-ins, key by key', () => {
    const site = resolveSite(
      { id: 'a', patients: 30, demographics: { femaleFraction: 0.6 } },
      { patients: 20, demographics: { femaleFraction: 0.4, age: { mean: 70, sd: 5 } }, apoeE4CarrierRate: 0.3 },
    );
    assert.equal(site.patients, 30);
    assert.equal(site.demographics.femaleFraction, 0.6);
    assert.deepEqual(site.demographics.age, { mean: 70, sd: 5, min: 55, max: 95 });
    assert.equal(site.apoeE4CarrierRate, 0.3);
    assert.deepEqual(site.demographics.educationYears, DEFAULT_SITE.demographics.educationYears);
  });

  test('does not modify the built-in defaults', () => {
    const before = structuredClone(DEFAULT_SITE);
    resolveSite({ id: 'a', demographics: { age: { mean: 1, sd: 1 } } });
    assert.deepEqual(DEFAULT_SITE, before);
  });
});

describe('femaleFraction (property)', () => {
  const scenarioWith = (fraction: number) => {
    const yamlNumber = Number.isFinite(fraction) ? String(fraction) : fraction > 0 ? '.inf' : '-.inf';
    return `consortium:\n  name: p\nsites:\n  - id: a\n    demographics:\n      femaleFraction: ${yamlNumber}\n`;
  };

  test('any value outside [0, 1] is rejected at its path', () => {
    const outside = fc.oneof(
      fc.double({ min: 1, minExcluded: true, noNaN: true }),
      fc.double({ max: 0, maxExcluded: true, noNaN: true }).filter((x) => !Object.is(x, -0)),
    );
    fc.assert(
      fc.property(outside, (fraction) => {
        const problem = onlyProblem(problemsIn(scenarioWith(fraction)));
        assert.equal(problem.path, 'sites[0].demographics.femaleFraction');
        assert.equal(problem.line, 6);
      }),
    );
  });

  test('any value inside [0, 1] is accepted', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (fraction) => {
        const scenario = parseScenario(scenarioWith(fraction), 'p.yaml');
        assert.equal(scenario.sites[0].demographics.femaleFraction, fraction === 0 ? 0 : fraction);
      }),
    );
  });
});

describe('loadScenario', () => {
  test('reads and resolves a file', async () => {
    const scenario = await loadScenario(fileURLToPath(new URL('fixtures/valid/minimal.yaml', REPO_ROOT)));
    assert.equal(scenario.sites[0].id, 'hospital-a');
  });

  test('a missing file is an InputError naming it', async () => {
    await assert.rejects(loadScenario('no/such/scenario.yaml'), (error: unknown) => {
      assert.ok(error instanceof InputError);
      const problem = onlyProblem(error.problems);
      assert.equal(problem.file, 'no/such/scenario.yaml');
      assert.equal(problem.expected, 'a readable scenario file');
      assert.equal(problem.found, 'no such file');
      return true;
    });
  });

  test('a directory is an InputError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedage-'));
    try {
      await assert.rejects(loadScenario(dir), (error: unknown) => error instanceof InputError && error.problems[0].found === 'a directory');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
