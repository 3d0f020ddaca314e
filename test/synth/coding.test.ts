import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DX_AD, DX_MCI, ICD_CODE_DICTIONARY, ICD_SYSTEM_INDEX, dxCodeIndex, isoToEpochDays, systemIndexOn } from '../../src/synth/coding.js';
import { ICD_SYSTEM_DICTIONARY } from '../../src/synth/columns.js';

const systemName = (i: number): string => ICD_SYSTEM_DICTIONARY[i];
const codeOf = (system: (typeof ICD_SYSTEM_DICTIONARY)[number], dx: number, age: number): string =>
  ICD_CODE_DICTIONARY[dxCodeIndex(ICD_SYSTEM_INDEX[system], dx, age)];

describe('isoToEpochDays', () => {
  test('known dates', () => {
    assert.equal(isoToEpochDays('1970-01-01'), 0);
    assert.equal(isoToEpochDays('1970-01-02'), 1);
    // 2015-10-01: 45 years incl. 11 leap days (1972..2012) = 16,436 + Jan-Sep 2015 (273) = 16,709
    assert.equal(isoToEpochDays('2015-10-01'), 16_709);
    assert.equal(isoToEpochDays('2015-09-30'), 16_708);
  });
});

describe('ICD system by date', () => {
  const sw = isoToEpochDays('2015-10-01');
  test('US site switching 2015-10-01: ICD-9-CM on 2015-09-30, ICD-10-CM on 2015-10-01 (NORID)', () => {
    assert.equal(systemName(systemIndexOn(isoToEpochDays('2015-09-30'), 'ICD-10-CM', sw)), 'ICD-9-CM');
    assert.equal(systemName(systemIndexOn(isoToEpochDays('2015-10-01'), 'ICD-10-CM', sw)), 'ICD-10-CM');
    assert.equal(systemName(systemIndexOn(isoToEpochDays('2000-01-01'), 'ICD-10-CM', sw)), 'ICD-9-CM');
    assert.equal(systemName(systemIndexOn(isoToEpochDays('2030-01-01'), 'ICD-10-CM', sw)), 'ICD-10-CM');
  });
  test('a WHO ICD-10 site without a switch date is never ICD-9-CM', () => {
    for (let day = isoToEpochDays('1990-01-01'); day <= isoToEpochDays('2030-01-01'); day += 17) {
      assert.equal(systemName(systemIndexOn(day, 'WHO-ICD-10', null)), 'WHO-ICD-10');
    }
  });
  test('a US site without a switch date is ICD-10-CM throughout', () => {
    assert.equal(systemName(systemIndexOn(isoToEpochDays('2001-05-05'), 'ICD-10-CM', null)), 'ICD-10-CM');
  });
});

describe('diagnosis codes (CLINICAL_PARAMETERS section 8)', () => {
  test('ICD-9-CM: AD 331.0 at any age, MCI 331.83', () => {
    assert.equal(codeOf('ICD-9-CM', DX_AD, 80), '331.0');
    assert.equal(codeOf('ICD-9-CM', DX_AD, 60), '331.0');
    assert.equal(codeOf('ICD-9-CM', DX_MCI, 75), '331.83');
  });
  test('ICD-10-CM: G30.1 late onset, G30.0 under 65, MCI G31.84', () => {
    assert.equal(codeOf('ICD-10-CM', DX_AD, 80), 'G30.1');
    assert.equal(codeOf('ICD-10-CM', DX_AD, 65), 'G30.1');
    assert.equal(codeOf('ICD-10-CM', DX_AD, 64.9), 'G30.0');
    assert.equal(codeOf('ICD-10-CM', DX_AD, 50), 'G30.0');
    assert.equal(codeOf('ICD-10-CM', DX_MCI, 50), 'G31.84');
    assert.equal(codeOf('ICD-10-CM', DX_MCI, 90), 'G31.84');
  });
  test('WHO ICD-10: F00.1 late onset, F00.0 under 65, MCI F06.7 (F00 is not ICD-10-CM)', () => {
    assert.equal(codeOf('WHO-ICD-10', DX_AD, 70), 'F00.1');
    assert.equal(codeOf('WHO-ICD-10', DX_AD, 64.99), 'F00.0');
    assert.equal(codeOf('WHO-ICD-10', DX_MCI, 70), 'F06.7');
  });
});
