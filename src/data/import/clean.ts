/**
 * Cleaning: a site's source cells → typed, labeled rows under the mapping. In order:
 *  1. every mapped column (features, label, id, drop) must exist in the file, and every file
 *     column must be mapped or dropped (an unmapped column is a leak or a forgotten feature);
 *  2. per row, missing markers → missing; the label is binarized (a row without a label is
 *     dropped); values are typed (a non-numeric value in a numeric column is an error naming
 *     the file, row, line and column — never silently missing);
 *  3. missing values follow their column's policy: drop-row, keep (null: the bench imputes from
 *     training statistics only, so no test row informs it) or a constant;
 *  4. a site with no row left is an error.
 * Categorical levels are canonical texts (1.0 and 1 are the same level), the same list at every
 * site (the mapping's `levels`, else the union over sites, numeric-sorted when all numeric).
 */
import { basename } from 'node:path';
import { InputError, type InputProblem } from '../../errors.js';
import { closestMatch } from '../../scenario/did-you-mean.js';
import { NUMERIC_TEXT, canonicalValue, type LabelRule, type ResolvedFeature, type ResolvedMapping, type ResolvedSiteSpec } from './parse-mapping.js';
import type { Cell, SourceTable } from './read-source.js';
import { shortList, shortText } from './short-text.js';

/**
 * Numeric cells must lie within ±1e150. Beyond it the bench's standardization overflows (the
 * sum of n squares passes the largest double, 1.8e308, at |x| ≈ 1e154 for n ≈ 1e8), and no
 * clinical measurement comes near it; `1e999` or a 100 MB string of digits would otherwise be
 * stored as Infinity.
 */
export const MAX_ABS_NUMERIC = 1e150;
/**
 * Longer number texts are not parsed: a double needs at most ~25 characters, and a regular
 * expression over a 100 MB cell would only waste time before the range check rejects it.
 */
export const MAX_NUMBER_TEXT_LENGTH = 400;

/** At most this many data problems are listed (a wrong delimiter would otherwise list every row). */
export const MAX_LISTED_PROBLEMS = 25;

export interface CleanedFeature {
  feature: ResolvedFeature;
  /** numeric/binary: values (NaN where missing and kept); categorical: codes into `levels` (−1 missing). */
  values: Float64Array;
  valid: Uint8Array | null;
}

export interface CleanedSite {
  site: ResolvedSiteSpec;
  /** 1-based data rows of the source file that were kept. */
  sourceRows: Int32Array;
  patientIds: string[];
  target: Int8Array;
  /** Per output feature, in mapping order. */
  features: CleanedFeature[];
  /** Split code per kept row (0 train, 1 validation, 2 test), when the mapping has a split table. */
  split: Int8Array | null;
  report: SiteImportReport;
}

export interface SiteImportReport {
  file: string;
  rowsRead: number;
  rowsKept: number;
  droppedLabelMissing: number;
  /** Rows dropped for a missing value, by the first drop-row column found missing (mapping order). */
  droppedMissing: Record<string, number>;
  /** Missing values kept (null) or imputed, by output column. */
  keptMissing: Record<string, number>;
  imputed: Record<string, number>;
  positives: number;
}

/** Raised after collecting; cut to MAX_LISTED_PROBLEMS lines. */
export function throwProblems(problems: InputProblem[], summary?: string): void {
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = problems.length - listed.length;
  throw new InputError(listed, `${summary ?? `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${problems[0].file}`}${more > 0 ? ` (first ${listed.length} listed)` : ''}`);
}

