// Bundles the fedage CLI into dist/src/cli-bundle/ (run by `npm run build` after tsc): main.js and
// the chunks each command imports on use (esbuild code splitting keeps the CLI's lazy imports
// lazy). Loading a few bundled chunks instead of hundreds of modules (apache-arrow alone is ~200
// files) takes ~0.2 s off every command's start-up, and ~0.3 s off a worker thread's (issue 19). bin/fedage.js runs the bundle when
// it exists and dist/src/cli/main.js otherwise; both are the same code (a test compares them).
// Files the code reads from the package are found from its root (src/package-root.ts), and
// worker threads start from the unbundled dist/src modules, so the bundle's depth does not matter.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist/src/cli-bundle', import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The CLI, and the worker threads' entry modules (src/package-root.ts compiledModuleUrl starts
  // these when the CLI runs from the bundle): flat names, so a worker is cli-bundle/<its file name>.
  entryPoints: ['dist/src/cli/main.js', 'dist/src/bench/seed-worker.js', 'dist/src/data/generate-worker.js', 'dist/src/analysis/valuation-worker.js', 'dist/src/vertical/psi-worker.js'],
  entryNames: '[name]',
  outdir: 'dist/src/cli-bundle',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (commander, cli-progress, grpc-js) call require(); ESM has none of its own.
  banner: { js: "import { createRequire as __fedageCreateRequire } from 'node:module'; const require = __fedageCreateRequire(import.meta.url);" },
  // Loaded on use from node_modules: node-seal (1.7 MB of inlined WebAssembly), parquet-wasm
  // (reads its .wasm file next to its own module) and tfjs (the optional backend, whose native
  // variant may or may not be installed).
  external: ['node-seal', 'parquet-wasm', '@tensorflow/tfjs', '@tensorflow/tfjs-node'],
  logLevel: 'warning',
});
