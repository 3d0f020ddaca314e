/**
 * Built-in site defaults: a US memory clinic, ADNI-like. Every figure carries the source key of
 * ../shared/CLINICAL_PARAMETERS.md (copied into DEFAULT_REFS); "assumed" marks figures that the
 * parameter sheet does not give, chosen as typical values and documented as such.
 */
import { DEFAULT_RECOGNITION_LOG_ODDS_BY_RACE, US_65_PLUS_MIX } from './race-ethnicity.js';
import type { Dist, Group, ResolvedSite } from './schema.js';

const g = (cn: Dist, mci: Dist, ad: Dist): Record<Group, Dist> => ({ CN: cn, MCI: mci, AD: ad });

export const DEFAULT_SITE: Omit<ResolvedSite, 'id' | 'name'> = {
  country: 'US',
  patients: 1000,
  enrollment: { start: '2012-01-01', end: '2018-12-31' },
  demographics: {
    age: { mean: 76, sd: 7.5, min: 55, max: 95 }, // ADNIsub: 77.4 / 77.1 / 80.7
    femaleFraction: 0.45, // ADNIsub: 48 / 42 / 41 %
    educationYears: { mean: 15.8, sd: 3.0, min: 0, max: 24 }, // ADNIsub: 16.4 / 15.9 / 15.5
    raceEthnicity: US_65_PLUS_MIX, // CENSUS-US65; other countries: defaultRaceEthnicityMix (resolveSite)
  },
  apoeE4CarrierRate: 0.4, // MAYO-PET 28/31/71 %, SWE 32/38/67 % weighted by the ADNI-1 mix
  diagnosisMix: { CN: 0.28, MCI: 0.49, AD: 0.23 }, // P10: ADNI-1 enrolment 229 / 398 / 192
  riskModel: {
    // Liability-threshold model; shifts are in SD units of the latent. Calibrated so that the
    // e4 carrier rate by group lands in CLINICAL_PARAMETERS' ranges (CN 20-32, MCI 30-55, AD 55-71 %).
    ageLogOddsPer10y: 0.45, // assumed: prevalence doubles every 5 y of age (CAO)
    apoeE4Shift: 0.65, // assumed; gives e4 rates ~23 / 40 / 60 % by group at a 40 % carrier rate (MAYO-PET, SWE)
    femaleShift: 0.08, // OECD: higher in women at most ages
    educationShiftPerYear: -0.03, // ROB12: higher MCI incidence with <= 12 y education
  },
  cognition: {
    instrument: 'MMSE',
    cdrSb: true,
    mmse: g({ mean: 29.1, sd: 1.1 }, { mean: 28.2, sd: 1.7 }, { mean: 23.5, sd: 3.5 }), // ADNIsub; AD: SWE
    moca: g({ mean: 27.4, sd: 2.0 }, { mean: 22.1, sd: 3.0 }, { mean: 16.2, sd: 4.5 }), // NAS means; sd assumed
    cdrSbByGroup: g({ mean: 0.05, sd: 0.15 }, { mean: 1.48, sd: 0.96 }, { mean: 6.27, sd: 3.05 }), // ADNIsub
    educationEffectPerYear: 0.12, // CRUM: medians 29 (>= 9 y), 26 (5-8 y), 22 (0-4 y)
    ageEffectPerYear: -0.04, // CRUM: 29 at 18-24 falling to 25 at >= 80
    measurementErrorSd: { CN: 1, MCI: 1, AD: 2.8 }, // CERAD: MMSE measurement-error SD 2.8 in probable AD; 1 point assumed before dementia
  },
  mri: {
    scannedFraction: 0.8,
    fieldStrength: '3T',
    vendor: 'Siemens',
    fieldStrengthVolumeFactor: 1.08, // BUCH: volumes 6-11 % higher at 3T
    measurementCv: 0.02, // MARIZ: ~2 % test-retest; WITT: intra-scanner CV < 2 %
    scannerBias: {
      hippocampus: { multiplicative: 1, additive: 0 },
      entorhinal: { multiplicative: 1, additive: 0 },
      ventricles: { multiplicative: 1, additive: 0 },
      wmh: { multiplicative: 1, additive: 0 },
    },
    // MCIc: controls 4.35; MCI and AD placed by the HSUB effect sizes (d CN-MCI 1.56, CN-AD 2.70,
    // MCI-AD 0.93); checked by fidelity/targets.yaml
    hippocampusCm3: g({ mean: 4.35, sd: 0.5 }, { mean: 3.6, sd: 0.55 }, { mean: 2.95, sd: 0.6 }),
    // MILLER: up to 0.6 mm thinner at MCI; absolute thickness assumed (FreeSurfer-typical)
    entorhinalThicknessMm: g({ mean: 3.4, sd: 0.3 }, { mean: 3.0, sd: 0.35 }, { mean: 2.7, sd: 0.4 }),
    ventriclesCm3: g({ mean: 35, sd: 15 }, { mean: 42, sd: 18 }, { mean: 50, sd: 20 }), // assumed (ADNI-typical)
    wmhCm3: g({ mean: 4.1, sd: 6.1 }, { mean: 5.4, sd: 6.6 }, { mean: 4.3, sd: 2.9 }), // SWE
  },
  frailty: {
    availableFraction: 0.7,
    gaitSpeedMps: { mean: 1.0, sd: 0.2 }, // assumed; FRIED slow gait = 15 ft in >= 6-7 s
    gripStrengthKg: { female: { mean: 21, sd: 5 }, male: { mean: 33, sd: 7 } }, // assumed; FRIED cut-offs
    latentSd: 1,
    prevalenceTarget: 0.12, // COLLARD 10.7 %, NHATS 15 %, memory-clinic sample slightly higher
  },
  wearables: {
    availableFraction: 0.3,
    stepsPerDay: { mean: 5500, sd: 2500 }, // TL09/TL11: 2,000-9,000 in healthy older adults
    sleepHours: { mean: 7.2, sd: 1.1 }, // NSHAP: 7.2 h, 80 % within 5.8-8.6 h
  },
  comorbidities: { hypertension: 0.6, diabetes: 0.22, hyperlipidemia: 0.5 }, // assumed, US >= 65
  progression: {
    cnToMciAnnual: 0.062, // ROB12: 63.6 / 1,000 person-years
    mciToAdAnnual: 0.096, // MSF09: 9.6 %/yr in specialist clinics
    dropoutAnnual: 0.05, // assumed
    mmseDeclineAdPerYear: 3.4, // CERAD
    mmseDeclineMciPerYear: 0.6, // NACC: 0.22 SD/yr in amnestic MCI (SD ~ 2.7)
    cdrSbIncreaseAdPerYear: 1.6, // assumed; NACC: CDR-SB 0.49 SD/yr in aMCI
    hippocampusAtrophyPctPerYear: { CN: 1.41, MCI: 2.55, AD: 4.66 }, // BARNES, JACK00
    hazardRatioE4: 3.0, // calibrated: SWE e4 38 % stable MCI vs 72 % converters (fidelity/targets.yaml)
    hazardRatioPerLatentSd: 3.5, // calibrated: MCIc d ~ 1.0 stable vs converting MCI; conversion AUCs of TANP17, KOR16
    declineRateSd: 0.8, // CERAD: 15.8 % of probable AD without meaningful decline over 4 y
  },
  coding: {
    icdSystem: 'ICD-10-CM',
    switchDate: '2015-10-01', // NORID: US switch by date of service
    dementiaSensitivity: 0.85, // USC19: claims vs ADRC diagnosis 85 %
    mciSensitivity: 0.5, // assumed for a memory clinic (MATTKE: ~8 % in Medicare claims)
    mciCodedAsDementia: 0.5, // USC19: about half of clinic-MCI patients carried a dementia code in claims
    recognitionLogOddsPerCdrSb: 0.24, // ADAMS-U: prior diagnosis 26 % at CDR 1 -> 83 % at the most severe stage (log-odds 2.64 over ~11 CDR-SB points)
    recognitionLogOddsPerEducationYear: 0.05, // AMJAD: diagnosis more likely with more education (direction cited; magnitude assumed)
    recognitionLogOddsAge90: -0.5, // AMJAD: less likely at >= 90 (direction cited; magnitude assumed)
    recognitionLogOddsByRaceEthnicity: DEFAULT_RECOGNITION_LOG_ODDS_BY_RACE, // MATTKE: Black -0.92, Hispanic -0.71 vs White (AMJAD, ADAMS-U: same direction)
    labUnits: 'conventional', // UNITS1: US reports mg/dL
    weightUnit: 'kg',
    labelNoise: 0,
  },
  missingness: { apoe: 0.15, cognition: 0.03, mri: 0.05, frailty: 0.1, wearables: 0.05, labs: 0.1, education: 0.02 },
};

export const DEFAULT_CONSORTIUM = {
  seed: 1,
  followUpYears: 3,
  visitIntervalMonths: 12,
  target: 'mci_to_ad' as const,
};

/** Deep merge of plain objects: later layers win; arrays and scalars replace. */
export function mergeLayers<T>(base: T, ...layers: unknown[]): T {
  let out: unknown = structuredClone(base);
  for (const layer of layers) out = mergeTwo(out, layer);
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeTwo(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (!isPlainObject(a) || !isPlainObject(b)) return structuredClone(b);
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = mergeTwo(a[k], v);
  return out;
}
