/**
 * Splits one population table by column and by row into the parties of a vertical scenario:
 * each party holds its feature groups for a random share (`coverage`) of the patients, in its own
 * random row order, under party-local record ids, with a join key common to every party.
 *
 * The join key stands for what real institutions link on: a salted hash of identifying data
 * (name + date of birth), the salt shared by the consortium and by nobody else. Here it is
 * HMAC-SHA-256 under a key derived from the scenario seed over the ground-truth patient id,
 * truncated to 128 bits: equal for the same person at every party, unrelated to the record ids,
 * and not invertible to the patient id without the key (which only the generator holds; the
 * mapping back is the ground-truth file that no party receives).
 *
 * Membership: party p holds exactly round(coverage_p · N) patients, drawn by a seeded
 * Fisher–Yates shuffle of the population from the stream (seed, 'vertical-coverage', p); the
 * shuffled order is the party's row order, so row k of two parties is not the same patient.
 */
import { createHmac } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { Xoshiro128, streamState } from '../random/rng.js';
import type { Scenario, ResolvedSite } from '../scenario/schema.js';
import { VERTICAL_FEATURE_GROUPS, type VerticalParty } from '../scenario/vertical-schema.js';
import { patientColumns, type ColumnSpec } from '../synth/columns.js';
import type { ColumnBatch, ColumnBuffer, NumericArray } from '../synth/columnar.js';
import { readDictionary, readNumeric, readStrings } from '../data/prepare/columns.js';

export const RECORD_ID_COLUMN = 'record_id';
export const JOIN_KEY_COLUMN = 'join_key';
export const TARGET_COLUMN = 'target';
/** Bytes of the join key (hex in the file): 128 bits make a collision among 10^9 people negligible (~10^-21). */
export const JOIN_KEY_BYTES = 16;

export const recordIdSpec: ColumnSpec = { name: RECORD_ID_COLUMN, kind: 'utf8', role: 'id', description: 'party-local record identifier (not the patient id; synthetic)' };
export const joinKeySpec: ColumnSpec = {
  name: JOIN_KEY_COLUMN,
  kind: 'utf8',
  role: 'id',
  description: 'salted identifier shared by all parties for the same person (stands for a consortium-salted hash of name + date of birth); input of the private set intersection',
};

export interface PartyTablePlan {
  party: VerticalParty;
  /** Column specs in table order: record id, join key, features (and the target at the label holder). */
  specs: ColumnSpec[];
  /** Feature columns held, in table order (all of them, including any that define the target). */
  featureColumns: string[];
  /** Population row of each party row, in party row order. */
  populationRows: Int32Array;
  recordIds: string[];
  joinKeys: string[];
}

/** The population row indices a party holds, in its own (shuffled) row order. */
export function partyMembership(n: number, coverage: number, seed: number, partyId: string): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Xoshiro128(streamState(seed, 'vertical-coverage', partyId));
  const m = Math.round(coverage * n);
  // A partial Fisher–Yates: the first m positions are a uniform random m-subset in random order.
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.slice(0, m);
}

/** The join keys of patients (hex), keyed by the seed: see the header. */
export function joinKeys(patientIds: readonly string[], seed: number): string[] {
  const key = createHmac('sha256', 'fedage/vertical-identity').update(String(seed)).digest();
  return patientIds.map((id) => createHmac('sha256', key).update(id).digest().subarray(0, JOIN_KEY_BYTES).toString('hex'));
}

/** Party-local record ids: a prefix of the party and a running number in the party's row order. */
export function recordIds(partyId: string, count: number): string[] {
  const width = Math.max(6, String(count).length);
  return Array.from({ length: count }, (_, k) => `${partyId}-${String(k + 1).padStart(width, '0')}`);
}

export function partyColumnSpecs(site: ResolvedSite, party: VerticalParty): ColumnSpec[] {
  const all = new Map(patientColumns(site).map((c) => [c.name, c]));
  const features = party.features.flatMap((g) => VERTICAL_FEATURE_GROUPS[g]).map((name) => {
    const spec = all.get(name);
    if (!spec || spec.role !== 'feature') throw new Error(`internal: vertical feature group column ${name} is not a feature column`);
    return spec;
  });
  const target = party.label ? [all.get(TARGET_COLUMN)!] : [];
  return [recordIdSpec, joinKeySpec, ...features, ...target];
}

