#!/usr/bin/env node
// `fedage site` runs from one bundled file when the build made it (scripts/bundle-site.mjs): a
// federation starts every site at once, and one file starts in half the time of ~170 modules.
import { existsSync } from 'node:fs';

const siteBundle = new URL('../dist/src/site-bundle.mjs', import.meta.url);
await import(process.argv[2] === 'site' && existsSync(siteBundle) ? siteBundle.href : '../dist/src/cli/main.js');
