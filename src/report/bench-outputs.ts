/**
 * Bench output files: results.json (the versioned BenchResult), results.md, report.html (the
 * self-contained report with plots, src/report), predictions.arrow
 * (one row per test patient per arm and seed) and splits.arrow (every patient's split per seed),
 * so users can compute their own metrics. Existing files are refused without --force; each file
 * is written atomically.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Dictionary, Int32, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { OutputError, OVERWRITE_HINT } from '../errors.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { OutputTransaction } from '../output-transaction.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import { SPLIT_EXCLUDED, SPLIT_TEST, SPLIT_TRAIN, SPLIT_VALIDATION } from '../data/prepare/types.js';
import type { BenchResult } from '../bench/results.js';
import type { SeedOutcome } from '../bench/run-seed.js';
import { markdownSummary } from './markdown.js';
import { splitTimings, TIMINGS_FILE, TIMINGS_FORMAT } from './timings-file.js';

export const BENCH_OUTPUT_FILES = ['results.json', 'results.md', 'report.html', 'predictions.arrow', 'splits.arrow', TIMINGS_FILE] as const;

/**
 * `bench --out DIR` as an output transaction (output-transaction.ts): begun before any data is
 * loaded (lock, writability probe), the six files written to a staging directory, then
 * swapped in; in a directory shared with other files they are merged with results.json last.
 */
export function beginBenchOutput(dir: string, force: boolean): OutputTransaction {
  return OutputTransaction.begin(dir, {
    force,
    ownsEntry: (name) => (BENCH_OUTPUT_FILES as readonly string[]).includes(name),
    requireEmpty: false,
    lastFile: 'results.json',
    what: 'bench output',
  });
}

/**
 * results.json and timings.json: the result without its measured times (so a rerun writes the
 * same bytes), and those times; timings.json is written even when there are none, so a stale one
 * never outlives its results.json.
 */
function resultFiles(result: BenchResult): { results: string; timings: string } {
  const split = splitTimings(result);
  return {
    results: `${JSON.stringify(split.result, null, 2)}\n`,
    timings: `${JSON.stringify(split.timings ?? { format: TIMINGS_FORMAT, formatVersion: 1, arms: [] }, null, 2)}\n`,
  };
}

/** results.json's text (`fedage bench --json` prints it). */
export function resultsJson(result: BenchResult): string {
  return resultFiles(result).results;
}

/** A dictionary-encoded string column; the dictionary lists values in first-seen order. */
function dictionaryVector(values: readonly string[]): Vector<Dictionary<Utf8, Int32>> {
  const codeOf = new Map<string, number>();
  const indices = new Int32Array(values.length);
  values.forEach((v, i) => {
    let code = codeOf.get(v);
    if (code === undefined) {
      code = codeOf.size;
      codeOf.set(v, code);
    }
    indices[i] = code;
  });
  const dictionary = vectorFromArray([...codeOf.keys()], new Utf8());
  const type = new Dictionary(new Utf8(), new Int32());
  return makeVector(makeData({ type, length: values.length, nullCount: 0, data: indices, dictionary }));
}

/**
 * How patient ids go into predictions.arrow and splits.arrow: plain (as in the data, for the
 * data holders), hashed (HMAC-SHA-256 under a random key drawn for this run and never stored:
 * rows of the two files still join on it, but nobody — the holders included — can map a hash
 * back to a patient or test a guessed id; such files are not byte-identical across runs), or
 * none (no id column).
 */
export type IdsMode = 'plain' | 'hashed' | 'none';
export const IDS_MODES: readonly IdsMode[] = ['plain', 'hashed', 'none'];

/** The id column's values under a mode (null: no column). One key per call, shared by both files. */
export function idEncoder(mode: IdsMode): ((id: string) => string) | null {
  if (mode === 'none') return null;
  if (mode === 'plain') return (id) => id;
  const key = randomBytes(32);
  return (id) => createHmac('sha256', key).update(id, 'utf8').digest('hex');
}

