/**
 * The YAML text of a scenario kept next to its plain-JS value, so any dot path can be traced
 * back to the line and column where the user wrote it.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { InputProblem } from '../errors.js';

export type DataPath = readonly PropertyKey[];

export interface SourcePosition {
  line: number;
  column: number;
}

/** A node found at a path, with the key that introduced it (absent for list items). */
interface FoundNode {
  node: Node | null;
  key: Node | null;
}

export interface YamlSource {
  /** The parsed value (undefined when the YAML had errors). */
  data: unknown;
  /** Problems found while reading the YAML itself: syntax, unresolved aliases, empty document. */
  problems: InputProblem[];
  /** True if a value (possibly empty) is written at `path`. */
  has(path: DataPath): boolean;
  /** Where the value at `path` is written; for a missing path, where its nearest written parent is. */
  positionOf(path: DataPath): SourcePosition | undefined;
  /** Where the key that ends `path` is written (for "unknown key" problems). */
  keyPositionOf(path: DataPath): SourcePosition | undefined;
}

/** `sites[1].demographics.age.sd`; keys that are not plain names are quoted: `refs["A B"]`. */
export function formatPath(path: DataPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(segment))) out += out ? `.${String(segment)}` : String(segment);
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

export function readYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const position = (node: Node | null | undefined): SourcePosition | undefined => {
    if (!node?.range) return undefined;
    const { line, col } = lineCounter.linePos(node.range[0]);
    return { line, column: col };
  };

  const problems = [...syntaxProblems(doc, file), ...unresolvedAliasProblems(doc, file, position)];
  let data: unknown;
  if (problems.length === 0) {
    if (doc.contents === null) {
      problems.push(emptyDocumentProblem(file));
    } else {
      const converted = toPlainValue(doc, file);
      data = converted.data;
      if (converted.problem) problems.push(converted.problem);
    }
  }

  const find = (path: DataPath) => findNode(doc, path);
  return {
    data,
    problems,
    has: (path) => find(path).complete,
    positionOf: (path) => {
      const { found } = find(path);
      return position(pointAt(found, position));
    },
    keyPositionOf: (path) => {
      const { found, complete } = find(path);
      return position(complete ? found.key ?? found.node : found.node);
    },
  };
}

/** Every YAML syntax error, each with its own position (the parser keeps going after the first). */
function syntaxProblems(doc: Document, file: string): InputProblem[] {
  return doc.errors.map((error) => {
    const at = error.linePos?.[0];
    return {
      file,
      line: at?.line,
      column: at?.col,
      path: '',
      expected: 'valid YAML',
      found: firstLineWithoutPosition(error.message),
    };
  });
}

/** yaml's messages end with " at line N, column M:" and a code frame; we report the position ourselves. */
function firstLineWithoutPosition(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** `*name` with no `&name` before it: yaml only notices when converting, so find them up front. */
function unresolvedAliasProblems(
  doc: Document,
  file: string,
  position: (node: Node) => SourcePosition | undefined,
): InputProblem[] {
  const problems: InputProblem[] = [];
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) === undefined) {
        problems.push({
          file,
          ...toLineColumn(position(alias)),
          path: '',
          expected: `an anchor &${alias.source} defined before the alias`,
          found: `*${alias.source} with no such anchor`,
        });
      }
    },
  });
  return problems;
}

function toLineColumn(p: SourcePosition | undefined): { line?: number; column?: number } {
  return p ? { line: p.line, column: p.column } : {};
}

function emptyDocumentProblem(file: string): InputProblem {
  return {
    file,
    path: '',
    expected: 'a scenario: a mapping with `consortium` and `sites`',
    found: 'an empty document (nothing but whitespace or comments)',
  };
}

/** toJS can still throw (e.g. too many alias expansions, a guard against "billion laughs"). */
function toPlainValue(doc: Document, file: string): { data: unknown; problem: InputProblem | undefined } {
  try {
    return { data: doc.toJS(), problem: undefined };
  } catch (error) {
    return {
      data: undefined,
      problem: { file, path: '', expected: 'YAML that can be expanded', found: (error as Error).message },
    };
  }
}

function resolved(doc: Document, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return (node as Node | null) ?? null;
}

function keyMatches(key: unknown, segment: PropertyKey): boolean {
  const value = isScalar(key) ? key.value : key;
  return String(value) === String(segment);
}

/** Walks the YAML tree along `path`; stops at the deepest node that exists. */
function findNode(doc: Document, path: DataPath): { found: FoundNode; complete: boolean } {
  let found: FoundNode = { node: resolved(doc, doc.contents), key: null };
  for (const segment of path) {
    const current = found.node;
    if (isMap(current)) {
      const pair = current.items.find((p) => keyMatches(p.key, segment));
      if (!pair) return { found, complete: false };
      found = { node: resolved(doc, pair.value), key: (pair.key as Node | null) ?? null };
    } else if (isSeq(current) && typeof segment === 'number' && segment < current.items.length) {
      found = { node: resolved(doc, current.items[segment]), key: null };
    } else {
      return { found, complete: false };
    }
  }
  return { found, complete: true };
}

/**
 * Point at the value when it sits on its key's line (`femaleFraction: 1.4` → the 1.4), else at
 * the key: an empty value or a block that starts on the next line is best shown by its key.
 */
function pointAt(found: FoundNode, position: (node: Node) => SourcePosition | undefined): Node | null {
  const { node, key } = found;
  if (!key) return node;
  if (!node || (isScalar(node) && node.value === null && !node.source)) return key;
  const keyLine = position(key)?.line;
  const valueLine = position(node)?.line;
  return keyLine !== undefined && valueLine !== undefined && valueLine > keyLine ? key : node;
}
