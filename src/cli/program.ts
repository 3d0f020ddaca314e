/**
 * The CLI program: commands and the only try/catch that maps errors to exit codes.
 * Commands parse flags and call the library; the library never prints or exits.
 */
import { Command, CommanderError } from 'commander';
import { FedageError, EXIT_INPUT, EXIT_INTERNAL, asEnvironmentError } from '../errors.js';
import { FEDAGE_VERSION } from '../version.js';
import { configureErrorOutput, missingSubcommand, refuseRepeatedFlags } from './cli-conventions.js';
import { registerValidate } from './validate.js';
import { registerSchema } from './schema.js';
import { registerGenerate } from './generate.js';
import { registerInspect } from './inspect.js';
import { registerBench } from './bench.js';
import { registerAudit } from './audit.js';
import { registerPrivacy } from './privacy.js';
import { registerImport } from './import.js';
import { registerReport } from './report.js';
import { registerScenarios } from './scenarios.js';
import { registerInit } from './init.js';
import { registerExport } from './export.js';
import { registerFederation } from './federation.js';
import { registerVertical } from './vertical.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('fedage')
    .description('Plan federated, differentially private ML on multi-hospital clinical aging data.')
    .version(FEDAGE_VERSION, '-V, --version')
    .option('--debug', 'print stack traces with error messages (for bug reports)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  configureErrorOutput(program);
  refuseRepeatedFlags(program);
  registerScenarios(program);
  registerInit(program);
  registerValidate(program);
  registerGenerate(program);
  registerInspect(program);
  registerImport(program);
  registerExport(program);
  registerBench(program);
  registerAudit(program);
  registerVertical(program);
  registerPrivacy(program);
  registerReport(program);
  registerSchema(program);
  registerFederation(program);
  // Sub-commands inherit exitOverride so a bad flag is exit 2, never Commander's own exit.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Stack traces only on request: every error a user can cause or fix is one located line. */
function wantsDebug(argv: string[]): boolean {
  return argv.includes('--debug') || process.env.FEDAGE_DEBUG === '1';
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = wantsDebug(argv);
  try {
    // Bare `fedage` (global flags only): help on stderr and exit 2, as `fedage privacy` without a subcommand.
    if (argv.slice(2).every((a) => a === '--debug')) missingSubcommand(program, 'command');
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are successful exits; everything else is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT_INPUT;
    }
    // A file operation the machine refused (full disk, read-only, no permission) that no library
    // call located: still the environment, not a bug; errno errors carry the path.
    const errPath = (err as NodeJS.ErrnoException | null)?.path;
    const located = typeof errPath === 'string' ? asEnvironmentError(err, errPath, 'access') : err;
    if (located instanceof FedageError) {
      process.stderr.write(`fedage: ${located.message}\n`);
      if (debug && (err as Error).stack) process.stderr.write(`${(err as Error).stack}\n`);
      return located.exitCode;
    }
    const e = err as Error;
    if (debug) process.stderr.write(`fedage: internal error: ${e?.stack ?? String(err)}\n`);
    else process.stderr.write(`fedage: internal error: ${e?.message ?? String(err)} (a bug: please report it with the output of the same command run with --debug)\n`);
    return EXIT_INTERNAL;
  }
}

