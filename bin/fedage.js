#!/usr/bin/env node
// fedage runs from esbuild bundles when the build made them: `fedage site` from one file
// (scripts/bundle-site.mjs: a federation starts every site at once), every other command from
// dist/src/cli-bundle/ (scripts/bundle-cli.mjs); loading a few bundled files instead of hundreds
// of modules takes ~0.2 s off each start. Without them, or when tsc compiled the modules again
// after the bundle was made (a bundle older than the modules is stale), the compiled modules run.
import { statSync } from 'node:fs';

const modules = new URL('../dist/src/cli/main.js', import.meta.url);
const bundle = new URL(process.argv[2] === 'site' ? '../dist/src/site-bundle.mjs' : '../dist/src/cli-bundle/main.js', import.meta.url);
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? Number.NaN;
await import(mtime(bundle) >= mtime(modules) ? bundle.href : modules.href);
