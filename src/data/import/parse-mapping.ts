/**
 * Import mapping YAML → a resolved mapping, reporting every problem at once with
 * file:line:column and a dot path (the scenario parser's helpers), then the cross-field rules a
 * schema cannot say: one label rule, reference levels only on categoricals, no column used
 * twice, no output name that clashes with the columns import writes itself.
 */
import { checkSiteIds } from '../../scenario/rules.js';
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError, type InputProblem } from '../../errors.js';
import { orderedProblems, reportedProblems, schemaProblems } from '../../scenario/parse.js';
import { formatPath, readYaml, readYamlFile, type DataPath, type YamlSource } from '../../scenario/yaml-source.js';
import {
  DEFAULT_MISSING_MARKERS,
  THRESHOLD_PATTERN,
  importMappingSchema,
  type FeatureSpecInput,
  type FileFormat,
  type ImportMapping,
  type MissingPolicy,
} from './mapping-schema.js';

/** Columns import writes itself: no feature may be called so. */
export const RESERVED_OUTPUT_COLUMNS = ['patient_id', 'site', 'target', 'split'] as const;

export interface ResolvedFeature {
  /** Column in the source files. */
  source: string;
  /** Column in the output table. */
  name: string;
  type: 'numeric' | 'binary' | 'categorical';
  unit?: string;
  description?: string;
  levels?: string[];
  reference?: string;
  positive?: string[];
  missing: MissingPolicy;
  /** Where the feature is written in the mapping (for located data problems). */
  at: Located;
}

export interface Located {
  file: string;
  line?: number;
  column?: number;
  path: string;
}

export interface ResolvedSiteSpec {
  id: string;
  name: string;
  country: string;
  /** Absolute path of the site file. */
  path: string;
  /** As written in the mapping (relative to it). */
  pathAsWritten: string;
  format: Required<Pick<FileFormat, 'header' | 'delimiter' | 'encoding'>> & Pick<FileFormat, 'columns' | 'comment'>;
  at: Located;
}

export type LabelRule = { kind: 'positive'; values: string[] } | { kind: 'threshold'; op: '>' | '>=' | '<' | '<=' | '=='; value: number };

export interface ResolvedMapping {
  file: string;
  name: string;
  description: string;
  sites: ResolvedSiteSpec[];
  id: { source: string; at: Located } | null;
  label: { source: string; rule: LabelRule; target: string; description: string; at: Located };
  features: ResolvedFeature[];
  drop: { source: string; at: Located }[];
  missingMarkers: string[];
  split: { file: string; fileAsWritten: string; site: string; row: string; value: string; at: Located } | null;
  /** The mapping text as read. */
  text: string;
}

/** Canonical text of a value as written (numbers without trailing zeros: 1.0 → "1"). */
export function canonicalValue(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const t = v.trim();
  // A number text is short (clean.ts MAX_NUMBER_TEXT_LENGTH): skip the pattern on huge cells.
  return t.length <= 400 && NUMERIC_TEXT.test(t) ? String(Number(t)) : t;
}

/** A decimal number as data files write it (no hex, no Infinity, no empty string). */
export const NUMERIC_TEXT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export interface MappingOptions {
  /**
   * Let site files and the split table lie outside the mapping's folder (default false: a
   * mapping can only read files in its own folder and below, so a shared or downloaded mapping
   * cannot make `fedage import` read, say, ../../etc/shadow).
   */
  allowOutsidePaths?: boolean;
}

