/** The privacy audit's public surface. */
export { runAudit, selectPlans, GUESS_RULES, guessCounts, type AuditRunOptions } from './run-audit.js';
export { resolveAuditConfig, AUDIT_DEFAULTS, type AuditConfig, type AuditOverrides } from './config.js';
export { oneRunPValue, oneRunEpsilonLowerBound, guessTopBottom, type OneRunCounts, type GuessOutcome } from './one-run-epsilon.js';
export { multiRunEpsilonLowerBound, calibrateThreshold, type MultiRunCounts, type MultiRunBound } from './multi-run-epsilon.js';
export { clopperPearson, clopperPearsonUpper, betaQuantile, type ProportionInterval } from './clopper-pearson.js';
export { binomialPmf, binomialUpperTail, binomialLowerTail } from './binomial.js';
export { attackMetrics, rocCurve, type AttackMetrics, type RocPoint, type TprAtFpr } from './attack-metrics.js';
export { offlineLiraScores, logitConfidence } from './lira.js';
export { negativeLosses, gradientAlignmentScores, type ObservedRound } from './scores.js';
export { drawCanaries, insertCanaries, type CanarySet, type CanaryKind } from './canaries.js';
export { craftCanaries, symmetricEigen } from './crafted-canaries.js';
export { reconstructSingleExample, optimizationAttack, simulateUpdate, matchingLossAndGrad, reconstructedFraction, type LogisticTraining } from './reconstruction.js';
export { reconstructionExperiment } from './reconstruction-experiment.js';
export { parseAuditGate, evaluateAuditGates, AUDIT_GATE_QUANTITIES, type AuditGate } from './audit-gate.js';
export { auditReading } from './reading.js';
export type * from './types.js';
