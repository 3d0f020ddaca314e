/** Prediction targets a scenario (and bench) can choose; own module so both schemas share it. */
export const TARGETS = ['conversion_to_ad', 'current_impairment', 'frailty'] as const;
export type Target = (typeof TARGETS)[number];
