export * from './errors.js';
export { writeFileAtomic, writeAllSync, fsyncDirSync, type WriteOptions } from './write-file-atomic.js';
export { OutputTransaction, withOutputTransaction, lockPathFor, processAlive, type OutputTransactionOptions } from './output-transaction.js';
export { onInterrupt, runInterruptCleanups } from './cleanup.js';
export * from './scenario/index.js';
export { FEDAGE_VERSION } from './version.js';
export { packagePath, packageRoot } from './package-root.js';
export { writeSyntheticDataset, scenarioHash, type WriteDatasetOptions, type WriteDatasetResult, type GenerateProgress } from './data/write-dataset.js';
export { readManifest, type Manifest, type ManifestSite } from './data/manifest.js';
export { readArrowBatches, readArrowSchema, writeArrowFile } from './data/arrow-io.js';
export { inspectDataset } from './data/inspect.js';
export { verifyDataset } from './data/verify.js';
export { exportDataset, generateExport, parseExportFormat, type ExportFormat, type ExportOptions, type ExportResult, type ExportProgress } from './data/export/export-dataset.js';
export { writeParquetFile, parquetKeyValueMetadata, PARQUET_METADATA_KEY, type ParquetFedageMetadata } from './data/export/parquet-file.js';
export { readParquetTable } from './data/export/read-parquet.js';
export { writeCsvFile } from './data/export/csv-file.js';
export { siteModelFor, generateSiteBatches, type GenerateOptions } from './synth/generate-site.js';
export { patientColumns, visitColumns, featureColumns, type ColumnSpec } from './synth/columns.js';
export * from './metrics/index.js';
export * from './model/index.js';
export * from './federated/index.js';
export { trainDpSgd, dpSgdSteps, type DpSgdOptions, type DpSgdResult, type BatchSizeSummary } from './privacy/dp-sgd.js';
export { poissonSample, poissonStepsPerEpoch, sampleRateForBatchSize } from './privacy/poisson-sampling.js';
export { clipInPlace, clipFactor, l2Norm, type ClipResult } from './privacy/clip.js';
export {
  ClientLevelDp,
  clientLevelDp,
  clipModelUpdate,
  CLIP_NORM_STATE_KEY,
  type ClientLevelDpOptions,
  type ClientWeighting,
  type ClientDpAccounting,
  type ClientDpRoundRecord,
} from './privacy/client-dp.js';
export {
  adaptiveUpdateNoiseMultiplier,
  nextClipNorm,
  noisedFractionUnder,
  type AdaptiveClippingOptions,
} from './privacy/adaptive-clipping.js';
export type { GaussianNoise } from './privacy/noise-types.js';
export { parseGate, evaluateGates, maxGapGates, type Gate, type GateOutcome } from './bench/gate.js';
export { resolveBenchConfig, armBudget, BENCH_DEFAULTS, type BenchConfig, type BenchOverrides } from './bench/config.js';
export { resolvePrivacyConfig, type PrivacyConfig, type PrivacyOverrides } from './bench/config.js';
export { resolveSecureAggregation, SECURE_AGGREGATION_DEFAULTS, type SecureAggregationSettings, type SecureAggregationOverrides } from './bench/config.js';
export { createWrapperRun, secureAggregationConfig, type WrapperRun } from './bench/wrapped-aggregation.js';
export { runBench, planBench, type BenchRun, type BenchRunOptions, type BenchPlan } from './bench/runner.js';
export { planArms, wrapperSuffix } from './bench/plan.js';
export type * from './bench/arm-plan.js';
export { planPrivacyArms, resolveDelta, defaultDelta, dpArmName, stepsWithinBudget, BENCH_ORDERS } from './bench/privacy-arms.js';
export { privacyArmNotes } from './bench/privacy-arm-notes.js';
export { BudgetGuard, type HolderStep, type BudgetExceeded } from './bench/budget-guard.js';
export { runArm, type ArmRun, type SeedContext, type Progress, type ArmPredictions } from './bench/run-arm.js';
export { runSeed, seedContext, type SeedOutcome } from './bench/run-seed.js';
export { loadBenchDataset, datasetFromScenario } from './data/load.js';
export { prepareSeed } from './data/prepare/prepare.js';
export type * from './data/prepare/types.js';
export type * from './bench/results.js';
export { markdownSummary } from './report/markdown.js';
export { planText } from './report/plan-text.js';
export { writeBenchOutputs, beginBenchOutput, checkBenchOutputDir, resultsJson, predictionsTable, splitsTable, idEncoder, IDS_MODES, type IdsMode } from './report/bench-outputs.js';
export { privacyLedger, epsilonCommand, type LedgerRow } from './report/privacy-ledger.js';
export { privacyScope, type PrivacyScope } from './report/privacy-scope.js';
export { releaseSiteStatistics, statisticsSensitivity, gaussianRdp, dworkRothNoiseMultiplier, DEFAULT_STATISTIC_BOUNDS, MissingBoundsError } from './privacy/dp-statistics.js';
export { estimateBenchMemory, defaultMemoryLimit, memoryRefusal, type MemoryEstimate } from './bench/memory-estimate.js';
export { importDataset, type ImportResult } from './data/import/import-dataset.js';
export type { FeatureShift, InspectReport, SiteInspection } from './data/inspect.js';
export type { VerifyResult } from './data/verify.js';
export { loadBenchConfig } from './scenario/parse.js';
export { TARGETS, targetErrorMessage } from './scenario/targets.js';
export { fidelityReport, readFidelityTargets, type FidelityReport, type FidelityRow, type FidelityTargets } from './data/fidelity/report.js';
export { BENCH_ARM_KINDS } from './scenario/arms.js';
export { DpSgdLocalTrainer, clientSampleRate, type LocalDpSgdConfig } from './privacy/dp-local-trainer.js';
export { generateSyntheticDataset, type SyntheticSinks, type SyntheticDataset } from './data/write-dataset.js';
export * from './privacy/index.js';
export * from './report/index.js';
export * from './audit/index.js';
export { auditMarkdown } from './report/audit-markdown.js';
export { auditJson, beginAuditOutput, writeAuditOutputs, AUDIT_OUTPUT_FILES } from './report/audit-outputs.js';
export { renderAuditReport, auditSection } from './report/audit-html.js';
export { analyzeRun, enrollmentDriftOf, type Dashboard, type FairnessSection, type ContributionSection, type DriftSection } from './analysis/dashboard.js';
export { reconstructedValues, retrainedValues, validationUtility, type RecordedRound, type SiteValues, type Utility } from './analysis/contribution.js';
export { shapleyFromValues, leaveOneOutFromValues, coalitionValues, MAX_SHAPLEY_SITES } from './analysis/shapley.js';
export { groupMetrics, disparityOf, seedFairness, compareGaps, type GroupMetrics, type Disparity } from './analysis/fairness.js';
export { psi, psiOfCounts, ksTest, categoricalChangePoint, updateDrift } from './analysis/drift-stats.js';
export { siteEnrollmentDrift, type SiteEnrollmentDrift } from './analysis/enrollment-drift.js';
export { RoundRecorder } from './bench/round-recorder.js';
export { RACE_ETHNICITY, defaultRaceEthnicityMix, type RaceEthnicity } from './scenario/race-ethnicity.js';
export { enrollmentDriftText } from './report/drift-text.js';
export { dashboardSections, subgroupHeatmap, shapleyChart, driftTimeline, clientDriftChart } from './report/dashboard.js';
export { federate, serveFederation, planSiteIds, spawnSite } from './distributed/federation.js';
export { runSite, loadOwnTable } from './distributed/site-process.js';
export { initCertificates, revokeSite, issueCertificate, createCa, readCrl } from './distributed/certs.js';
export { writeDeployment, composeFile, k8sObjects, secretCommands } from './distributed/deploy.js';
export { Aggregator } from './distributed/aggregator.js';
export { encodeMessage, decodeMessage, MessageAssembler, ProtocolError } from './distributed/codec.js';
// Vertical FL: entity alignment, the run and its outputs (issue 20).
export { runPsi, PsiLabelHolder, PsiParty, hashToGroup, randomSecretKey, PSI_DST, type PsiResult, type PsiPairReport, type PsiPartyView } from './vertical/psi.js';
export { runPsiParallel, type PsiParallelOptions } from './vertical/psi-parallel.js';
export { alignForTraining, type AlignParty, type AlignmentSummary } from './vertical/align.js';
export { planPartyTables, partyMembership, joinKeys, type PartyTablePlan } from './vertical/party-tables.js';
export { generateVerticalDataset, writeVerticalDataset, verticalDatasetInMemory, VERTICAL_MANIFEST_FORMAT, type VerticalManifest, type VerticalDataset } from './vertical/vertical-dataset.js';
export { runVertical, runVerticalOnDataset, VERTICAL_DISCLOSURE, type VerticalBenchResult, type VerticalTimings } from './vertical/run-vertical.js';
export { verticalMarkdown } from './report/vertical-text.js';
export { verticalReportHtml } from './report/vertical-html.js';
export { beginVerticalOutput, writeVerticalOutputs, VERTICAL_OUTPUT_FILES } from './report/vertical-outputs.js';
