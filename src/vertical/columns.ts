/**
 * Column bookkeeping for the vertical arms: checks that the parties' matrices describe the same
 * rows, and pools chosen parties' columns into one design matrix (the central and the
 * label-holder(+party) baselines train on such pools).
 */
import type { LabeledData } from '../model/types.js';
import type { VerticalPartyMatrix, VerticalTrainingData } from './types.js';

/** Throws a RangeError naming what is inconsistent (a caller bug: the data set is built upstream). */
export function validateVerticalData(data: VerticalTrainingData): void {
  const { parties, labels, labelPartyId, trainIndices, testIndices } = data;
  if (parties.length === 0) throw new RangeError('vertical data has no parties');
  const n = labels.length;
  const seen = new Set<string>();
  for (const p of parties) {
    if (seen.has(p.partyId)) throw new RangeError(`party '${p.partyId}' appears twice`);
    seen.add(p.partyId);
    if (p.rows !== n) throw new RangeError(`party '${p.partyId}' has ${p.rows} rows, the labels have ${n}`);
    if (!Number.isInteger(p.cols) || p.cols < 0) throw new RangeError(`party '${p.partyId}' has ${p.cols} columns`);
    if (p.values.length !== p.rows * p.cols) throw new RangeError(`party '${p.partyId}': values has ${p.values.length} entries, expected rows×cols = ${p.rows * p.cols}`);
    if (p.featureNames.length !== p.cols) throw new RangeError(`party '${p.partyId}': ${p.featureNames.length} feature names for ${p.cols} columns`);
  }
  if (!seen.has(labelPartyId)) throw new RangeError(`label party '${labelPartyId}' is not one of the parties (${[...seen].join(', ')})`);
  for (let i = 0; i < n; i++) if (labels[i] > 1) throw new RangeError(`labels[${i}] is ${labels[i]}; labels must be 0 or 1`);
  for (const [name, idx] of [['trainIndices', trainIndices], ['testIndices', testIndices]] as const) {
    if (idx.length === 0) throw new RangeError(`${name} is empty`);
    for (let k = 0; k < idx.length; k++) if (idx[k] >= n) throw new RangeError(`${name}[${k}] = ${idx[k]} is out of range (${n} rows)`);
  }
}

/** The label holder first, then the other parties in the given order. */
export function labelHolderFirst(data: VerticalTrainingData): VerticalPartyMatrix[] {
  const holder = data.parties.find((p) => p.partyId === data.labelPartyId) as VerticalPartyMatrix;
  return [holder, ...data.parties.filter((p) => p.partyId !== data.labelPartyId)];
}

/**
 * The columns of `parties` side by side (in that order) for the rows `rows` (in that order), with
 * their labels: the design matrix a party-pooling baseline trains or scores on.
 */
export function pooledRows(parties: readonly VerticalPartyMatrix[], labels: Uint8Array, rows: Uint32Array): LabeledData {
  const d = parties.reduce((s, p) => s + p.cols, 0);
  const n = rows.length;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    let at = k * d;
    for (const p of parties) {
      x.set(p.values.subarray(r * p.cols, (r + 1) * p.cols), at);
      at += p.cols;
    }
    y[k] = labels[r];
  }
  return { n, d, x, y };
}

/** One party's columns for the rows `rows`, row-major. */
export function partyRows(party: VerticalPartyMatrix, rows: Uint32Array): Float64Array {
  const c = party.cols;
  const out = new Float64Array(rows.length * c);
  const v = party.values;
  // A plain copy loop: a subarray per row allocates, and this runs for every minibatch.
  for (let k = 0; k < rows.length; k++) {
    const from = rows[k] * c;
    for (let j = 0; j < c; j++) out[k * c + j] = v[from + j];
  }
  return out;
}

/** Labels of `rows` as 0/1 doubles. */
export function labelsOf(labels: Uint8Array, rows: Uint32Array): Float64Array {
  const y = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) y[k] = labels[rows[k]];
  return y;
}
