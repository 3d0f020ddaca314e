/**
 * The commented starter scenario `fedage init` writes: a two-site consortium that states the
 * settings a consortium usually changes first and leaves everything else to the built-in
 * defaults (src/scenario/defaults.ts). Each key is explained where it stands, so the file is its
 * own tutorial; `fedage schema` lists every key.
 */

/** `schemaRef` is the path of scenario.schema.json as seen from the written file (editor hints). */
export function starterScenarioText(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
#
# A starter scenario for your own consortium, written by \`fedage init\`.
# Edit the sites below to match your hospitals, then:
#   fedage validate THIS_FILE          check it (every problem with file:line:column)
#   fedage generate THIS_FILE --out data/
#   fedage bench THIS_FILE             central vs local vs federated learning
# Anything not stated here comes from the built-in defaults; \`fedage schema\` lists every key.

consortium:
  name: my-consortium
  description: Two hospitals planning a federated model of MCI to Alzheimer's dementia conversion.
  seed: 1  # same seed and scenario -> byte-identical files
  followUpYears: 3  # length of follow-up that defines the target
  visitIntervalMonths: 12
  target: mci_to_ad  # or incident_dementia_code, current_impairment, frailty (README: targets)

  # Settings shared by every site unless a site overrides them.
  defaults:
    demographics:
      age: { mean: 74, sd: 8, min: 55, max: 95 }  # years at baseline (truncated normal)
      femaleFraction: 0.55
    apoeE4CarrierRate: 0.35  # fraction carrying at least one APOE e4 allele

# One entry per hospital. The id becomes the file name (<id>.arrow): letters, digits, . _ -
sites:
  - id: hospital-a
    name: Hospital A (academic memory clinic)
    country: US  # ISO 3166-1 alpha-2
    patients: 800  # enrolled patients (fedage generate --scale multiplies this)
    diagnosisMix: { CN: 0.35, MCI: 0.45, AD: 0.20 }  # true baseline mix; must sum to 1
    cognition:
      instrument: MMSE  # MMSE, MoCA or both
      cdrSb: true  # rates CDR Sum of Boxes
    mri:
      scannedFraction: 0.9
      fieldStrength: 3T
    coding:
      icdSystem: ICD-10-CM
      switchDate: 2015-10-01  # the US move from ICD-9-CM to ICD-10-CM
      labUnits: conventional  # mg/dL; SI gives mmol/L

  - id: hospital-b
    name: Hospital B (community geriatric hospital)
    country: US
    patients: 500
    diagnosisMix: { CN: 0.30, MCI: 0.40, AD: 0.30 }
    cognition:
      instrument: MoCA
      cdrSb: false
    mri:
      scannedFraction: 0.4  # little MRI outside research clinics
      fieldStrength: 1.5T
    missingness:
      labs: 0.2  # fraction of patients without labs
    coding:
      icdSystem: ICD-10-CM
      switchDate: 2015-10-01
      dementiaSensitivity: 0.6  # probability a true dementia is ever coded

# Optional: source key -> citation for figures you take from the literature.
refs: {}
`;
}
