/**
 * Race/ethnicity of a site's patients: the categories, the default distribution by country,
 * and the recognition (coding) log-odds by group.
 *
 * Categories follow the US OMB minimum reporting set collapsed to five groups that the coding
 * literature reports on: White (non-Hispanic), Black (non-Hispanic), Hispanic (any race), Asian
 * (non-Hispanic), Other (everyone else, multiracial included).
 *
 * Defaults (CLINICAL_PARAMETERS.md gives no population distribution; the figures below are
 * rounded public census figures for the population aged 65+, recorded here as [CENSUS-US65] and
 * [ONS21-65]; the rest is marked assumed):
 *  - US: 2020 Census / ACS, age 65+: White non-Hispanic ~76 %, Black ~9 %, Hispanic ~9 %,
 *    Asian ~5 %, other ~1 % [CENSUS-US65];
 *  - GB: Census 2021 England and Wales, age 65+: White ~94 %, Asian ~3.5 %, Black ~1.5 %,
 *    other ~1 % [ONS21-65];
 *  - JP: assumed 99 % Asian;
 *  - every other country (the EU, CA, AU): assumed 92 / 2 / 1 / 3 / 2 %. Most EU states do not
 *    record ethnicity in health data at all; a site that knows its mix sets it.
 *
 * Coding: [MATTKE] measured MCI detection in Medicare (observed / expected) of 0.098 in White,
 * 0.039 in Black and 0.048 in Hispanic beneficiaries; at such low rates a ratio of detection
 * probabilities is a ratio of odds, so the recognition log-odds are ln(0.039 / 0.098) = -0.92 and
 * ln(0.048 / 0.098) = -0.71 against White. [AMJAD] and [ADAMS-U] report the same direction for
 * dementia (less often diagnosed in Black and Hispanic patients); the same shifts apply to every
 * recognition of the coding process (recognition.ts). Asian and Other: no cited figure, 0.
 */
export const RACE_ETHNICITY = ['White', 'Black', 'Hispanic', 'Asian', 'Other'] as const;
export type RaceEthnicity = (typeof RACE_ETHNICITY)[number];
export type RaceEthnicityMix = Record<RaceEthnicity, number>;

const mix = (White: number, Black: number, Hispanic: number, Asian: number, Other: number): RaceEthnicityMix => ({ White, Black, Hispanic, Asian, Other });

/** [CENSUS-US65]: rounded, sums to 1. */
export const US_65_PLUS_MIX = mix(0.76, 0.09, 0.09, 0.05, 0.01);
/** [ONS21-65]: rounded, sums to 1. */
export const GB_65_PLUS_MIX = mix(0.94, 0.015, 0, 0.035, 0.01);
/** Assumed. */
export const JP_MIX = mix(0, 0, 0, 0.99, 0.01);
/** Assumed for sites outside the US, GB and JP. */
export const OTHER_COUNTRY_MIX = mix(0.92, 0.02, 0.01, 0.03, 0.02);

/** The default mix of a site in `country` (ISO 3166-1 alpha-2). */
export function defaultRaceEthnicityMix(country: string): RaceEthnicityMix {
  if (country === 'US') return { ...US_65_PLUS_MIX };
  if (country === 'GB') return { ...GB_65_PLUS_MIX };
  if (country === 'JP') return { ...JP_MIX };
  return { ...OTHER_COUNTRY_MIX };
}

/** [MATTKE]: ln(detection ratio vs White); 0 where no figure is cited. */
export const DEFAULT_RECOGNITION_LOG_ODDS_BY_RACE: RaceEthnicityMix = mix(0, Math.log(0.039 / 0.098), Math.log(0.048 / 0.098), 0, 0);

/** Sources of the defaults above, merged into a scenario's refs. */
export const RACE_ETHNICITY_REFS: Record<string, string> = {
  'CENSUS-US65': 'US Census Bureau, 2020 Census and ACS: race and Hispanic origin of the population aged 65 and over (rounded)',
  'ONS21-65': 'ONS Census 2021, England and Wales: ethnic group by age, 65 and over (rounded)',
};
