/** `fedage schema [--out FILE] [--force]`: print or write the scenario JSON Schema. */
import type { Command } from 'commander';
import { FORCE_FLAG } from './flags.js';

export interface SchemaOptions {
  out?: string;
  force?: boolean;
}

/** Returns the schema text when it should go to stdout, or undefined once it is written to a file. */
export async function schemaCommand(options: SchemaOptions): Promise<string | undefined> {
  // Loaded on use: start-up pays only for the command that runs (issue 19).
  const { scenarioJsonSchemaText, writeScenarioJsonSchema } = await import('../scenario/json-schema.js');
  if (options.out === undefined) return scenarioJsonSchemaText();
  await writeScenarioJsonSchema(options.out, { overwrite: options.force === true });
  return undefined;
}

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editor completion and checks)')
    .option('-o, --out <file>', 'write the schema to FILE (atomically) instead of stdout')
    .option(...FORCE_FLAG)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage schema --out scenario.schema.json',
        '  then start a scenario with: # yaml-language-server: $schema=./scenario.schema.json',
      ].join('\n'),
    )
    .action(async (options: SchemaOptions) => {
      const text = await schemaCommand(options);
      if (text !== undefined) process.stdout.write(text);
    });
}
