/**
 * PSI result → VerticalTrainingData: the rows every party holds, in the label holder's row order,
 * restricted to rows with a label; a train/test split the label holder draws (stratified by label,
 * from the seed) and sends to the parties as row lists; then each party preprocesses its own
 * columns with statistics of its own training rows only (data/prepare/preprocess.ts: mean
 * imputation, standardization, one-hot levels and missing indicators), so no party's values or
 * statistics leave it.
 *
 * Disclosure of this step (on top of the PSI's, see psi.ts): each party learns which of its
 * records are in the aligned training and test sets (it must compute on them), and so the
 * number of aligned rows. Nobody but the label holder learns a label.
 */
import type { Table } from 'apache-arrow';
import { readDictionary, readNumeric } from '../data/prepare/columns.js';
import { designMatrix, fitPreprocessing, siteStats, type FeatureSource, type SiteColumn, type SiteFeatures } from '../data/prepare/preprocess.js';
import { stratifiedSplit } from '../data/prepare/split.js';
import { SPLIT_TEST, SPLIT_TRAIN } from '../data/prepare/types.js';
import type { VerticalPartyMatrix, VerticalTrainingData } from './types.js';
import type { PsiResult } from './psi.js';
import { TARGET_COLUMN } from './party-tables.js';

export interface AlignParty {
  id: string;
  label: boolean;
  table: Table;
  /** Feature columns to use, with their types (from the party's schema). */
  features: readonly FeatureSource[];
}

export interface AlignmentSummary {
  /** Rows every party holds (the PSI's multi-party intersection). */
  alignedRows: number;
  /** Of those, rows with a label: the training and test rows. */
  labelledRows: number;
  trainRows: number;
  testRows: number;
  positives: { train: number; test: number };
  /** Per party: design columns and the feature columns dropped for having no observed training value. */
  parties: { id: string; columns: number; droppedFeatures: string[] }[];
}

/** Party table columns gathered at `rows`, in the pipeline's column form. */
function gatherFeatures(table: Table, sources: readonly FeatureSource[], rows: Int32Array): SiteColumn[] {
  return sources.map((src): SiteColumn => {
    if (src.featureType === 'categorical') {
      const { codes, levels } = readDictionary(table, src.name);
      return { name: src.name, featureType: 'categorical', codes: Int32Array.from(rows, (r) => codes[r]), levels };
    }
    const { values, valid } = readNumeric(table, src.name);
    const out = new Float64Array(rows.length);
    let outValid: Uint8Array | null = null;
    rows.forEach((r, k) => {
      const v = values[r];
      out[k] = v;
      // NaN counts as missing, as in data/prepare.
      if ((valid && valid[r] === 0) || v !== v) {
        outValid ??= new Uint8Array(rows.length).fill(1);
        outValid[k] = 0;
      }
    });
    return { name: src.name, featureType: src.featureType, values: out, valid: outValid };
  });
}

export interface AlignOptions {
  seed: number;
  testFraction: number;
  /** Missing-value indicator columns for numeric and binary features (default true). */
  missingIndicators?: boolean;
}

export function alignForTraining(parties: readonly AlignParty[], psi: PsiResult, opts: AlignOptions): { data: VerticalTrainingData; summary: AlignmentSummary } {
  const label = parties.find((p) => p.label);
  if (!label || label.id !== psi.labelParty) throw new Error(`internal: the PSI's label party ${psi.labelParty} is not the label holder`);
  const target = readNumeric(label.table, TARGET_COLUMN);
  // The label holder keeps the aligned rows it has a label for.
  const keep: number[] = [];
  psi.labelRows.forEach((row, k) => {
    if (!target.valid || target.valid[row] === 1) keep.push(k);
  });
  const m = keep.length;
  const labels = new Uint8Array(m);
  keep.forEach((k, i) => (labels[i] = target.values[psi.labelRows[k]]));
  const split = stratifiedSplit(labels, new Uint8Array(m).fill(1), { train: 1 - opts.testFraction, validation: 0, test: opts.testFraction }, opts.seed, 'vertical-alignment');
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  for (let i = 0; i < m; i++) {
    if (split[i] === SPLIT_TRAIN) trainIndices.push(i);
    else if (split[i] === SPLIT_TEST) testIndices.push(i);
  }
  const all = Int32Array.from({ length: m }, (_, i) => i);
  const summaryParties: AlignmentSummary['parties'] = [];
  const matrices: VerticalPartyMatrix[] = parties.map((party) => {
    const aligned = party.label ? psi.labelRows : psi.partyRows[party.id];
    if (!aligned) throw new Error(`internal: no PSI rows for party ${party.id}`);
    const rows = Int32Array.from(keep, (k) => aligned[k]);
    const site: SiteFeatures = {
      id: party.id,
      n: m,
      columns: gatherFeatures(party.table, party.features, rows),
      splitOfRow: split,
      y: new Float64Array(m),
      trueRisk: null,
      patientIds: [],
    };
    // Fitted on this party's own training rows only: the statistics never leave it.
    const fitted = fitPreprocessing([siteStats(site)], party.features, { normalization: 'federated', missingIndicators: opts.missingIndicators ?? true });
    summaryParties.push({ id: party.id, columns: fitted.features.length, droppedFeatures: [...(fitted.droppedFeatures ?? [])] });
    return { partyId: party.id, featureNames: fitted.features.map((f) => f.name), rows: m, cols: fitted.features.length, values: designMatrix(site, all, fitted) };
  });
  const positives = (idx: number[]) => idx.reduce((s, i) => s + labels[i], 0);
  return {
    data: { parties: matrices, labelPartyId: label.id, labels, trainIndices: Uint32Array.from(trainIndices), testIndices: Uint32Array.from(testIndices) },
    summary: {
      alignedRows: psi.labelRows.length,
      labelledRows: m,
      trainRows: trainIndices.length,
      testRows: testIndices.length,
      positives: { train: positives(trainIndices), test: positives(testIndices) },
      parties: summaryParties,
    },
  };
}