export function predictionsTable(prepared: readonly PreparedSeed[], outcomes: readonly SeedOutcome[], encodeId: ((id: string) => string) | null = (id) => id): Table {
  const patientIds: string[] = [];
  const sites: string[] = [];
  const arms: string[] = [];
  const seeds: number[] = [];
  const yTrue: number[] = [];
  const yScore: number[] = [];
  for (const outcome of outcomes) {
    const p = prepared.find((x) => x.seed === outcome.seed);
    if (!p) continue;
    for (const pred of outcome.predictions) {
      for (const site of p.sites) {
        const scores = pred.scores[site.id];
        for (let i = 0; i < site.test.data.n; i++) {
          if (encodeId) patientIds.push(encodeId(site.test.patientIds[i]));
          sites.push(site.id);
          arms.push(pred.arm);
          seeds.push(outcome.seed);
          yTrue.push(site.test.data.y[i]);
          yScore.push(scores[i]);
        }
      }
    }
  }
  return new Table({
    ...(encodeId ? { patient_id: vectorFromArray(patientIds, new Utf8()) } : {}),
    site: dictionaryVector(sites),
    arm: dictionaryVector(arms),
    seed: makeVector(Int32Array.from(seeds)),
    y_true: makeVector(Int8Array.from(yTrue)),
    y_score: makeVector(Float64Array.from(yScore)),
  });
}

const SPLIT_NAMES: Record<number, string> = {
  [SPLIT_TRAIN]: 'train',
  [SPLIT_VALIDATION]: 'validation',
  [SPLIT_TEST]: 'test',
  [SPLIT_EXCLUDED]: 'excluded',
};

export function splitsTable(prepared: readonly PreparedSeed[], encodeId: ((id: string) => string) | null = (id) => id): Table {
  const patientIds: string[] = [];
  const sites: string[] = [];
  const seeds: number[] = [];
  const splits: string[] = [];
  for (const p of prepared) {
    for (const site of p.sites) {
      for (let i = 0; i < site.splitOfRow.length; i++) {
        if (encodeId) patientIds.push(encodeId(site.patientIds[i]));
        sites.push(site.id);
        seeds.push(p.seed);
        splits.push(SPLIT_NAMES[site.splitOfRow[i]]);
      }
    }
  }
  return new Table({
    ...(encodeId ? { patient_id: vectorFromArray(patientIds, new Utf8()) } : {}),
    site: dictionaryVector(sites),
    seed: makeVector(Int32Array.from(seeds)),
    split: dictionaryVector(splits),
  });
}

/** Refuses to overwrite any bench output file unless force. */
export function checkBenchOutputDir(dir: string, force: boolean): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OutputError(`${dir}: expected a directory for the bench output, found a file`);
  if (force) return;
  const existing = BENCH_OUTPUT_FILES.filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0) {
    throw new OutputError(`${dir}: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; ${OVERWRITE_HINT}`);
  }
}

export async function writeBenchOutputs(
  dir: string,
  result: BenchResult,
  prepared: readonly PreparedSeed[],
  outcomes: readonly SeedOutcome[],
  force: boolean,
  ids: IdsMode = 'plain',
): Promise<string[]> {
  checkBenchOutputDir(dir, force);
  // Recorded so the report's "What ε covers" section states what the id files hold.
  result.outputIds = ids;
  const encodeId = idEncoder(ids);
  // Loaded here, not at start-up: Vega is heavy and most commands never draw a plot.
  const { renderReport } = await import('./html.js');
  const report = await renderReport(result);
  mkdirSync(dir, { recursive: true });
  const files = resultFiles(result);
  const written: [string, string | Uint8Array][] = [
    ['predictions.arrow', tableToIPC(predictionsTable(prepared, outcomes, encodeId), 'file')],
    ['splits.arrow', tableToIPC(splitsTable(prepared, encodeId), 'file')],
    ['results.md', markdownSummary(result)],
    ['report.html', report.html],
    [TIMINGS_FILE, files.timings],
    // results.json last: a directory with results.json has all the other files.
    ['results.json', files.results],
  ];
  for (const [name, data] of written) writeFileAtomic(join(dir, name), data);
  return written.map(([name]) => join(dir, name));
}
