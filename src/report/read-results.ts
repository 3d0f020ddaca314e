/**
 * Reading a saved results.json for `fedage report`: the file must exist, be JSON, say it is a
 * fedage bench result of a format version this fedage reads, and carry the fields the report
 * draws (checked with a loose schema: unknown and optional fields pass, so newer optional data
 * such as privacy records and older files without `dataSummary` both read). Every problem is an
 * InputError naming the file and the JSON path.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError, type InputProblem } from '../errors.js';
import { RESULTS_FORMAT, RESULTS_FORMAT_VERSION } from '../bench/results.js';
import type { ReportResult } from './extensions.js';
import { mergeTimings, readTimingsBeside } from './timings-file.js';

const summaryStat = z.looseObject({ n: z.number(), mean: z.number(), ci95: z.tuple([z.number(), z.number()]).nullable().optional() }).nullable();

const shape = z.looseObject({
  fedageVersion: z.string(),
  backend: z.looseObject({ name: z.string() }),
  data: z.looseObject({
    scenarioName: z.string(),
    origin: z.string(),
    kind: z.string(),
    manifestSha256: z.string(),
    target: z.string(),
    sites: z.array(z.string()).min(1),
    synthetic: z.boolean(),
  }),
  config: z.looseObject({
    seeds: z.array(z.number()),
    arms: z.array(z.string()),
    model: z.looseObject({ kind: z.string() }),
    federated: z.looseObject({ rounds: z.number() }),
  }),
  splits: z.record(z.string(), z.array(z.looseObject({ site: z.string(), train: z.number(), test: z.number(), trainPositives: z.number(), testPositives: z.number() }))),
  perSeed: z.array(
    z.looseObject({
      arm: z.string(),
      family: z.string(),
      seed: z.number(),
      convergence: z.array(z.looseObject({ round: z.number(), pooledAuc: z.number().nullable(), bytesUp: z.number(), bytesDown: z.number() })).optional(),
    }),
  ),
  summary: z.array(
    z.looseObject({
      arm: z.string(),
      family: z.string(),
      metrics: z.looseObject({ auc: summaryStat, f1: summaryStat }),
      siteAuc: z.record(z.string(), summaryStat),
    }),
  ),
  oracle: z.looseObject({ pooledAuc: summaryStat, labelPooledAuc: summaryStat.nullable().optional() }).nullable(),
  gates: z.array(z.looseObject({ expression: z.string(), passed: z.boolean(), message: z.string() })),
  warnings: z.array(z.string()),
  argv: z.array(z.string()).optional(),
});

function dotPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Parses and checks results.json text; `file` names it in errors. */
export function parseResults(text: string, file: string): ReportResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? lineColumn(text, Number(at[1])) : {};
    throw new InputError([{ file, ...where, path: '', expected: 'a results.json written by `fedage bench` (JSON)', found: `invalid JSON (${message})` }]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError([{ file, path: '', expected: 'a results.json object written by `fedage bench`', found: describe(value) }]);
  }
  const record = value as Record<string, unknown>;
  if (record.format !== RESULTS_FORMAT) {
    throw new InputError([{ file, path: 'format', expected: `"${RESULTS_FORMAT}" (a results.json written by \`fedage bench\`)`, found: describe(record.format) }]);
  }
  const version = record.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > RESULTS_FORMAT_VERSION) {
    throw new InputError([
      { file, path: 'formatVersion', expected: `a format version from 1 to ${RESULTS_FORMAT_VERSION} (this fedage reads up to ${RESULTS_FORMAT_VERSION})`, found: describe(version) },
    ]);
  }
  const checked = shape.safeParse(value);
  if (!checked.success) {
    const problems: InputProblem[] = checked.error.issues.slice(0, 20).map((issue) => {
      let found: unknown = value;
      for (const key of issue.path) found = found === null || found === undefined ? undefined : (found as Record<PropertyKey, unknown>)[key as PropertyKey];
      return { file, path: dotPath(issue.path), expected: issue.message.replace(/^Invalid input: expected /, '').replace(/, received \w+$/, ''), found: describe(found) };
    });
    throw new InputError(problems, `${file}: not a complete fedage bench result (${checked.error.issues.length} problem${checked.error.issues.length === 1 ? '' : 's'})`);
  }
  return value as ReportResult;
}

/** Reads results.json from disk (InputError when missing, unreadable or not a bench result), with the measured times of timings.json beside it when there is one. */
export function readResultsFile(path: string): ReportResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : `an unreadable file (${code ?? (err as Error).message})`;
    throw new InputError([{ file: path, path: '', expected: 'a results.json written by `fedage bench`', found }]);
  }
  const result = parseResults(text, path);
  const timings = readTimingsBeside(path);
  return timings ? mergeTimings(result, timings) : result;
}
