export {
  DEFAULT_ORDERS,
  computeRdp,
  rdpAtOrder,
  logAIntegerOrder,
  logAFractionalOrder,
  MIN_NOISE_MULTIPLIER,
  MAX_NOISE_MULTIPLIER_ACCOUNTED,
  type RdpParameters,
} from './rdp.js';
export { epsilonFromRdp, epsilonFromRdpClassic, convertRdp, type RdpConversion, type RdpConversionResult } from './conversion.js';
export {
  RdpAccountant,
  PrvAccountant,
  prvEpsilonSpent,
  ACCOUNTANT_NAMES,
  createAccountant,
  rdpOfHistory,
  epsilonOfHistory,
  type Accountant,
  type AccountantName,
  type MechanismStep,
  type HistoryEntry,
  type PrivacySpent,
  type RdpAccountantOptions,
  type PrvAccountantOptions,
  type PrvDetails,
} from './accountant.js';
export { prvEpsilonOfHistory, poissonSubsampledGaussianPrv, type PrvErrorBudget, type PrvResult } from './prv.js';
export { fft, ifft } from './fft.js';
export { noiseMultiplierFor, UnreachableEpsilonError, MAX_NOISE_MULTIPLIER, type CalibrationOptions, type CalibrationResult } from './calibrate.js';
