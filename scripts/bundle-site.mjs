// Bundles `fedage site` into one file, dist/src/site-bundle.mjs (run by `npm run build` after tsc).
// A federation starts one site process per hospital at once; loading one file instead of ~170
// modules halves a site's start-up (issue 16). bin/fedage.js runs the bundle for `fedage site`
// when it exists and the unbundled modules otherwise; both are the same code (a test compares them).
// It sits next to dist/src/version.js so that paths resolved from import.meta.url (package.json,
// proto/) are found the same way from the bundle as from the modules.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/site-entry.js'],
  outfile: 'dist/src/site-bundle.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (grpc-js, protobufjs) call require(); ESM has none of its own.
  banner: { js: "import { createRequire as __fedageCreateRequire } from 'node:module'; const require = __fedageCreateRequire(import.meta.url);" },
  // CKKS (node-seal: 1.7 MB, its WebAssembly inlined) is loaded on use only, and a site never
  // uses it (distributed runs refuse CKKS): kept out, it would be half the bundle's parse time.
  external: ['node-seal'],
  logLevel: 'warning',
});
