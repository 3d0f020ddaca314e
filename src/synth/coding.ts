/**
 * Diagnosis coding: which ICD system is in force on a date, and the code a recorded MCI or
 * AD dementia diagnosis receives in it (CLINICAL_PARAMETERS.md section 8).
 *  - ICD-9-CM (US until 2015-09-30): AD 331.0, MCI 331.83.
 *  - ICD-10-CM (US from 2015-10-01, NORID): AD G30.0 early onset (< 65 y) / G30.1 late onset; MCI G31.84.
 *  - WHO ICD-10: dementia in AD F00.0 early / F00.1 late onset (F00 does not exist in ICD-10-CM); MCI F06.7.
 */
import type { IcdSystem } from '../scenario/schema.js';

export const ICD_CODE_DICTIONARY = ['331.0', '331.83', 'G30.0', 'G30.1', 'G31.84', 'F00.0', 'F00.1', 'F06.7'] as const;
export type IcdCode = (typeof ICD_CODE_DICTIONARY)[number];

/** Index into ICD_SYSTEM_DICTIONARY (columns.ts) for each system. */
export const ICD_SYSTEM_INDEX: Record<IcdSystem, number> = { 'ICD-9-CM': 0, 'ICD-10-CM': 1, 'WHO-ICD-10': 2 };

const code = (c: IcdCode): number => ICD_CODE_DICTIONARY.indexOf(c);

/** [system index][0 = MCI, 1 = AD early onset, 2 = AD late onset] -> code dictionary index. */
const CODE_TABLE: number[][] = [
  [code('331.83'), code('331.0'), code('331.0')],
  [code('G31.84'), code('G30.0'), code('G30.1')],
  [code('F06.7'), code('F00.0'), code('F00.1')],
];

export const DX_MCI = 0;
export const DX_AD = 1;

/** Dictionary index of the code for a recorded diagnosis in a system. */
export function dxCodeIndex(systemIndex: number, dx: number, ageYears: number): number {
  if (dx === DX_MCI) return CODE_TABLE[systemIndex][0];
  return CODE_TABLE[systemIndex][ageYears < 65 ? 1 : 2];
}

/** Days since 1970-01-01 of an ISO date. */
export function isoToEpochDays(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
}

/** System in force on a date: ICD-9-CM before the switch, the site's system from it on. */
export function systemIndexOn(epochDays: number, system: IcdSystem, switchEpochDays: number | null): number {
  if (switchEpochDays !== null && epochDays < switchEpochDays) return ICD_SYSTEM_INDEX['ICD-9-CM'];
  return ICD_SYSTEM_INDEX[system];
}
