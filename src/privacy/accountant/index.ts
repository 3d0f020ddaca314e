export {
  DEFAULT_ORDERS,
  computeRdp,
  rdpAtOrder,
  logAIntegerOrder,
  logAFractionalOrder,
  type RdpParameters,
} from './rdp.js';
export { epsilonFromRdp, epsilonFromRdpClassic, convertRdp, type RdpConversion, type RdpConversionResult } from './conversion.js';
export {
  RdpAccountant,
  createAccountant,
  rdpOfHistory,
  epsilonOfHistory,
  type Accountant,
  type AccountantName,
  type MechanismStep,
  type HistoryEntry,
  type PrivacySpent,
  type RdpAccountantOptions,
} from './accountant.js';
export { noiseMultiplierFor, UnreachableEpsilonError, MAX_NOISE_MULTIPLIER, type CalibrationOptions, type CalibrationResult } from './calibrate.js';
