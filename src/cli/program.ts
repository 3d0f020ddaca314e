/**
 * The CLI program: commands and the only try/catch that maps errors to exit codes.
 * Commands parse flags and call the library; the library never prints or exits.
 */
import { Command, CommanderError } from 'commander';
import { FedageError, EXIT_INPUT, EXIT_INTERNAL } from '../errors.js';
import { FEDAGE_VERSION } from '../version.js';
import { registerValidate } from './validate.js';
import { registerSchema } from './schema.js';
import { registerGenerate } from './generate.js';
import { registerInspect } from './inspect.js';
import { registerBench } from './bench.js';
import { registerPrivacy } from './privacy.js';
import { registerImport } from './import.js';
import { registerReport } from './report.js';
import { registerScenarios } from './scenarios.js';
import { registerInit } from './init.js';
import { registerExport } from './export.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('fedage')
    .description('Plan federated, differentially private ML on multi-hospital clinical aging data.')
    .version(FEDAGE_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerScenarios(program);
  registerInit(program);
  registerValidate(program);
  registerGenerate(program);
  registerInspect(program);
  registerImport(program);
  registerExport(program);
  registerBench(program);
  registerPrivacy(program);
  registerReport(program);
  registerSchema(program);
  // Sub-commands inherit exitOverride so a bad flag is exit 2, never Commander's own exit.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are successful exits; everything else is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT_INPUT;
    }
    if (err instanceof FedageError) {
      process.stderr.write(`fedage: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`fedage: internal error: ${e?.stack ?? String(err)}\n`);
    return EXIT_INTERNAL;
  }
}

