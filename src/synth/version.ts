/**
 * The generative model's version, recorded in every manifest. Same scenario, seed and
 * generator version give byte-identical files; a new version changes them on purpose.
 *  1: the first model (one coding coin flip per patient; target conversion_to_ad).
 *  2: issue 11: coding as a process over visits, targets mci_to_ad / incident_dementia_code,
 *     label_risk, latent model recalibrated to the cited effect sizes (fidelity/targets.yaml).
 *  3: issue 18: a race_ethnicity column (its own stream; no other draw moves) and recognition
 *     log-odds by race/ethnicity ([MATTKE]), which change the recorded codes and labels.
 */
export const GENERATOR = { name: 'fedage-synth', version: 3 } as const;
