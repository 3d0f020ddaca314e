/**
 * The bench's memory estimate, made before any data is generated or loaded: from the manifest
 * (a data directory) or the scenario's patient counts, the feature count and the run's shape
 * (seeds, workers, arms). A run whose estimate exceeds the limit is refused (exit 2) with the
 * estimate, its parts and the flags that override it, instead of growing until the machine
 * swaps or the process is killed.
 *
 * What the estimate counts (bytes; N rows over all sites, D design columns, S seeds):
 *  - the input tables: N × bytes per row (the Arrow files' size, at least 200 B per row as the
 *    generated patients table measures ~196 B);
 *  - the feature columns read once for every seed (prepare.ts readDataset): N × (8·F + 16) for
 *    F feature columns (float64 values, labels, flags);
 *  - the prepared seeds: N × (8·D + 48) each — float64 design matrices of train/validation/test
 *    plus labels, risks, split codes and id references — all S of them when the run keeps them
 *    (the default: the dashboard retrains on them), else the min(workers, S) live at a time
 *    (keepMatrices false: a finished seed drops its matrices; arm-pool.ts);
 *  - per seed in training (min(workers, S) at a time): the pooled copies the central arm and the
 *    pooled validation/test sets make, N × 8·D (worker threads share the prepared seed: no clone);
 *  - predictions: 0.2·N test rows × arms × S × 88 (scores, and the predictions table's columns
 *    as built before it is encoded), and splits.arrow N × S × 40;
 *  - a fixed 300 MiB for Node, the libraries and the report.
 * D is estimated as 2.5 design columns per feature column (a numeric column and its missing
 * indicator, one-hot levels): the default scenario has 36 feature columns and 81 design columns.
 * Every row is counted as eligible for the target, so the estimate is an upper bound where the
 * target keeps fewer (mci_to_ad keeps the patients with MCI at baseline): the default scenario
 * ×10 (132,000 patients, 2 seeds, 1 worker, central and fedavg) is estimated at 0.6 GiB and
 * peaked at 0.22 GiB resident (measured on a loaded machine). Actual peaks also vary with V8's
 * heap and garbage collection.
 */
import { totalmem } from 'node:os';

export interface MemoryEstimateInput {
  /** Rows of every site's patients table. */
  rows: number;
  /** Bytes the input tables take in memory (file size for an Arrow directory), or null to use 200 B per row. */
  inputBytes: number | null;
  featureColumns: number;
  seeds: number;
  workers: number;
  arms: number;
  /** Whether every seed's design matrices are kept to the end (default true). */
  keepMatrices?: boolean;
}

export interface MemoryEstimate {
  bytes: number;
  parts: { name: string; bytes: number }[];
}

export const BYTES_PER_INPUT_ROW = 200;
export const DESIGN_COLUMNS_PER_FEATURE = 2.5;
const BASELINE_BYTES = 300 * 2 ** 20;

export function estimateBenchMemory(x: MemoryEstimateInput): MemoryEstimate {
  const n = x.rows;
  const d = Math.ceil(x.featureColumns * DESIGN_COLUMNS_PER_FEATURE);
  const inFlight = Math.max(1, Math.min(x.workers, x.seeds));
  const perSeed = n * (8 * d + 48);
  const held = x.keepMatrices === false ? inFlight : x.seeds;
  const parts = [
    { name: 'input tables', bytes: Math.max(x.inputBytes ?? 0, n * BYTES_PER_INPUT_ROW) },
    { name: `prepared seeds (${held} × ${formatGiB(perSeed)})`, bytes: held * perSeed },
    { name: `seeds in training (${inFlight} at a time)`, bytes: inFlight * n * 8 * d },
    { name: `predictions and splits (${x.arms} arms)`, bytes: 0.2 * n * x.arms * x.seeds * 88 + n * x.seeds * 40 },
    { name: 'feature columns read once', bytes: n * (8 * x.featureColumns + 16) },
    { name: 'Node, libraries, report', bytes: BASELINE_BYTES },
  ];
  return { bytes: parts.reduce((a, p) => a + p.bytes, 0), parts };
}

/**
 * The default limit: 75 % of the memory this process may use — the cgroup limit where one is set
 * (process.constrainedMemory), else the machine's total memory.
 */
export function defaultMemoryLimit(): number {
  const total = totalmem();
  // 0 (or a huge number) when no cgroup limit is set.
  const constrained = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
  const available = constrained && constrained > 0 && constrained < total ? constrained : total;
  return Math.floor(0.75 * available);
}

export function formatGiB(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 10 ? `${gib.toFixed(0)} GiB` : gib >= 0.1 ? `${gib.toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** The refusal message: estimate, parts, limit and the flags that override it. */
export function memoryRefusal(estimate: MemoryEstimate, limit: number, limitRule: string): string {
  return (
    `bench: estimated peak memory ${formatGiB(estimate.bytes)} exceeds the limit ${formatGiB(limit)} (${limitRule}); ` +
    `the estimate: ${estimate.parts.map((p) => `${p.name} ${formatGiB(p.bytes)}`).join(', ')}. ` +
    'Use fewer seeds (--seeds), --workers 1 or a smaller cohort; or raise the limit with --max-memory <GiB>, or skip this check with --no-memory-check'
  );
}
