/**
 * The installed package's root directory (where package.json, scenarios/, schema/, proto/ and
 * dist/ are), found by walking up from this module. Every file the code reads from the package is
 * located from here rather than relative to its own module, because the same code also runs from
 * esbuild bundles (dist/src/cli-bundle/, dist/src/site-bundle.mjs) that sit at other depths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let root: string | null = null;

export function packageRoot(): string {
  if (root !== null) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'fedage') return (root = dir);
      } catch {
        // An unreadable package.json on the way up is not ours.
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`internal: no fedage package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** A path inside the package: `packagePath('scenarios')`, `packagePath('dist', 'src', 'data', 'generate-worker.js')`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/** Whether this code runs from the CLI bundle (scripts/bundle-cli.mjs) rather than dist/src's modules. */
const FROM_CLI_BUNDLE = /[\\/]cli-bundle[\\/][^\\/]+$/.test(fileURLToPath(import.meta.url));

/**
 * A worker thread's entry module (`bench/seed-worker.js`…): from the CLI bundle when this code
 * runs from it (the bundle has each worker as an entry that shares its chunks, and loads in a
 * fraction of the time of the modules), else dist/src/<path>: a worker runs the same build as its
 * parent.
 */
export function workerModuleUrl(pathInSrc: string): URL {
  const parts = pathInSrc.split('/');
  return pathToFileURL(FROM_CLI_BUNDLE ? packagePath('dist', 'src', 'cli-bundle', parts[parts.length - 1]) : packagePath('dist', 'src', ...parts));
}
