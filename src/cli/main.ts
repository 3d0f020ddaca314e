/** The CLI entry point (bin/fedage.js): runs the program and sets the exit code. */
import { runInterruptCleanups } from '../cleanup.js';
import { FEDAGE_VERSION } from '../version.js';

// SIGINT/SIGTERM/SIGHUP: remove staging directories and release locks (output-transaction.ts),
// then exit as the signal would (128 + its number).
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
  process.on(signal, () => {
    const undone = runInterruptCleanups();
    process.stderr.write(`fedage: interrupted (${signal})${undone > 0 ? '; partial output removed, previous output left as it was' : ''}\n`);
    process.exit(128 + number);
  });
}

// `fedage schema | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// `fedage --version` answers before the program and its command modules load (zod, apache-arrow,
// faker, tfjs glue: ~0.9 s of CPU at start-up, issue 19); Commander prints the same line.
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
