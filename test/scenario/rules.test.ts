import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveSite } from '../../src/scenario/parse.js';
import {
  checkDiagnosisMix,
  checkDistributions,
  checkEnrollment,
  checkResolvedSite,
  checkSiteIds,
  reservedSiteIdReason,
} from '../../src/scenario/rules.js';
import type { ResolvedSite } from '../../src/scenario/schema.js';

/** A fully resolved site from the built-in defaults, changed by `edit`. */
function siteWith(edit: (site: ResolvedSite) => void = () => {}): ResolvedSite {
  const site = resolveSite({ id: 'a' });
  edit(site);
  return site;
}

describe('checkResolvedSite', () => {
  test('the built-in defaults break no rule', () => {
    assert.deepEqual(checkResolvedSite(siteWith()), []);
  });
});

describe('checkDistributions', () => {
  test('min > max names max first, then min, then the distribution', () => {
    const [violation, ...rest] = checkDistributions(siteWith((s) => (s.demographics.age.min = 96)));
    assert.deepEqual(rest, []);
    assert.deepEqual(violation.at, [
      ['demographics', 'age', 'max'],
      ['demographics', 'age', 'min'],
      ['demographics', 'age'],
    ]);
    assert.equal(violation.found, 'min 96 > max 95');
  });

  test('a mean outside [min, max] is a violation', () => {
    const [below] = checkDistributions(siteWith((s) => (s.demographics.age.mean = 50)));
    assert.equal(below.found, 'mean 50 below min 55');
    assert.deepEqual(below.at[0], ['demographics', 'age', 'mean']);
    const [above] = checkDistributions(siteWith((s) => (s.demographics.educationYears.mean = 30)));
    assert.equal(above.found, 'mean 30 above max 24');
  });

  test('finds distributions nested per group', () => {
    const [violation] = checkDistributions(siteWith((s) => (s.cognition.mmse.AD = { mean: 20, sd: 3, min: 30, max: 10 })));
    assert.deepEqual(violation.at[0], ['cognition', 'mmse', 'AD', 'max']);
  });

  test('mean on a bound and open bounds are fine', () => {
    const site = siteWith((s) => {
      s.demographics.age = { mean: 55, sd: 5, min: 55 };
      s.frailty.gaitSpeedMps = { mean: -3, sd: 1 };
    });
    assert.deepEqual(checkDistributions(site), []);
  });
});

describe('checkDiagnosisMix', () => {
  test('a mix summing to 1 up to floating-point error passes', () => {
    assert.deepEqual(checkDiagnosisMix(siteWith((s) => (s.diagnosisMix = { CN: 0.1, MCI: 0.2, AD: 0.7 }))), []);
  });

  test('a mix off by more than 1e-6 fails and shows the sum', () => {
    const [violation] = checkDiagnosisMix(siteWith((s) => (s.diagnosisMix = { CN: 0.3, MCI: 0.3, AD: 0.3 })));
    assert.equal(violation.found, 'CN 0.3 + MCI 0.3 + AD 0.3 = 0.9');
    assert.deepEqual(violation.at, [['diagnosisMix']]);
  });
});

describe('checkEnrollment', () => {
  test('end before start fails; same day passes', () => {
    assert.equal(checkEnrollment(siteWith((s) => (s.enrollment = { start: '2015-01-02', end: '2015-01-01' }))).length, 1);
    assert.deepEqual(checkEnrollment(siteWith((s) => (s.enrollment = { start: '2015-01-01', end: '2015-01-01' }))), []);
  });

  test('a switch date after the enrollment end is not a violation', () => {
    assert.deepEqual(checkResolvedSite(siteWith((s) => (s.coding.switchDate = '2040-01-01'))), []);
  });
});

describe('checkSiteIds', () => {
  test('reports the second occurrence of a duplicate, ignoring case', () => {
    const violations = checkSiteIds(['a', 'B', 'b', 'a']);
    assert.deepEqual(
      violations.map((v) => [v.index, v.found]),
      [
        [2, '"b", already used as "B" by sites[1]'],
        [3, '"a", already used by sites[0]'],
      ],
    );
  });

  test('describes the first occurrence with the given function', () => {
    const [violation] = checkSiteIds(['x', 'x'], (i) => `site #${i}`);
    assert.match(violation.found, /by site #0$/);
  });

  test('leaves non-strings and ids failing the schema pattern to the schema check', () => {
    assert.deepEqual(checkSiteIds([undefined, 3, '../x', '../x', '']), []);
  });

  test('rejects reserved names', () => {
    for (const id of ['manifest', 'Manifest', 'a.arrow', 'A.ARROW', 'x.visits', 'CON', 'nul.txt', 'com1']) {
      assert.ok(reservedSiteIdReason(id), id);
    }
    for (const id of ['manifesto', 'arrow', 'visits', 'console', 'com10', 'site-1']) {
      assert.equal(reservedSiteIdReason(id), undefined, id);
    }
    assert.deepEqual(
      checkSiteIds(['ok', 'manifest']).map((v) => v.index),
      [1],
    );
  });
});
