/**
 * What every fedage process sets up before its program runs: signals remove partial output and
 * exit as the signal would, and a closed stdout (`fedage schema | head`) is the reader's choice.
 * Shared by the full CLI (main.ts) and the bundled `fedage site` entry (site-entry.ts).
 */
import { runInterruptCleanups } from '../cleanup.js';

export function installProcessHandlers(): void {
  // SIGINT/SIGTERM/SIGHUP: remove staging directories and release locks (output-transaction.ts),
  // then exit as the signal would (128 + its number).
  for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
    process.on(signal, () => {
      const undone = runInterruptCleanups();
      process.stderr.write(`fedage: interrupted (${signal})${undone > 0 ? '; partial output removed, previous output left as it was' : ''}\n`);
      process.exit(128 + number);
    });
  }
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
