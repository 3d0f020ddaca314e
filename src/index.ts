export * from './errors.js';
export * from './scenario/index.js';
export { FEDAGE_VERSION } from './version.js';
export { writeSyntheticDataset, scenarioHash, type WriteDatasetOptions, type WriteDatasetResult, type GenerateProgress } from './data/write-dataset.js';
export { readManifest, type Manifest, type ManifestSite } from './data/manifest.js';
export { readArrowBatches, readArrowSchema, writeArrowFile } from './data/arrow-io.js';
export { inspectDataset } from './data/inspect.js';
export { verifyDataset } from './data/verify.js';
export { exportDataset, generateExport, type ExportFormat, type ExportOptions, type ExportResult, type ExportProgress } from './data/export/export-dataset.js';
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
export { runBench, type BenchRun, type BenchRunOptions } from './bench/runner.js';
export { runSeed, type SeedOutcome } from './bench/run-seed.js';
export { loadBenchDataset } from './bench/data/load.js';
export { prepareSeed } from './bench/data/prepare.js';
export type * from './bench/data/types.js';
export type * from './bench/results.js';
export { markdownSummary } from './bench/markdown.js';
export { writeBenchOutputs, predictionsTable, splitsTable } from './bench/outputs.js';
export * from './privacy/index.js';
export * from './report/index.js';
