/**
 * Prediction targets a scenario (and bench) can choose; own module so both schemas share it.
 * Eligibility and label per target (README "Targets"):
 *  - mci_to_ad: an MCI code recorded at baseline, no dementia code, at least one follow-up
 *    visit; positive when a dementia code appears at an observed visit by the horizon (the
 *    published MCI -> AD sense, on what a hospital records).
 *  - incident_dementia_code: no dementia code at baseline (CN, uncoded or MCI-coded patients),
 *    at least one follow-up visit; positive when a dementia code appears by the horizon.
 *  - current_impairment: everyone; positive when any cognitive code is recorded at baseline.
 *  - frailty: patients with a frailty assessment; positive when >= 3 Fried criteria are met.
 */
export const TARGETS = ['mci_to_ad', 'incident_dementia_code', 'current_impairment', 'frailty'] as const;
export type Target = (typeof TARGETS)[number];

/** Targets that were renamed: a clear error naming the replacements, not a silent alias. */
export const RETIRED_TARGETS: Readonly<Record<string, string>> = {
  conversion_to_ad:
    '"conversion_to_ad" was retired in generator 2 (its eligible patients included CN and uncoded dementia): use "mci_to_ad" ' +
    '(MCI recorded at baseline -> dementia code by the horizon) or "incident_dementia_code" (no dementia code at baseline -> a dementia code by the horizon, the old definition)',
};

/** The error message for a target name that is not (or no longer) valid. */
export function targetErrorMessage(input: unknown): string {
  if (typeof input === 'string' && RETIRED_TARGETS[input]) return RETIRED_TARGETS[input];
  return `expected one of ${TARGETS.map((t) => `"${t}"`).join(', ')}`;
}

/** Targets whose label is a dementia code appearing during follow-up. */
export function isConversionTarget(target: Target): boolean {
  return target === 'mci_to_ad' || target === 'incident_dementia_code';
}
