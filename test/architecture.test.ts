/**
 * The layering of src/ (docs/ARCHITECTURE.md): data flows one way, scenario → synth → data →
 * bench → results → report, over a foundation every layer may use. Parses the import
 * statements of src/**\/*.ts (no dependency needed) and asserts that no folder imports a folder
 * above it, so there is no import cycle across folders; and that src/index.ts exports every
 * value the CLI imports from the library.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(REPO_ROOT, 'src');

/** Lowest first: a layer may import only layers before it (and itself). */
const LAYERS = ['foundation', 'random', 'metrics', 'model', 'federated', 'privacy', 'secagg', 'compression', 'scenario', 'synth', 'data', 'bench', 'analysis', 'audit', 'vertical', 'report', 'distributed', 'api', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

function layerOf(file: string): Layer {
  if (file === 'index.ts') return 'api';
  if (!file.includes('/')) return 'foundation';
  const folder = file.split('/')[0];
  if (!(LAYERS as readonly string[]).includes(folder)) throw new Error(`src/${file}: folder ${folder} has no place in the layer order (add it to LAYERS and docs/ARCHITECTURE.md)`);
  return folder as Layer;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(SRC, path).split('\\').join('/')] : [];
  });
}

interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
  names: string[];
}

/** Relative imports and re-exports (static and dynamic) of one file, resolved to src-relative .ts paths. */
export function importsOf(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const resolve = (spec: string) => normalize(join(dirname(file), spec)).split('\\').join('/').replace(/\.js$/, '.ts');
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s*from\s+['"](\.[^'"]+)['"]/gms)) {
    const braces = /\{([^}]*)\}/.exec(m[3]);
    const names = braces
      ? braces[1]
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '' && !s.startsWith('type '))
          .map((s) => s.split(/\s+as\s+/)[0])
      : [];
    edges.push({ from: file, to: resolve(m[4]), typeOnly: m[2] !== undefined, names: m[1] === 'import' ? names : [] });
  }
  for (const m of text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) edges.push({ from: file, to: resolve(m[1]), typeOnly: false, names: [] });
  return edges;
}

const FILES = sourceFiles(SRC);
const EDGES = FILES.flatMap((f) => importsOf(f, readFileSync(join(SRC, f), 'utf8')));

describe('architecture: one-way layers', () => {
  test('the import parser sees the imports (a known edge and a known dynamic import)', () => {
    assert.ok(FILES.length > 100);
    assert.ok(EDGES.some((e) => e.from === 'bench/run-arm.ts' && e.to === 'federated/run-federated.ts'));
    assert.ok(EDGES.some((e) => e.from === 'report/bench-outputs.ts' && e.to === 'report/html.ts'));
    for (const e of EDGES) assert.ok(FILES.includes(e.to), `src/${e.from} imports src/${e.to}, which does not exist`);
  });

  test('no folder imports a folder above it (type-only imports included)', () => {
    const rank = (f: string) => LAYERS.indexOf(layerOf(f));
    const upward = EDGES.filter((e) => rank(e.to) > rank(e.from)).map((e) => `src/${e.from} (${layerOf(e.from)}) → src/${e.to} (${layerOf(e.to)})`);
    assert.deepEqual(upward, []);
  });

  test('no import cycle crosses a folder (strongly connected components of the file graph)', () => {
    const next = new Map<string, string[]>(FILES.map((f) => [f, []]));
    for (const e of EDGES) next.get(e.from)?.push(e.to);
    // Tarjan's algorithm.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const components: string[][] = [];
    const visit = (v: string) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of next.get(v) ?? []) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const c: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          c.push(w);
        } while (w !== v);
        if (c.length > 1) components.push(c);
      }
    };
    for (const f of FILES) if (!idx.has(f)) visit(f);
    const crossing = components.filter((c) => new Set(c.map(layerOf)).size > 1);
    assert.deepEqual(crossing, []);
  });

  test('src/index.ts exports every value the CLI imports from the library', async () => {
    const api = await import('../src/index.js');
    const used = EDGES.filter((e) => e.from.startsWith('cli/') && !e.to.startsWith('cli/') && !e.typeOnly).flatMap((e) => e.names.map((n) => `${n} (src/${e.to})`));
    assert.ok(used.length > 10);
    const missing = used.filter((u) => !(u.split(' ')[0] in api));
    assert.deepEqual(missing, []);
  });
});