/** Every party's plan for the scenario's population table. */
export function planPartyTables(scenario: Scenario, population: Table, seed: number): PartyTablePlan[] {
  if (!scenario.vertical) throw new Error('internal: not a vertical scenario');
  const site = scenario.sites[0];
  const n = population.numRows;
  const keys = joinKeys(readStrings(population, 'patient_id'), seed);
  return scenario.vertical.parties.map((party) => {
    const specs = partyColumnSpecs(site, party);
    const populationRows = partyMembership(n, party.coverage, seed, party.id);
    return {
      party,
      specs,
      featureColumns: specs.filter((s) => s.role === 'feature').map((s) => s.name),
      populationRows,
      recordIds: recordIds(party.id, populationRows.length),
      joinKeys: Array.from(populationRows, (r) => keys[r]),
    };
  });
}

const encoder = new TextEncoder();

export function utf8Column(values: readonly string[]): ColumnBuffer {
  const encoded = values.map((v) => encoder.encode(v));
  const offsets = new Int32Array(values.length + 1);
  for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i] + encoded[i].length;
  const bytes = new Uint8Array(offsets[values.length]);
  encoded.forEach((b, i) => bytes.set(b, offsets[i]));
  return { kind: 'utf8', offsets, bytes };
}

function typedArrayFor(spec: ColumnSpec, n: number): NumericArray {
  switch (spec.kind) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
    case 'date':
      return new Int32Array(n);
    case 'int8':
    case 'dict':
      return new Int8Array(n);
    default:
      throw new Error(`internal: column ${spec.name} of kind ${spec.kind} cannot be gathered`);
  }
}

/**
 * Population column `spec.name` at `rows`, typed as the spec says. Values are exact copies (the
 * float32 columns pass through float64 and back unchanged).
 */
export function gatherColumn(population: Table, spec: ColumnSpec, rows: Int32Array): ColumnBuffer {
  const m = rows.length;
  const out = typedArrayFor(spec, m);
  const valid = new Uint8Array(m);
  let anyNull = false;
  if (spec.kind === 'dict') {
    const { codes, levels } = readDictionary(population, spec.name);
    // Codes index the table's own dictionary; the spec's dictionary is what the writer declares.
    const remap = levels.map((l) => spec.dictionary!.indexOf(l));
    for (let r = 0; r < m; r++) {
      const c = codes[rows[r]];
      if (c < 0) anyNull = true;
      else {
        out[r] = remap[c];
        valid[r] = 1;
      }
    }
  } else {
    const { values, valid: v } = readNumeric(population, spec.name);
    for (let r = 0; r < m; r++) {
      const i = rows[r];
      out[r] = values[i];
      if (v && v[i] === 0) anyNull = true;
      else valid[r] = 1;
    }
  }
  return { kind: 'numeric', values: out, valid: anyNull ? valid : undefined };
}

/** A party's table as column batches of at most `batchRows` rows (the writer's record batches). */
export function* partyBatches(population: Table, plan: PartyTablePlan, batchRows = 65_536): Generator<ColumnBatch> {
  const m = plan.populationRows.length;
  const full = new Map<string, ColumnBuffer>();
  full.set(RECORD_ID_COLUMN, utf8Column(plan.recordIds));
  full.set(JOIN_KEY_COLUMN, utf8Column(plan.joinKeys));
  for (const spec of plan.specs.slice(2)) full.set(spec.name, gatherColumn(population, spec, plan.populationRows));
  for (let start = 0; start < m || (start === 0 && m === 0); start += batchRows) {
    const end = Math.min(m, start + batchRows);
    yield { length: end - start, columns: new Map([...full].map(([name, col]) => [name, sliceColumn(col, start, end)])) };
    if (m === 0) break;
  }
}

export function sliceColumn(col: ColumnBuffer, start: number, end: number): ColumnBuffer {
  if (col.kind === 'utf8') {
    const base = col.offsets[start];
    const offsets = col.offsets.slice(start, end + 1);
    for (let i = 0; i < offsets.length; i++) offsets[i] -= base;
    return { kind: 'utf8', offsets, bytes: col.bytes.slice(base, col.offsets[end]) };
  }
  return { kind: 'numeric', values: col.values.slice(start, end) as NumericArray, valid: col.valid?.slice(start, end) };
}
