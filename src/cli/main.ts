/** The CLI entry point (bin/fedage.js): runs the program and sets the exit code. */
import { FEDAGE_VERSION } from '../version.js';
import { installProcessHandlers } from './process-handlers.js';

installProcessHandlers();

// `fedage --version` answers before the program and its command modules load (zod, apache-arrow,
// tfjs glue: ~0.9 s of CPU at start-up unbundled, issue 19); Commander prints the same line.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${FEDAGE_VERSION}\n`);
  process.exitCode = 0;
} else if (args[0] === 'site') {
  // Site processes start in parallel, one per hospital: only the site command's modules load.
  const { siteMain } = await import('./site-main.js');
  process.exitCode = await siteMain(process.argv);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(process.argv);
}
