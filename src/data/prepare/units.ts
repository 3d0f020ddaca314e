/**
 * Unit harmonization: one canonical unit per numeric column, and the conversions from the
 * units sites actually report (src/synth/columns.ts `labUnits`, `weightUnit`).
 *
 * Conversion factors (value in canonical unit = factor · value + offset):
 *  - glucose, mmol/L → mg/dL: × 18.016 (molar mass of glucose 180.16 g/mol).
 *  - total cholesterol, mmol/L → mg/dL: × 38.67 (molar mass of cholesterol 386.65 g/mol).
 *  - creatinine, µmol/L → mg/dL: ÷ 88.42 (molar mass 113.12 g/mol).
 *  - HbA1c, IFCC mmol/mol → NGSP %: % = 0.09148 · IFCC + 2.152 (the IFCC–NGSP master equation,
 *    Hoelzel et al., Clin Chem 2004;50:166–174).
 *  - weight, lb → kg: × 0.45359237 (exact, international avoirdupois pound).
 */
import { InputError } from '../../errors.js';

export interface UnitConversion {
  from: string;
  to: string;
  factor: number;
  offset: number;
}

interface ColumnUnits {
  canonical: string;
  /** Accepted units (including the canonical one) → value in canonical unit = factor·v + offset. */
  accepted: Record<string, { factor: number; offset: number }>;
}

const IDENTITY = { factor: 1, offset: 0 };

/** Columns whose units differ between sites, with their canonical unit and accepted units. */
export const UNIT_TABLE: Readonly<Record<string, ColumnUnits>> = Object.freeze({
  glucose: { canonical: 'mg/dL', accepted: { 'mg/dL': IDENTITY, 'mmol/L': { factor: 18.016, offset: 0 } } },
  cholesterol_total: { canonical: 'mg/dL', accepted: { 'mg/dL': IDENTITY, 'mmol/L': { factor: 38.67, offset: 0 } } },
  creatinine: {
    canonical: 'mg/dL',
    accepted: { 'mg/dL': IDENTITY, 'umol/L': { factor: 1 / 88.42, offset: 0 }, 'µmol/L': { factor: 1 / 88.42, offset: 0 } },
  },
  hba1c: { canonical: '%', accepted: { '%': IDENTITY, 'mmol/mol': { factor: 0.09148, offset: 2.152 } } },
  weight: { canonical: 'kg', accepted: { kg: IDENTITY, lb: { factor: 0.45359237, offset: 0 } } },
});

/** The canonical unit of a column with known conversions, or undefined. */
export function canonicalUnit(column: string): string | undefined {
  return UNIT_TABLE[column]?.canonical;
}

/**
 * The conversion of `column` from `unit` to its canonical unit; identity for columns without
 * alternatives. An unknown unit of a convertible column is an InputError naming site, column
 * and unit.
 */
export function conversionFor(siteId: string, column: string, unit: string | undefined): UnitConversion {
  const entry = UNIT_TABLE[column];
  if (!entry) return { from: unit ?? '', to: unit ?? '', ...IDENTITY };
  const conv = unit === undefined ? undefined : entry.accepted[unit];
  if (!conv) {
    throw new InputError([
      {
        file: `site ${siteId}`,
        path: `units.${column}`,
        expected: `a known unit for ${column} (${Object.keys(entry.accepted).join(', ')})`,
        found: unit === undefined ? 'no unit' : JSON.stringify(unit),
      },
    ]);
  }
  return { from: unit!, to: entry.canonical, factor: conv.factor, offset: conv.offset };
}

/** Converts values in place (nulls are left as they are; callers keep a validity mask). */
export function convertInPlace(values: Float64Array, conv: UnitConversion): void {
  if (conv.factor === 1 && conv.offset === 0) return;
  const { factor, offset } = conv;
  for (let i = 0; i < values.length; i++) values[i] = values[i] * factor + offset;
}

export interface UnitPlan {
  /** Site id → column → conversion actually applied (from ≠ to only). */
  conversions: Record<string, Record<string, UnitConversion>>;
  /** Column → unit of the values after this plan (undefined when sites disagree unharmonized). */
  unitOf: Record<string, string | undefined>;
}

/**
 * The per-site conversions for `columns` (numeric features). With `harmonize`, convertible
 * columns go to their canonical unit (unknown units are InputErrors) and every other column
 * must carry the same unit at every site (a disagreement is an InputError naming the site,
 * column and unit). Without it, values stay raw and a column's unit is reported only where all
 * sites agree.
 */
export function planUnits(
  sites: readonly { id: string; units: Record<string, string> }[],
  columns: readonly string[],
  harmonize: boolean,
): UnitPlan {
  const conversions: Record<string, Record<string, UnitConversion>> = {};
  const unitOf: Record<string, string | undefined> = {};
  for (const site of sites) conversions[site.id] = {};
  for (const column of columns) {
    const entry = UNIT_TABLE[column];
    if (harmonize && entry) {
      for (const site of sites) {
        const conv = conversionFor(site.id, column, site.units?.[column]);
        if (conv.from !== conv.to) conversions[site.id][column] = conv;
      }
      unitOf[column] = entry.canonical;
      continue;
    }
    const first = sites[0]?.units?.[column];
    let agree = true;
    for (const site of sites) {
      const unit = site.units?.[column];
      if (unit !== first) {
        agree = false;
        if (harmonize) {
          throw new InputError([
            {
              file: `site ${site.id}`,
              path: `units.${column}`,
              expected: `${JSON.stringify(first ?? null)} as at site ${sites[0].id} (no conversion is known for ${column})`,
              found: JSON.stringify(unit ?? null),
            },
          ]);
        }
      }
    }
    unitOf[column] = agree ? first : undefined;
  }
  return { conversions, unitOf };
}
