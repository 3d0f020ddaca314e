/** Secure aggregation: the public surface (the brands' constructors stay internal). */
export type { MaskedInput, EncryptedInput } from './aggregator.js';
export { SecAggConfigError, SecureAggregationAborted, SecAggProtocolError, type AbortReason } from './errors.js';
export { FLOWER_FIXED_POINT_DEFAULTS, encodeUpdate, decodeSum, quantizationErrorBound, validateFixedPointConfig, type FixedPointConfig, type UniformSource } from './fixed-point.js';
export { buildGraph, resolveNumShares, resolveThreshold, type NeighbourGraph, type GraphKind } from './graph.js';
export { MaskingSite, type RoundParameters } from './masking-site.js';
export { MaskingServer, type UnmaskedSum } from './masking-server.js';
export { CKKS_ADDITION_DEFAULTS, CkksContext, CkksSite, CkksAggregator, ckksSumErrorBound, generateCkksKeys, loadSeal, type CkksParameters } from './ckks.js';
export { MaskingAggregator, maskingDefaults, type MaskingConfig } from './masking-aggregator.js';
export { CkksSecureAggregator, ckksDefaults, type CkksConfig } from './ckks-aggregator.js';
export { createSecureAggregator, secureSum, secureAggregationDefaults, SECURE_AGGREGATION_KINDS, type SecureAggregationConfig, type SecureAggregationKind } from './registry.js';
export type { SecureAggregator, SecureSumInput, SecureSumResult, DropoutStage } from './secure-sum.js';
