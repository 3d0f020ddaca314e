/**
 * YAML reading limits (issue 13): duplicate keys found with a hash set instead of yaml's
 * quadratic check (same verdicts), every YAML input capped at MAX_YAML_BYTES before it is parsed,
 * at most MAX_REPORTED_PROBLEMS problems listed, and did-you-mean never builds a huge table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { InputError } from '../../src/errors.js';
import { MAX_YAML_BYTES, readYaml, readYamlFile } from '../../src/scenario/yaml-source.js';
import { MAX_REPORTED_PROBLEMS, loadScenario, parseScenario } from '../../src/scenario/parse.js';
import { closestMatch } from '../../src/scenario/did-you-mean.js';
import { loadImportMapping } from '../../src/data/import/parse-mapping.js';

const MINIMAL = 'consortium:\n  name: a\nsites:\n  - id: a\n';

describe('duplicate keys (linear check)', () => {
  test('reported at the second key, with its dot path and the line of the first', () => {
    const src = readYaml('consortium:\n  name: a\n  seed: 1\n  name: b\nsites:\n  - id: a\n    patients: 5\n    patients: 6\n', 'd.yaml');
    assert.deepEqual(
      src.problems.map((p) => [p.line, p.column, p.path, p.found]),
      [
        [4, 3, 'consortium.name', 'the key `name` a second time (map keys must be unique; first at line 2)'],
        [8, 5, 'sites[1].patients'.replace('[1]', '[0]'), 'the key `patients` a second time (map keys must be unique; first at line 7)'],
      ],
    );
    assert.equal(src.data, undefined);
  });

  test('property: the same verdict as yaml’s own uniqueKeys check on random flat and nested maps', () => {
    const key = fc.constantFrom('a', 'b', '1', '"1"', 'true', '"true"', 'null', '~', 'x y');
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.boolean(), key), { minLength: 1, maxLength: 8 }), (pairs) => {
        const text = pairs.map(([k, nested, k2]) => (nested ? `${k}:\n  ${k2}: 1\n  ${k2 === 'a' ? 'b' : 'a'}: 2` : `${k}: 1`)).join('\n');
        const reference = parseDocument(text).errors.some((e) => e.code === 'DUPLICATE_KEY');
        const ours = readYaml(text, 'p.yaml').problems.some((p) => /map keys must be unique/.test(p.found));
        return reference === ours;
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  test('locating problems uses a per-mapping key index: the first of two equal-text keys wins, as before', () => {
    const src = readYaml('a: 1\nb:\n  c: 2\n', 'i.yaml');
    assert.deepEqual(src.positionOf(['b', 'c']), { line: 3, column: 6 });
    assert.deepEqual(src.keyPositionOf(['b', 'c']), { line: 3, column: 3 });
    assert.equal(src.has(['b', 'zz']), false);
  });
});

describe('size cap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-yaml-cap-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('text over the cap is one problem naming the file, its size and the cap; nothing is parsed', () => {
    const text = `${MINIMAL}# ${'x'.repeat(MAX_YAML_BYTES)}\n`;
    const src = readYaml(text, 'big.yaml');
    assert.equal(src.data, undefined);
    assert.equal(src.problems.length, 1);
    const [p] = src.problems;
    assert.equal(p.file, 'big.yaml');
    assert.match(p.expected, /^a YAML file of at most 10\.0 MB \(10485760 bytes\)$/);
    assert.equal(p.found, `${Buffer.byteLength(text)} bytes (10.0 MB); is this the right file?`);
    // Just under the cap is read normally.
    assert.doesNotThrow(() => parseScenario(`${MINIMAL}# ${'x'.repeat(1000)}\n`, 'ok.yaml'));
  });

  test('a scenario file over the cap is refused by its size before it is read', async () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `${MINIMAL}# ${'x'.repeat(MAX_YAML_BYTES + 10)}\n`);
    await assert.rejects(loadScenario(file), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: expected a scenario file of at most 10\\.0 MB \\(10485760 bytes\\), found 10485\\d{3} bytes \\(10\\.0 MB\\)`));
      return true;
    });
  });

  test('an endless stream (/dev/zero) stops at the cap instead of filling memory', async () => {
    await assert.rejects(readYamlFile('/dev/zero', 'a readable scenario file', String), (e: unknown) => e instanceof InputError && /found more than 10485760 bytes/.test(e.message));
  });

  test('an import mapping over the cap is refused too', async () => {
    const file = join(dir, 'mapping.yaml');
    writeFileSync(file, `name: m\n# ${'x'.repeat(MAX_YAML_BYTES)}\n`);
    await assert.rejects(loadImportMapping(file), (e: unknown) => e instanceof InputError && /expected an import mapping \(YAML\) of at most 10\.0 MB \(10485760 bytes\), found 10485\d{3} bytes/.test(e.message));
  });
});

describe('report limits', () => {
  test(`at most ${MAX_REPORTED_PROBLEMS} problems are listed; the summary gives the total`, () => {
    const text = `${MINIMAL}${Array.from({ length: 250 }, (_, i) => `stray${i}: ${i}`).join('\n')}\n`;
    try {
      parseScenario(text, 's.yaml');
      assert.fail('expected rejection');
    } catch (e) {
      assert.ok(e instanceof InputError);
      assert.equal(e.problems.length, MAX_REPORTED_PROBLEMS);
      assert.match(e.message, /^250 problems in s\.yaml; the first 100 \(top to bottom\) are listed\n/);
      // The first ones, in document order.
      assert.deepEqual(e.problems.slice(0, 2).map((p) => [p.line, p.path]), [[5, 'stray0'], [6, 'stray1']]);
    }
  });

  test('did-you-mean skips candidates whose length alone rules them out (a 1 MB key builds no table)', () => {
    assert.equal(closestMatch('x'.repeat(1_000_000), ['sites', 'consortium']), undefined);
    assert.equal(closestMatch('stes', ['sites', 'consortium']), 'sites');
    assert.equal(closestMatch('consortum', ['sites', 'consortium']), 'consortium');
  });
});
