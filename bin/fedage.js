#!/usr/bin/env node
// fedage runs from esbuild bundles when the build made them: `fedage site` from one file
// (scripts/bundle-site.mjs: a federation starts every site at once), every other command from
// dist/src/cli-bundle/ (scripts/bundle-cli.mjs); loading a few bundled files instead of hundreds
// of modules takes ~0.2 s off each start. Without them, the compiled modules run: the same code.
import { existsSync } from 'node:fs';

const bundle = new URL(process.argv[2] === 'site' ? '../dist/src/site-bundle.mjs' : '../dist/src/cli-bundle/main.js', import.meta.url);
await import(existsSync(bundle) ? bundle.href : '../dist/src/cli/main.js');