/** Step 1: column names against the file. */
export function checkColumns(mapping: ResolvedMapping, site: ResolvedSiteSpec, table: SourceTable): InputProblem[] {
  const problems: InputProblem[] = [];
  const have = new Set(table.columns);
  const fileName = basename(table.file);
  const listed = table.columns.length <= 20 ? `: ${shortList(table.columns)}` : ` (${table.columns.length} columns)`;
  const want: { source: string; at: ResolvedFeature['at']; role: string }[] = [
    { source: mapping.label.source, at: mapping.label.at, role: 'label' },
    ...(mapping.id ? [{ source: mapping.id.source, at: mapping.id.at, role: 'id' }] : []),
    ...mapping.features.map((f) => ({ source: f.source, at: f.at, role: 'feature' })),
    ...mapping.drop.map((d) => ({ source: d.source, at: d.at, role: 'drop' })),
  ];
  for (const w of want) {
    if (have.has(w.source)) continue;
    const suggestion = closestMatch(w.source, table.columns);
    problems.push({
      ...w.at,
      expected: `a column of ${fileName} (site ${site.id})${listed}`,
      found: `unknown ${w.role} column \`${w.source}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
    });
  }
  const mapped = new Set(want.map((w) => w.source));
  const unmapped = table.columns.filter((c) => !mapped.has(c));
  if (unmapped.length > 0) {
    problems.push({
      ...site.at,
      expected: `every column of ${fileName} mapped: a feature, the label, the id, or listed in \`drop\``,
      found: `unmapped column${unmapped.length === 1 ? '' : 's'} ${unmapped.slice(0, 20).map((c) => (c.length <= 40 ? `\`${c}\`` : shortText(c))).join(', ')}${unmapped.length > 20 ? `, … (${unmapped.length})` : ''}`,
    });
  }
  return problems;
}

function cellText(c: Cell): string | null {
  return c === null ? null : typeof c === 'number' ? (Number.isNaN(c) ? null : String(c)) : c;
}

function isMissing(c: Cell, markers: ReadonlySet<string>): boolean {
  const t = cellText(c);
  return t === null || markers.has(t.trim());
}

/** A cell as a number: its value, or why it is not one ('text': not a number; 'range': non-finite or beyond ±MAX_ABS_NUMERIC). */
export type ParsedNumber = { value: number } | { invalid: 'text' | 'range' };

export function parseNumberCell(c: Cell): ParsedNumber {
  if (typeof c === 'number') return Number.isFinite(c) && Math.abs(c) <= MAX_ABS_NUMERIC ? { value: c } : { invalid: 'range' };
  const t = (c as string).trim();
  if (t.length > MAX_NUMBER_TEXT_LENGTH) return /^[-+]?[\d.]/.test(t) ? { invalid: 'range' } : { invalid: 'text' };
  if (!NUMERIC_TEXT.test(t)) return { invalid: 'text' };
  const value = Number(t);
  return Number.isFinite(value) && Math.abs(value) <= MAX_ABS_NUMERIC ? { value } : { invalid: 'range' };
}

const RANGE = `a finite number within ±${MAX_ABS_NUMERIC}`;

/** The `found` text of a cell: quoted and cut short (never the whole of a huge cell). */
function shownCell(c: Cell): string {
  const t = cellText(c);
  return t === null ? 'an empty value' : typeof c === 'number' ? String(c) : shortText(t);
}

function labelOf(rule: LabelRule, c: Cell): 0 | 1 | null | 'range' {
  if (rule.kind === 'positive') return rule.values.includes(canonicalValue(cellText(c) as string)) ? 1 : 0;
  const parsed = parseNumberCell(c);
  if ('invalid' in parsed) return parsed.invalid === 'range' ? 'range' : null;
  const v = parsed.value;
  switch (rule.op) {
    case '>':
      return v > rule.value ? 1 : 0;
    case '>=':
      return v >= rule.value ? 1 : 0;
    case '<':
      return v < rule.value ? 1 : 0;
    case '<=':
      return v <= rule.value ? 1 : 0;
    case '==':
      return v === rule.value ? 1 : 0;
  }
}

/** Where a cell is, as an InputProblem location in the data file. */
function cellAt(table: SourceTable, r: number, column: string): Pick<InputProblem, 'file' | 'line' | 'path'> {
  const line = table.lines ? table.lines[r] : undefined;
  return { file: table.file, ...(line !== undefined ? { line } : {}), path: `row ${r + 1}, column ${column}` };
}

/** Levels observed in a categorical column (canonical text), for the shared level list. */
export function observedLevels(table: SourceTable, feature: ResolvedFeature, markers: ReadonlySet<string>): Set<string> {
  const col = table.cells[table.columns.indexOf(feature.source)];
  const out = new Set<string>();
  for (const c of col) if (!isMissing(c, markers)) out.add(canonicalValue(cellText(c) as string));
  return out;
}

/** The shared level list of each categorical feature (mapping levels, else the sorted union). */
export function levelLists(mapping: ResolvedMapping, tables: readonly SourceTable[]): { levels: Map<string, string[]>; problems: InputProblem[] } {
  const markers = new Set(mapping.missingMarkers);
  const levels = new Map<string, string[]>();
  const problems: InputProblem[] = [];
  for (const f of mapping.features) {
    if (f.type !== 'categorical') continue;
    const seen = new Set<string>();
    for (const t of tables) for (const l of observedLevels(t, f, markers)) seen.add(l);
    let list: string[];
    if (f.levels) {
      list = f.levels;
      const extra = [...seen].filter((l) => !list.includes(l));
      if (extra.length > 0) problems.push({ ...f.at, expected: `values among the listed levels ${list.join(', ')}`, found: `level${extra.length === 1 ? '' : 's'} ${extra.slice(0, 10).map((l) => shortText(l)).join(', ')}${extra.length > 10 ? `, … (${extra.length} levels)` : ''} in the data` });
    } else {
      list = [...seen];
      const allNumeric = list.every((l) => NUMERIC_TEXT.test(l));
      list.sort(allNumeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    if (list.length > 127) problems.push({ ...f.at, expected: 'at most 127 levels', found: `${list.length} levels` });
    if (f.reference !== undefined && !list.includes(f.reference)) {
      problems.push({ ...f.at, expected: `a reference level among the levels ${list.join(', ')}`, found: JSON.stringify(f.reference) });
    }
    if (list.length === 0) problems.push({ ...f.at, expected: 'at least one observed level', found: 'every value missing at every site' });
    levels.set(f.name, list);
  }
  return { levels, problems };
}

/** Steps 2–4 for one site; `splitRows` maps 1-based source row → split code. */
export function cleanSite(
  mapping: ResolvedMapping,
  site: ResolvedSiteSpec,
  table: SourceTable,
  levels: ReadonlyMap<string, string[]>,
  splitRows: ReadonlyMap<number, number> | null,
  problems: InputProblem[],
): CleanedSite {
  const markers = new Set(mapping.missingMarkers);
  const n = table.rows;
  const col = (name: string) => table.cells[table.columns.indexOf(name)];
  const labelCol = col(mapping.label.source);
  const idCol = mapping.id ? col(mapping.id.source) : null;
  const featureCols = mapping.features.map((f) => col(f.source));
  const report: SiteImportReport = {
    file: table.file,
    rowsRead: n,
    rowsKept: 0,
    droppedLabelMissing: 0,
    droppedMissing: {},
    keptMissing: {},
    imputed: {},
    positives: 0,
  };
  const d = mapping.features.length;
  const keepValues: number[][] = mapping.features.map(() => []);
  const keepValid: number[][] = mapping.features.map(() => []);
  const keptRows: number[] = [];
  const targets: number[] = [];
  const ids: string[] = [];
  const splits: number[] = [];
  const rowValues = new Float64Array(d);
  const rowValid = new Uint8Array(d);
  const levelIndex = mapping.features.map((f) => (f.type === 'categorical' ? new Map((levels.get(f.name) ?? []).map((l, k) => [l, k])) : null));

  for (let r = 0; r < n; r++) {
    // Type every cell first: a bad value is an error even in a row that is dropped anyway.
    let dropFor: string | null = null;
    for (let j = 0; j < d; j++) {
      const f = mapping.features[j];
      const c = featureCols[j][r];
      rowValid[j] = 1;
      if (isMissing(c, markers)) {
        rowValid[j] = 0;
        rowValues[j] = Number.NaN;
        if (f.missing === 'drop-row') dropFor ??= f.name;
        continue;
      }
      if (f.type === 'categorical') {
        rowValues[j] = levelIndex[j]!.get(canonicalValue(cellText(c) as string)) ?? -1;
        continue;
      }
      if (f.type === 'binary' && f.positive) {
        rowValues[j] = f.positive.includes(canonicalValue(cellText(c) as string)) ? 1 : 0;
        continue;
      }
      const parsed = parseNumberCell(c);
      if ('invalid' in parsed || (f.type === 'binary' && parsed.value !== 0 && parsed.value !== 1)) {
        const outOfRange = 'invalid' in parsed && parsed.invalid === 'range';
        problems.push({
          ...cellAt(table, r, f.source),
          expected:
            f.type === 'binary'
              ? `0 or 1 (binary feature ${f.name}; set \`positive:\` for other codings)`
              : outOfRange
                ? `${RANGE} (numeric feature ${f.name})`
                : `a number (numeric feature ${f.name})`,
          found: `${shownCell(c)}${outOfRange ? ' (out of range)' : ''}`,
        });
        rowValues[j] = Number.NaN;
        continue;
      }
      rowValues[j] = parsed.value;
    }
    const lc = labelCol[r];
    let y: 0 | 1 | null = null;
    if (!isMissing(lc, markers)) {
      const labeled = labelOf(mapping.label.rule, lc);
      if (labeled === null || labeled === 'range') {
        const rule = mapping.label.rule.kind === 'threshold' ? `${mapping.label.rule.op} ${mapping.label.rule.value}` : '';
        problems.push({
          ...cellAt(table, r, mapping.label.source),
          expected: `${labeled === 'range' ? RANGE : 'a number'} (the label rule is "${rule}")`,
          found: `${shownCell(lc)}${labeled === 'range' ? ' (out of range)' : ''}`,
        });
        continue;
      }
      y = labeled;
    }
    if (y === null) {
      report.droppedLabelMissing++;
      continue;
    }
    if (dropFor !== null) {
      report.droppedMissing[dropFor] = (report.droppedMissing[dropFor] ?? 0) + 1;
      continue;
    }
    for (let j = 0; j < d; j++) {
      const f = mapping.features[j];
      let v = rowValues[j];
      let ok = rowValid[j];
      if (!ok) {
        if (typeof f.missing === 'object') {
          v = f.missing.value;
          ok = 1;
          report.imputed[f.name] = (report.imputed[f.name] ?? 0) + 1;
        } else {
          report.keptMissing[f.name] = (report.keptMissing[f.name] ?? 0) + 1;
        }
      }
      keepValues[j].push(v);
      keepValid[j].push(ok);
    }
    const sourceRow = r + 1;
    if (splitRows) {
      const code = splitRows.get(sourceRow);
      if (code === undefined) {
        problems.push({ ...cellAt(table, r, '(split)'), expected: `a row ${sourceRow} entry for site ${site.id} in the split table ${mapping.split?.fileAsWritten}`, found: 'none' });
      }
      splits.push(code ?? 0);
    }
    keptRows.push(sourceRow);
    targets.push(y);
    report.positives += y;
    ids.push(idCol ? (cellText(idCol[r]) ?? '').trim() : `${site.id}-${sourceRow}`);
  }

  report.rowsKept = keptRows.length;
  if (keptRows.length === 0 && problems.length === 0) {
    const reasons = [
      ...(report.droppedLabelMissing > 0 ? [`${report.droppedLabelMissing} without a label`] : []),
      ...Object.entries(report.droppedMissing).map(([c, k]) => `${k} missing ${c}`),
    ];
    problems.push({ ...site.at, expected: `at least one row left at site ${site.id} after cleaning`, found: `none of ${n} rows${reasons.length ? ` (dropped: ${reasons.join(', ')})` : ''}` });
  }
  if (idCol) {
    const seen = new Map<string, number>();
    ids.forEach((id, k) => {
      const prior = seen.get(id);
      if (id === '') problems.push({ ...cellAt(table, keptRows[k] - 1, mapping.id!.source), expected: 'a patient id', found: 'an empty value' });
      else if (prior !== undefined) problems.push({ ...cellAt(table, keptRows[k] - 1, mapping.id!.source), expected: `a patient id unique within site ${site.id}`, found: `${shortText(id)} again (also row ${keptRows[prior]})` });
      seen.set(id, k);
    });
  }

  const features: CleanedFeature[] = mapping.features.map((f, j) => {
    const valid = Uint8Array.from(keepValid[j]);
    return { feature: f, values: Float64Array.from(keepValues[j]), valid: valid.every((v) => v === 1) ? null : valid };
  });
  return {
    site,
    sourceRows: Int32Array.from(keptRows),
    patientIds: ids,
    target: Int8Array.from(targets),
    features,
    split: splitRows ? Int8Array.from(splits) : null,
    report,
  };
}
