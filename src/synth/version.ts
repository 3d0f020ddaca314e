/**
 * The generative model's version, recorded in every manifest. Same scenario, seed and
 * generator version give byte-identical files; a new version changes them on purpose.
 *  1: the first model (one coding coin flip per patient; target conversion_to_ad).
 *  2: issue 11: coding as a process over visits, targets mci_to_ad / incident_dementia_code,
 *     label_risk, latent model recalibrated to the cited effect sizes (fidelity/targets.yaml).
 */
export const GENERATOR = { name: 'fedage-synth', version: 2 } as const;
