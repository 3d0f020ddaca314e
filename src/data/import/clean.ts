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
  const listed = table.columns.length <= 20 ? `: ${table.columns.join(', ')}` : ` (${table.columns.length} columns)`;
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
      found: `unmapped column${unmapped.length === 1 ? '' : 's'} ${unmapped.map((c) => `\`${c}\``).join(', ')}`,
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

function numberOf(c: Cell): number | null {
  if (typeof c === 'number') return Number.isFinite(c) ? c : null;
  const t = (c as string).trim();
  return NUMERIC_TEXT.test(t) ? Number(t) : null;
}

function labelOf(rule: LabelRule, c: Cell): 0 | 1 | null {
  if (rule.kind === 'positive') return rule.values.includes(canonicalValue(cellText(c) as string)) ? 1 : 0;
  const v = numberOf(c);
  if (v === null) return null;
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
      if (extra.length > 0) problems.push({ ...f.at, expected: `values among the listed levels ${list.join(', ')}`, found: `level${extra.length === 1 ? '' : 's'} ${extra.join(', ')} in the data` });
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
      const v = numberOf(c);
      if (v === null || (f.type === 'binary' && v !== 0 && v !== 1)) {
        problems.push({
          ...cellAt(table, r, f.source),
          expected: f.type === 'binary' ? `0 or 1 (binary feature ${f.name}; set \`positive:\` for other codings)` : `a number (numeric feature ${f.name})`,
          found: JSON.stringify(cellText(c)),
        });
        rowValues[j] = Number.NaN;
        continue;
      }
      rowValues[j] = v;
    }
    const lc = labelCol[r];
    let y: 0 | 1 | null = null;
    if (!isMissing(lc, markers)) {
      y = labelOf(mapping.label.rule, lc);
      if (y === null) {
        problems.push({ ...cellAt(table, r, mapping.label.source), expected: `a number (the label rule is "${mapping.label.rule.kind === 'threshold' ? `${mapping.label.rule.op} ${mapping.label.rule.value}` : ''}")`, found: JSON.stringify(cellText(lc)) });
        continue;
      }
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
      else if (prior !== undefined) problems.push({ ...cellAt(table, keptRows[k] - 1, mapping.id!.source), expected: `a patient id unique within site ${site.id}`, found: `${JSON.stringify(id)} again (also row ${keptRows[prior]})` });
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
