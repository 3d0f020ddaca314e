/**
 * The CLI program: commands and the only try/catch that maps errors to exit codes.
 * Commands parse flags and call the library; the library never prints or exits.
 */
import type { Command } from 'commander';
import { baseProgram, runProgram } from './run-program.js';
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
  const program = baseProgram();
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

export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}