function isInside(base: string, target: string): boolean {
  const rel = relative(base, target);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * Why a path written in the mapping may not be read, or null: it must resolve inside the
 * mapping's folder, lexically and (when it exists) after following symbolic links.
 */
export function outsideReason(base: string, written: string): string | null {
  const full = resolve(base, written);
  if (!isInside(base, full)) return `${JSON.stringify(written)} (resolves to ${full})`;
  try {
    const real = realpathSync(full);
    if (!isInside(realpathSync(base), real)) return `${JSON.stringify(written)} (a symbolic link to ${real})`;
  } catch {
    // A missing file is reported when it is read, with the site it belongs to.
  }
  return null;
}

export function parseImportMapping(text: string, file: string, options: MappingOptions = {}): ResolvedMapping {
  const source = readYaml(text, file);
  if (source.problems.length > 0) throw new InputError(source.problems);
  const checked = importMappingSchema.safeParse(source.data);
  if (!checked.success) {
    throw reportedProblems(
      orderedProblems(schemaProblems(checked.error.issues, source, file, { schema: importMappingSchema, document: 'an import mapping with `name`, `sites`, `label` and `features`' })),
      file,
    );
  }
  const problems: InputProblem[] = [];
  const resolved = resolveMapping(checked.data, source, file, problems, text, options);
  if (problems.length > 0) throw reportedProblems(orderedProblems(problems), file);
  return resolved;
}

export async function loadImportMapping(path: string, options: MappingOptions = {}): Promise<ResolvedMapping> {
  const text = await readYamlFile(path, 'a readable import mapping (YAML)', (error) => {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
  });
  return parseImportMapping(text, path, options);
}

export function locate(source: YamlSource, file: string, path: DataPath, key = false): Located {
  const p = key ? source.keyPositionOf(path) : source.positionOf(path);
  return { file, ...(p ? { line: p.line, column: p.column } : {}), path: formatPath(path) };
}

function resolveMapping(m: ImportMapping, source: YamlSource, file: string, problems: InputProblem[], text: string, options: MappingOptions): ResolvedMapping {
  const base = dirname(resolve(file));
  const problem = (path: DataPath, expected: string, found: string, key = false) => problems.push({ ...locate(source, file, path, key), expected, found });
  const confine = (path: DataPath, written: string) => {
    if (options.allowOutsidePaths) return;
    const reason = outsideReason(base, written);
    if (reason) problem(path, `a path inside the mapping's folder ${base} (or pass --allow-outside-paths)`, reason);
  };
  if (m.split) confine(['split', 'file'], m.split.file);

  // Sites: ids by the scenario's rules (unique ignoring case, no reserved file name); a headerless file needs column names.
  for (const v of checkSiteIds(m.sites.map((s) => s.id))) problem(['sites', v.index, 'id'], v.expected, v.found);
  const sites: ResolvedSiteSpec[] = m.sites.map((s, k) => {
    const format = { header: true, delimiter: ',', encoding: 'utf8' as const, ...m.format, ...s.format };
    confine(['sites', k, 'path'], s.path);
    const isArrow = /\.(arrow|feather|ipc)$/i.test(s.path);
    if (!isArrow && !format.header && !format.columns) {
      problem(['sites', k, 'path'], '`format.columns` (column names) for a file without a header (`format.header: false`)', 'no column names');
    }
    return {
      id: s.id,
      name: s.name ?? s.id,
      country: s.country ?? '',
      path: resolve(base, s.path),
      pathAsWritten: s.path,
      format,
      at: locate(source, file, ['sites', k, 'path']),
    };
  });

  // Label rule: exactly one of positive / threshold.
  const { label } = m;
  let rule: LabelRule = { kind: 'positive', values: ['1'] };
  if ((label.positive === undefined) === (label.threshold === undefined)) {
    problem(['label'], 'exactly one of `positive` (values meaning 1) or `threshold` (e.g. "> 0")', label.positive ? 'both' : 'neither');
  } else if (label.positive) {
    rule = { kind: 'positive', values: label.positive.map(canonicalValue) };
  } else {
    const [, op, value] = THRESHOLD_PATTERN.exec(label.threshold as string) as RegExpExecArray;
    rule = { kind: 'threshold', op: op as '>', value: Number(value) };
  }

  const defaultPolicy: MissingPolicy = m.missing?.policy ?? 'drop-row';
  const features: ResolvedFeature[] = [];
  const outputNames = new Map<string, string>();
  const used = new Map<string, string>([[label.column, '`label.column`']]);
  if (m.id !== undefined) {
    if (used.has(m.id)) problem(['id'], 'an id column that is not also the label', JSON.stringify(m.id));
    used.set(m.id, '`id`');
  }
  for (const [sourceName, raw] of Object.entries(m.features)) {
    const spec: FeatureSpecInput = typeof raw === 'string' ? { type: raw } : raw;
    const path: DataPath = ['features', sourceName];
    if (used.has(sourceName)) problem(path, `a column used once (it is already ${used.get(sourceName)})`, JSON.stringify(sourceName), true);
    used.set(sourceName, `the feature \`features.${sourceName}\``);
    const name = spec.name ?? sourceName;
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/.test(name)) {
      problem(spec.name ? [...path, 'name'] : path, 'an output column name of letters, digits, "_", "." or "-" (starting with a letter or "_"); set `name:` to rename', JSON.stringify(name), !spec.name);
    }
    if ((RESERVED_OUTPUT_COLUMNS as readonly string[]).includes(name)) {
      problem(spec.name ? [...path, 'name'] : path, `an output name other than ${RESERVED_OUTPUT_COLUMNS.join(', ')} (import writes those); set \`name:\` to rename`, JSON.stringify(name), !spec.name);
    }
    const clash = outputNames.get(name);
    if (clash !== undefined) problem([...path, 'name'], `a distinct output name (features.${clash} is already called so)`, JSON.stringify(name));
    outputNames.set(name, sourceName);
    if (spec.type !== 'categorical' && (spec.levels !== undefined || spec.reference !== undefined)) {
      problem([...path, spec.levels !== undefined ? 'levels' : 'reference'], '`levels`/`reference` only on a categorical feature', `type ${spec.type}`, true);
    }
    if (spec.type !== 'binary' && spec.positive !== undefined) problem([...path, 'positive'], '`positive` only on a binary feature', `type ${spec.type}`, true);
    if (spec.type !== 'numeric' && spec.unit !== undefined) problem([...path, 'unit'], '`unit` only on a numeric feature', `type ${spec.type}`, true);
    const levels = spec.levels?.map(canonicalValue);
    if (levels && new Set(levels).size !== levels.length) problem([...path, 'levels'], 'distinct levels', levels.join(', '));
    const reference = spec.reference === undefined ? undefined : canonicalValue(spec.reference);
    if (reference !== undefined && levels && !levels.includes(reference)) problem([...path, 'reference'], `one of the levels ${levels.join(', ')}`, JSON.stringify(reference));
    const missing = spec.missing ?? defaultPolicy;
    if (spec.type === 'categorical' && typeof missing === 'object') {
      problem([...path, 'missing'], 'drop-row or keep for a categorical feature (a constant imputes numbers)', `{ value: ${missing.value} }`);
    }
    if (spec.type === 'binary' && typeof missing === 'object' && missing.value !== 0 && missing.value !== 1) {
      problem([...path, 'missing'], 'an imputed value of 0 or 1 for a binary feature', String(missing.value));
    }
    features.push({
      source: sourceName,
      name,
      type: spec.type,
      ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      ...(levels ? { levels } : {}),
      ...(reference !== undefined ? { reference } : {}),
      ...(spec.positive ? { positive: spec.positive.map(canonicalValue) } : {}),
      missing,
      at: locate(source, file, path, true),
    });
  }
  const drop = (m.drop ?? []).map((col, k) => {
    if (used.has(col)) problem(['drop', k], `a column that is not also ${used.get(col)}`, JSON.stringify(col));
    used.set(col, '`drop`ped');
    return { source: col, at: locate(source, file, ['drop', k]) };
  });

  return {
    file,
    name: m.name,
    description: m.description ?? '',
    sites,
    id: m.id !== undefined ? { source: m.id, at: locate(source, file, ['id']) } : null,
    label: {
      source: label.column,
      rule,
      target: label.name ?? 'target',
      description: label.description ?? describeRule(label.column, rule),
      at: locate(source, file, ['label', 'column']),
    },
    features,
    drop,
    missingMarkers: m.missing?.markers ?? DEFAULT_MISSING_MARKERS,
    split: m.split ? { ...m.split, file: resolve(base, m.split.file), fileAsWritten: m.split.file, at: locate(source, file, ['split', 'file']) } : null,
    text,
  };
}

export function describeRule(column: string, rule: LabelRule): string {
  return rule.kind === 'positive' ? `1 when ${column} is one of ${rule.values.join(', ')}, else 0` : `1 when ${column} ${rule.op} ${rule.value}, else 0`;
}
