/**
 * Reads the zod schema back so error messages can say what *is* allowed at a path: the range of
 * a number, the options of an enum, the keys of an object. Zod's own messages ("Too big:
 * expected number to be <=1") are written for programmers; a scenario author needs
 * "a number between 0 and 1".
 *
 * This touches zod's internal definitions (`_zod.def`), which zod 4 documents for library
 * authors; everything is read defensively so an unknown schema kind falls back to zod's text.
 */
import type { z } from 'zod';

type AnySchema = z.core.$ZodType;
type PathSegment = PropertyKey;

/** The parts of a zod definition this module reads. */
interface LooseDef {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  valueType?: AnySchema;
  entries?: Record<string, string | number>;
  checks?: { _zod: { def: LooseCheck } }[];
}

interface LooseCheck {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  format?: string;
  error?: (issue: unknown) => unknown;
}

function defOf(schema: AnySchema): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

/** Wrapper kinds that do not change what a value may look like, only whether it may be absent. */
const TRANSPARENT_WRAPPERS = new Set(['optional', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** Strips optional/default/pipe wrappers; remembers whether null is allowed. */
export function unwrapSchema(schema: AnySchema): { schema: AnySchema; nullable: boolean } {
  let current = schema;
  let nullable = false;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'nullable' && def.innerType) {
      nullable = true;
      current = def.innerType;
    } else if (TRANSPARENT_WRAPPERS.has(def.type) && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return { schema: current, nullable };
    }
  }
}

/** The schema one step down: an object's property, an array's element, a record's value. */
function childSchema(schema: AnySchema, segment: PathSegment): AnySchema | undefined {
  const def = defOf(unwrapSchema(schema).schema);
  if (def.type === 'object') return def.shape?.[String(segment)];
  if (def.type === 'array') return def.element;
  if (def.type === 'record') return def.valueType;
  return undefined;
}

/** The schema that governs the value at `path`, or undefined if the path leaves the schema. */
export function schemaAtPath(root: AnySchema, path: readonly PathSegment[]): AnySchema | undefined {
  let current: AnySchema | undefined = root;
  for (const segment of path) {
    if (current === undefined) return undefined;
    current = childSchema(current, segment);
  }
  return current;
}

/** The keys an object schema allows, in declaration order; undefined if it is not an object. */
export function allowedKeys(schema: AnySchema | undefined): string[] | undefined {
  if (schema === undefined) return undefined;
  const def = defOf(unwrapSchema(schema).schema);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

function checksOf(schema: AnySchema): LooseCheck[] {
  return (defOf(schema).checks ?? []).map((c) => c._zod.def);
}

/** The custom message given to a check in schema.ts (e.g. 'an ISO date YYYY-MM-DD'), if any. */
function checkMessage(check: LooseCheck): string | undefined {
  const message = check.error?.({ code: 'custom' });
  return typeof message === 'string' ? message : undefined;
}

function describeNumber(schema: AnySchema): string {
  const checks = checksOf(schema);
  const noun = checks.some((c) => c.check === 'number_format' && /int/.test(c.format ?? '')) ? 'a whole number' : 'a number';
  const lower = checks.find((c) => c.check === 'greater_than');
  const upper = checks.find((c) => c.check === 'less_than');
  if (lower?.inclusive && upper?.inclusive) return `${noun} between ${lower.value} and ${upper.value}`;
  const bounds: string[] = [];
  if (lower) bounds.push(`${lower.inclusive ? '>=' : '>'} ${lower.value}`);
  if (upper) bounds.push(`${upper.inclusive ? '<=' : '<'} ${upper.value}`);
  return bounds.length ? `${noun} ${bounds.join(' and ')}` : noun;
}

function describeString(schema: AnySchema): string {
  const checks = checksOf(schema);
  const formatted = checks.find((c) => c.check === 'string_format');
  const message = formatted && checkMessage(formatted);
  if (message) return message;
  if (formatted?.format) return `a string in ${formatted.format} format`;
  const minLength = checks.find((c) => c.check === 'min_length');
  return minLength?.minimum && minLength.minimum > 0 ? 'a non-empty string' : 'a string';
}

function describeArray(schema: AnySchema): string {
  const minLength = checksOf(schema).find((c) => c.check === 'min_length');
  if (!minLength?.minimum) return 'a list';
  const message = checkMessage(minLength);
  if (message) return `a list with ${message}`;
  return `a list with at least ${minLength.minimum} item${minLength.minimum === 1 ? '' : 's'}`;
}

/** A human description of what the schema accepts, e.g. "a number between 0 and 1". */
export function describeSchema(schema: AnySchema | undefined): string {
  if (schema === undefined) return 'nothing here (this key is not part of the scenario format)';
  const { schema: inner, nullable } = unwrapSchema(schema);
  const base = describeBareSchema(inner);
  return nullable ? `${base} or null` : base;
}

function describeBareSchema(schema: AnySchema): string {
  const def = defOf(schema);
  switch (def.type) {
    case 'number':
      return describeNumber(schema);
    case 'string':
      return describeString(schema);
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${Object.values(def.entries ?? {}).join(' | ')}`;
    case 'object':
      return 'a mapping (indented key: value lines)';
    case 'record':
      return 'a mapping of names to values';
    case 'array':
      return describeArray(schema);
    case 'unknown':
    case 'any':
      return 'any value';
    default:
      return def.type;
  }
}
