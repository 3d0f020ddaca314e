/** The CLI entry point (bin/fedage.js): runs the program and sets the exit code. */
import { main } from './program.js';

// `fedage schema | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv);
