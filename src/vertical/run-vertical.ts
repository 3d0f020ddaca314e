/**
 * `fedage vertical` as a library call: a vertical scenario → the parties' tables (generated in
 * memory exactly as `fedage generate` writes them) → private set intersection (psi.ts) → aligned,
 * per-party preprocessed training data (align.ts) → every training arm and the label-leakage
 * attacks (experiment.ts) → a VerticalBenchResult, the `vertical` section of results.json.
 */
import { InputError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import type { VerticalTrainingSettings } from '../scenario/vertical-schema.js';
import { loadVerticalDirectory } from './load-vertical.js';
import type { FeatureSource } from '../data/prepare/preprocess.js';
import { FEDAGE_VERSION } from '../version.js';
import { alignForTraining, type AlignmentSummary } from './align.js';
import { runVerticalExperiment } from './experiment.js';
import { JOIN_KEY_COLUMN } from './party-tables.js';
import { runPsi, type PsiPairReport, type RandomBytes } from './psi.js';
import { runPsiParallel } from './psi-parallel.js';
import type { VerticalArmResult, VerticalExperimentConfig, VerticalLeakageResult } from './types.js';
import { verticalDatasetInMemory, type VerticalDataset, type VerticalManifestParty } from './vertical-dataset.js';
import { readStrings } from '../data/prepare/columns.js';

export const VERTICAL_RESULT_FORMAT = 'fedage-vertical-results';
export const VERTICAL_RESULT_FORMAT_VERSION = 1;

/** What each side knows after alignment; stated in results.json and the report. */
export const VERTICAL_DISCLOSURE = {
  protocol: 'ECDH private set intersection (Meadows 1986; Huberman, Franklin & Hogg 1999) with X25519 (RFC 7748) and a try-and-increment hash to Curve25519 (Boneh, Lynn & Shacham 2001), semi-honest parties',
  labelParty:
    'learns which of its records every other party holds (the intersection) and the size of each other party\'s set; nothing about records outside the intersection',
  otherParties:
    'learn from the PSI only the size of the label holder\'s set and of their intersection with it; the training that follows tells each party which of its own records are aligned (it computes on them), never a label',
} as const;

export interface VerticalBenchResult {
  format: typeof VERTICAL_RESULT_FORMAT;
  formatVersion: number;
  fedageVersion: string;
  scenario: { name: string; file: string; sha256: string };
  seed: number;
  scale: number;
  target: string;
  argv?: string[];
  vertical: {
    labelParty: string;
    parties: { id: string; name: string; label: boolean; coverage: number; records: number; features: number; designColumns: number }[];
    overlap: {
      /** Rows the PSI aligned (held by every party). */
      alignedRows: number;
      /** The same count from the generator's ground truth: equal when the PSI is right. */
      groundTruthAlignedRows: number;
      /** alignedRows / the label holder's records. */
      fractionOfLabelParty: number;
    };
    psi: { pairs: PsiPairReport[]; bytesTotal: number };
    disclosure: typeof VERTICAL_DISCLOSURE;
    alignment: AlignmentSummary;
    config: VerticalExperimentConfig & { testFraction: number };
    /** Arms without their wall-clock times (see VerticalTimings): results.json is byte-identical for a seed. */
    arms: Omit<VerticalArmResult, 'wallMs'>[];
    leakage: VerticalLeakageResult[];
  };
}

/** Wall-clock times of a run: machine dependent, so printed and never written to results.json. */
export interface VerticalTimings {
  generateMs: number;
  psiMs: number;
  armsMs: Record<string, number>;
}

export interface VerticalRunOptions {
  seed?: number;
  scale?: number;
  /** Overrides of the scenario's `vertical.training` settings. */
  epochs?: number;
  encryption?: 'paillier' | 'masked';
  keyBits?: number;
  /** The parties' random source for their PSI secret keys (tests seed it; then the parties run in this thread). Default: node:crypto's CSPRNG, each party on its own threads. */
  random?: RandomBytes;
  onProgress?: (event: { phase: 'generate' | 'psi' | 'train'; detail: string; done?: number; total?: number }) => void;
}

function featureSources(party: VerticalManifestParty): FeatureSource[] {
  const byName = new Map(party.schema.map((c) => [c.name, c]));
  return party.features.map((name) => {
    const ft = byName.get(name)?.featureType;
    if (ft !== 'numeric' && ft !== 'binary' && ft !== 'categorical') throw new Error(`internal: feature ${name} of ${party.id} has no feature type`);
    return { name, featureType: ft };
  });
}

/** Runs PSI, alignment and the experiment on a generated vertical dataset. */
export async function runVerticalOnDataset(
  dataset: VerticalDataset,
  config: VerticalExperimentConfig & { testFraction: number },
  opts: VerticalRunOptions = {},
): Promise<{ vertical: VerticalBenchResult['vertical']; timings: Omit<VerticalTimings, 'generateMs'> }> {
  const manifest = dataset.manifest;
  const keysOf = (id: string) => readStrings(dataset.parties.find((p) => p.id === id)!.table, JOIN_KEY_COLUMN);
  const label = dataset.parties.find((p) => p.label)!;
  const others = dataset.parties.filter((p) => !p.label);
  const psiStarted = performance.now();
  const labelInput = { id: label.id, keys: keysOf(label.id) };
  const otherInputs = others.map((p) => ({ id: p.id, keys: keysOf(p.id) }));
  const onPsiProgress = (party: string) => opts.onProgress?.({ phase: 'psi', detail: `psi: ${label.id} with ${party}` });
  // A seeded random source runs the parties in this thread; node:crypto's gives each party its
  // own threads (psi-parallel.ts). The intersection, and so results.json, is the same either way.
  const psi = opts.random ? runPsi(labelInput, otherInputs, opts.random, onPsiProgress) : await runPsiParallel(labelInput, otherInputs, { onProgress: onPsiProgress });
  const psiMs = performance.now() - psiStarted;
  const { data, summary } = alignForTraining(
    dataset.parties.map((p) => ({ id: p.id, label: p.label, table: p.table, features: featureSources(manifest.parties.find((m) => m.id === p.id)!) })),
    psi,
    { seed: config.seed, testFraction: config.testFraction },
  );
  if (summary.trainRows === 0 || summary.testRows === 0 || summary.positives.train === 0 || summary.positives.test === 0) {
    throw new InputError([
      {
        file: dataset.origin,
        path: 'vertical.parties',
        expected: 'aligned labelled rows of both classes in training and test (raise coverage, patients or --scale)',
        found: `${summary.labelledRows} labelled aligned rows (${summary.positives.train} positive in training, ${summary.positives.test} in test)`,
      },
    ]);
  }
  const { testFraction, ...experimentConfig } = config;
  const total = config.epochs * 3;
  let done = 0;
  const result = await runVerticalExperiment(data, experimentConfig, (e) => {
    done++;
    opts.onProgress?.({ phase: 'train', detail: `train: ${e.arm} epoch ${e.epoch}`, done, total });
  });
  const designColumns = new Map(summary.parties.map((p) => [p.id, p.columns]));
  const vertical: VerticalBenchResult['vertical'] = {
    labelParty: label.id,
    parties: manifest.parties.map((p) => ({ id: p.id, name: p.name, label: p.label, coverage: p.coverage, records: p.records, features: p.features.length, designColumns: designColumns.get(p.id) ?? 0 })),
    overlap: {
      alignedRows: psi.labelRows.length,
      groundTruthAlignedRows: manifest.overlap.allParties,
      fractionOfLabelParty: label.table.numRows > 0 ? psi.labelRows.length / label.table.numRows : 0,
    },
    psi: { pairs: psi.pairs, bytesTotal: psi.bytesTotal },
    disclosure: VERTICAL_DISCLOSURE,
    alignment: summary,
    config: { ...experimentConfig, testFraction },
    arms: result.arms.map(({ wallMs: _wallMs, ...arm }) => arm),
    leakage: result.leakage,
  };
  return { vertical, timings: { psiMs, armsMs: Object.fromEntries(result.arms.map((a) => [a.arm, a.wallMs])) } };
}

/**
 * The whole run from a vertical scenario, or from a vertical data directory (`fedage generate`
 * output) together with the scenario's training settings (`training`; the scenario's defaults
 * when the directory is given alone).
 */
export async function runVertical(
  input: Scenario | { directory: string; /** Used where the directory's manifest records none. */ training: VerticalTrainingSettings },
  opts: VerticalRunOptions = {},
): Promise<{ result: VerticalBenchResult; timings: VerticalTimings }> {
  const generateStarted = performance.now();
  let dataset: VerticalDataset;
  let t: VerticalTrainingSettings;
  let seed: number;
  let scale: number;
  if ('directory' in input) {
    dataset = await loadVerticalDirectory(input.directory);
    // The settings the generating scenario gave, else the caller's.
    t = { ...input.training, ...(dataset.manifest.training ?? {}) };
    seed = opts.seed ?? dataset.manifest.seed;
    scale = dataset.manifest.scale;
  } else {
    const scenario = input;
    if (!scenario.vertical) {
      throw new InputError([{ file: scenario.file, path: 'vertical', expected: 'a `vertical:` section (parties, their feature groups and coverage)', found: 'none: a horizontal scenario (run it with `fedage bench`)' }]);
    }
    seed = opts.seed ?? scenario.seed;
    scale = opts.scale ?? 1;
    opts.onProgress?.({ phase: 'generate', detail: `generate: ${scenario.vertical.parties.length} parties` });
    dataset = verticalDatasetInMemory(scenario, { seed, scale });
    t = scenario.vertical.training;
  }
  const generateMs = performance.now() - generateStarted;
  const config: VerticalExperimentConfig & { testFraction: number } = {
    seed,
    epochs: opts.epochs ?? t.epochs,
    batchSize: t.batchSize,
    learningRate: t.learningRate,
    bottomHiddenUnits: t.bottomHiddenUnits,
    verticalLr: { encryption: opts.encryption ?? t.encryption, keyBits: opts.keyBits ?? t.keyBits },
    leakageDefence: { noiseMultiplier: t.leakageNoiseMultiplier },
    testFraction: t.testFraction,
  };
  const { vertical, timings } = await runVerticalOnDataset(dataset, config, opts);
  const result: VerticalBenchResult = {
    format: VERTICAL_RESULT_FORMAT,
    formatVersion: VERTICAL_RESULT_FORMAT_VERSION,
    fedageVersion: FEDAGE_VERSION,
    scenario: dataset.manifest.scenario,
    seed,
    scale,
    target: dataset.manifest.target,
    vertical,
  };
  return { result, timings: { generateMs, ...timings } };
}
