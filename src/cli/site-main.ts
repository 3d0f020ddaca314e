/**
 * `fedage site` without the rest of the program: a federation starts one site process per
 * hospital, and each loads only the site command and what it needs (no scenario schemas, bench
 * planning, report or X.509 issuing), which is most of a site's start-up time.
 */
import { baseProgram, runProgram } from './run-program.js';
import { registerSite } from './site-command.js';

export async function siteMain(argv: string[]): Promise<number> {
  const program = baseProgram();
  registerSite(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return runProgram(program, argv);
}
