/**
 * The YAML text of a scenario kept next to its plain-JS value, so any dot path can be traced
 * back to the line and column where the user wrote it.
 */
import { open } from 'node:fs/promises';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { InputError, type InputProblem } from '../errors.js';

/**
 * The largest YAML input (scenario, bench config, import mapping) read: 10 MB. The shipped
 * scenarios are 10 to 20 KB and a 1,000-site scenario is well under 1 MB, so nothing legitimate
 * comes near it; a bigger file is almost surely the wrong file (a data export, a log) and would
 * only cost memory and time before failing the schema anyway.
 */
export const MAX_YAML_BYTES = 10 * 1024 * 1024;

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${bytes} bytes`;
}

/** 'a readable import mapping (YAML)' → 'an import mapping (YAML)'. */
function sizedNoun(what: string): string {
  const noun = what.replace(/^an? (readable )?/, '');
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

function tooLargeProblem(file: string, what: string, bytes: number, atLeast: boolean): InputProblem {
  return {
    file,
    path: '',
    expected: `${what} of at most ${formatBytes(MAX_YAML_BYTES)} (${MAX_YAML_BYTES} bytes)`,
    found: `${atLeast ? 'more than ' : ''}${bytes} bytes (${formatBytes(bytes)}); is this the right file?`,
  };
}

/**
 * Reads a YAML input as UTF-8, refusing (InputError, exit 2) a file larger than MAX_YAML_BYTES
 * before reading it all: the size is checked on the open handle, and the read stops at the cap
 * even when the size is unknown (a pipe, /dev/zero). `what` names the input in messages,
 * e.g. 'a readable scenario file'; read errors are described by `describeError`.
 */
export async function readYamlFile(path: string, what: string, describeError: (error: unknown) => string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InputError([{ file: path, path: '', expected: what, found: describeError(error) }]);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new InputError([{ file: path, path: '', expected: what, found: 'a directory' }]);
    if (stat.isFile() && stat.size > MAX_YAML_BYTES) throw new InputError([tooLargeProblem(path, sizedNoun(what), stat.size, false)]);
    // Read at most cap + 1 bytes: one byte more than allowed proves the file is too large.
    const buffer = Buffer.alloc(Math.min(MAX_YAML_BYTES + 1, stat.isFile() ? stat.size + 1 : MAX_YAML_BYTES + 1));
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) {
        if (filled > MAX_YAML_BYTES) throw new InputError([tooLargeProblem(path, sizedNoun(what), MAX_YAML_BYTES, true)]);
        break;
      }
    }
    return buffer.subarray(0, filled).toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([{ file: path, path: '', expected: what, found: describeError(error) }]);
  } finally {
    await handle.close();
  }
}

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
  // Text handed in directly (not through readYamlFile) is capped too. UTF-16 length ≤ UTF-8 bytes.
  if (text.length > MAX_YAML_BYTES || Buffer.byteLength(text, 'utf8') > MAX_YAML_BYTES) {
    return { data: undefined, problems: [tooLargeProblem(file, 'a YAML file', Buffer.byteLength(text, 'utf8'), false)], has: () => false, positionOf: () => undefined, keyPositionOf: () => undefined };
  }
  const lineCounter = new LineCounter();
  // yaml's own duplicate-key check compares each key with every earlier key of its map
  // (quadratic: 80 k keys took 72 s); duplicateKeyProblems does the same check with a hash set.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  const position = (node: Node | null | undefined): SourcePosition | undefined => {
    if (!node?.range) return undefined;
    const { line, col } = lineCounter.linePos(node.range[0]);
    return { line, column: col };
  };

  const problems = [...syntaxProblems(doc, file), ...unresolvedAliasProblems(doc, file, position)];
  if (problems.length === 0) problems.push(...duplicateKeyProblems(doc, file, position));
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

/**
 * A key written twice in one mapping, as yaml's `uniqueKeys` check defines it (scalar keys equal
 * in value, so `1` and `"1"` differ; collection keys never equal), in linear time: one hash set
 * per mapping. Reported at the second key with the dot path and the line of the first.
 */
function duplicateKeyProblems(doc: Document, file: string, position: (node: Node) => SourcePosition | undefined): InputProblem[] {
  const problems: InputProblem[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    if (isMap(node)) {
      const seen = new Map<string, Pair>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) || key === null) {
          const value = isScalar(key) ? key.value : null;
          const id = `${value === null ? 'null' : typeof value}:${String(value)}`;
          const first = seen.get(id);
          if (first) {
            const firstLine = position(first.key as Node)?.line;
            problems.push({
              file,
              ...toLineColumn(position(key as Node)),
              path: formatPath([...path, String(value)]),
              expected: 'valid YAML',
              found: `the key \`${String(value)}\` a second time (map keys must be unique${firstLine !== undefined ? `; first at line ${firstLine}` : ''})`,
            });
          } else {
            seen.set(id, pair);
          }
        }
        walk(pair.value, [...path, isScalar(key) ? String(key.value) : '?']);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
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

/**
 * Each mapping's pairs by key text (the first pair wins, as a linear find would), built once per
 * mapping: locating k problems in a mapping of k keys is then O(k), not O(k²).
 */
const KEY_INDEX = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairByKey(map: YAMLMap, segment: PropertyKey): Pair | undefined {
  let index = KEY_INDEX.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const text = String(isScalar(pair.key) ? pair.key.value : pair.key);
      if (!index.has(text)) index.set(text, pair as Pair);
    }
    KEY_INDEX.set(map, index);
  }
  return index.get(String(segment));
}

/** Walks the YAML tree along `path`; stops at the deepest node that exists. */
function findNode(doc: Document, path: DataPath): { found: FoundNode; complete: boolean } {
  let found: FoundNode = { node: resolved(doc, doc.contents), key: null };
  for (const segment of path) {
    const current = found.node;
    if (isMap(current)) {
      const pair = pairByKey(current, segment);
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
