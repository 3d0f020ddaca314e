/** The scenario layer: YAML text -> validated, fully resolved Scenario (see ARCHITECTURE.md). */
export * from './schema.js';
export { DEFAULT_CONSORTIUM, DEFAULT_SITE, mergeLayers } from './defaults.js';
export { loadScenario, parseScenario, resolveScenario, resolveSite, type SiteInput } from './parse.js';
export {
  MIX_SUM_TOLERANCE,
  checkDiagnosisMix,
  checkDistributions,
  checkEnrollment,
  checkResolvedSite,
  checkSiteIds,
  reservedSiteIdReason,
  type RuleViolation,
  type SiteIdViolation,
  type SitePath,
} from './rules.js';
export {
  SCENARIO_SCHEMA_ID,
  scenarioJsonSchema,
  scenarioJsonSchemaText,
  writeScenarioJsonSchema,
  type WriteOptions,
} from './json-schema.js';
export { closestMatch, editDistance } from './did-you-mean.js';
export { formatPath } from './yaml-source.js';
export { resolveScenarioInput, shippedScenarioNames, shippedScenarioPath, suggestScenarioName, SHIPPED_SCENARIOS_DIR } from './resolve-scenario.js';
export { listShippedScenarios, shippedScenarioText, type ShippedScenario } from './shipped-scenarios.js';
export { initScenario, type InitScenarioOptions, type InitScenarioResult } from './init-scenario.js';
export {
  DEFAULT_VERTICAL_TRAINING,
  VERTICAL_ENCRYPTIONS,
  VERTICAL_FEATURE_GROUPS,
  VERTICAL_FEATURE_GROUP_NAMES,
  resolveVertical,
  verticalSettingsSchema,
  type VerticalFeatureGroup,
  type VerticalParty,
  type VerticalSettings,
  type VerticalSettingsInput,
  type VerticalTrainingSettings,
} from './vertical-schema.js';
export { VERTICAL_GROUND_TRUTH_FILE, checkVertical, type VerticalRuleViolation } from './vertical-rules.js';
