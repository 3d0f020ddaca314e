/**
 * The entry of the one-file `fedage site` bundle (scripts/bundle-site.mjs → dist/src/site-bundle.mjs),
 * which bin/fedage.js runs for `fedage site` when the build made it. A federation starts one site
 * process per hospital at once; resolving and compiling ~170 modules per process was most of the
 * start-up (issue 16: 10 sites joined in 4.3 s against a 3 s target), one file halves it.
 */
import { installProcessHandlers } from './process-handlers.js';
import { siteMain } from './site-main.js';

installProcessHandlers();
process.exitCode = await siteMain(process.argv);
