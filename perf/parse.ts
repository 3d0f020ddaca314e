/**
 * npm run perf:parse — scenario and import-mapping parse time against the number of keys.
 * Target (issue 13): parsing is linear in the size of the file. Before the fix, yaml's duplicate
 * key check and the per-problem key lookup each compared every key with every other (80,000 keys:
 * 72 s, 700 MB); now time per key should stay flat as the key count doubles.
 * Usage: node --expose-gc dist/perf/parse.js [--max-keys N] [--runs N]
 *
 * Three shapes of file, each built on the shipped 3-site scenario:
 *  - "refs": N valid keys in the `refs:` mapping (a large, correct file: parse succeeds);
 *  - "unknown keys": N stray top-level keys (every one a located problem; 100 are listed);
 *  - "mapping": an import mapping with N unknown keys under one site (the mapping parser).
 * Each figure is the median of --runs parses in one process after one warm-up parse; "µs/key"
 * is that time over N, and "ratio" is it over the smallest N's µs/key (≈ 1 means linear).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../src/scenario/parse.js';
import { parseImportMapping } from '../src/data/import/parse-mapping.js';
import { MAX_YAML_BYTES } from '../src/scenario/yaml-source.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const maxKeys = arg('max-keys', 80_000);
const runs = Math.max(1, arg('runs', 3));
const base = readFileSync(fileURLToPath(new URL('../../scenarios/alzheimers-3site.yaml', import.meta.url)), 'utf8');

const shapes: Record<string, { build: (n: number) => string; parse: (text: string) => void }> = {
  refs: {
    build: (n) => base.replace(/^refs:\n/m, `refs:\n${Array.from({ length: n }, (_, i) => `  key${i}: "source ${i}"`).join('\n')}\n`),
    parse: (text) => void parseScenario(text, 'refs.yaml'),
  },
  'unknown keys': {
    build: (n) => `${base}\n${Array.from({ length: n }, (_, i) => `extra${i}: ${i}`).join('\n')}\n`,
    parse: (text) => {
      try {
        parseScenario(text, 'unknown.yaml');
      } catch {
        // Expected: every stray key is a problem.
      }
    },
  },
  mapping: {
    build: (n) =>
      [
        'name: perf',
        'sites:',
        '  - id: a',
        '    file: a.csv',
        ...Array.from({ length: n }, (_, i) => `    stray${i}: ${i}`),
        'label: { column: y, positive: [1] }',
        'features: { x: { column: x } }',
        '',
      ].join('\n'),
    parse: (text) => {
      try {
        parseImportMapping(text, '/tmp/perf-mapping.yaml');
      } catch {
        // Expected: stray keys.
      }
    },
  },
};

const gc = (globalThis as { gc?: () => void }).gc;
const sizes: number[] = [];
for (let n = 10_000; n <= maxKeys; n *= 2) sizes.push(n);

console.log(`YAML size cap: ${MAX_YAML_BYTES} bytes; median of ${runs} runs${gc ? '' : ' (run with --expose-gc for steadier figures)'}`);
for (const [name, shape] of Object.entries(shapes)) {
  shape.parse(shape.build(1000));
  let first: number | undefined;
  for (const n of sizes) {
    const text = shape.build(n);
    const times: number[] = [];
    let heap = 0;
    for (let r = 0; r < runs; r++) {
      gc?.();
      const before = process.memoryUsage().heapUsed;
      const started = process.hrtime.bigint();
      shape.parse(text);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      heap = Math.max(heap, process.memoryUsage().heapUsed - before);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const perKey = (ms * 1000) / n;
    first ??= perKey;
    console.log(
      `${name.padEnd(13)} ${String(n).padStart(7)} keys  ${(text.length / 1e6).toFixed(2)} MB  ${ms.toFixed(0).padStart(6)} ms  ` +
        `${perKey.toFixed(1).padStart(6)} µs/key  ratio ${(perKey / first).toFixed(2)}  heap +${(heap / 1e6).toFixed(0)} MB`,
    );
  }
}
