/**
 * The `vertical:` section: defaults, the cross-field rules, and located errors (file:line, YAML
 * path, expected vs found) for a bad section.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { DEFAULT_VERTICAL_TRAINING, VERTICAL_FEATURE_GROUPS } from '../../src/scenario/vertical-schema.js';
import { patientColumns } from '../../src/synth/columns.js';
import { resolveSite } from '../../src/scenario/parse.js';

const BASE = `consortium:
  name: v
  target: incident_dementia_code
sites:
  - id: region
    patients: 500
`;

function problems(text: string): InputError['problems'] {
  try {
    parseScenario(text, 'v.yaml');
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.problems;
  }
  assert.fail('expected an InputError');
}

describe('vertical: section', () => {
  test('parties resolve with defaults (name = id, label false) and the training defaults', () => {
    const s = parseScenario(
      `${BASE}vertical:
  parties:
    - { id: hospital, label: true, coverage: 1, features: [demographics, labs] }
    - { id: clinic, coverage: 0.5, features: [cognition] }
  training: { epochs: 3 }
`,
      'v.yaml',
    );
    assert.deepEqual(s.vertical?.parties, [
      { id: 'hospital', name: 'hospital', label: true, coverage: 1, features: ['demographics', 'labs'] },
      { id: 'clinic', name: 'clinic', label: false, coverage: 0.5, features: ['cognition'] },
    ]);
    assert.deepEqual(s.vertical?.training, { ...DEFAULT_VERTICAL_TRAINING, epochs: 3 });
  });

  test('a horizontal scenario has vertical null', () => {
    assert.equal(parseScenario(BASE, 'v.yaml').vertical, null);
  });

  test('every feature group names feature columns of the patient table, and no column is in two groups', () => {
    const specs = new Map(patientColumns(resolveSite({ id: 'a' })).map((c) => [c.name, c]));
    const seen = new Set<string>();
    for (const [group, columns] of Object.entries(VERTICAL_FEATURE_GROUPS)) {
      for (const c of columns) {
        assert.equal(specs.get(c)?.role, 'feature', `${group}: ${c}`);
        assert.ok(!seen.has(c), `${c} in two groups`);
        seen.add(c);
      }
    }
  });

  test('no label holder, two label holders, a group held twice, a duplicate id, two sites: each located', () => {
    const none = problems(`${BASE}vertical:
  parties:
    - { id: a, coverage: 1, features: [labs] }
    - { id: b, coverage: 1, features: [mri] }
`);
    assert.deepEqual(
      none.map((p) => [p.line, p.path, p.found]),
      [[8, 'vertical.parties', 'none']],
    );
    const many = problems(`${BASE}vertical:
  parties:
    - { id: a, label: true, coverage: 1, features: [labs] }
    - { id: A, label: true, coverage: 1, features: [labs, mri] }
`);
    assert.deepEqual(
      many.map((p) => [p.line, p.path]).sort(),
      [
        [10, 'vertical.parties[1].id'],
        [10, 'vertical.parties[1].label'],
        [10, 'vertical.parties[1].features[0]'],
      ].sort(),
    );
    assert.match(many.find((p) => p.path === 'vertical.parties[1].features[0]')!.found, /"labs", already held by "a"/);
    assert.match(many.find((p) => p.path === 'vertical.parties[1].id')!.found, /"A", already used as "a"/);
    const twoSites = problems(`${BASE}  - id: other
vertical:
  parties:
    - { id: a, label: true, coverage: 1, features: [labs] }
    - { id: b, coverage: 1, features: [mri] }
`);
    assert.deepEqual(twoSites.map((p) => [p.line, p.path, p.found]), [[4, 'sites', '2 sites']]);
  });

  test('schema errors: coverage out of range, an unknown group, a typo in a key', () => {
    const found = problems(`${BASE}vertical:
  parties:
    - id: a
      label: true
      coverage: 1.5
      features: [labs, ekg]
    - { id: b, coverag: 1, features: [mri] }
`);
    const byPath = new Map(found.map((p) => [p.path, p]));
    assert.equal(byPath.get('vertical.parties[0].coverage')?.line, 11);
    assert.equal(byPath.get('vertical.parties[0].coverage')?.found, '1.5');
    assert.equal(byPath.get('vertical.parties[0].features[1]')?.line, 12);
    assert.match(byPath.get('vertical.parties[0].features[1]')!.expected, /demographics/);
    assert.match(byPath.get('vertical.parties[1].coverag')!.found, /did you mean `coverage`/);
    assert.ok(found.every((p) => p.file === 'v.yaml'));
  });
});
