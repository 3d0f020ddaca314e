/**
 * Conventions every command shares, in one place so new commands get them by registering:
 *  - one error prefix: Commander's own parser errors ("error: unknown option ...") are printed as
 *    "fedage: unknown option ...", the prefix of every domain error (program.ts);
 *  - a repeated flag is an error (Commander would silently keep the last value), except flags
 *    whose help says "repeatable" (e.g. bench --gate);
 *  - a command that needs a subcommand (bare `fedage`, `fedage privacy`) prints its help on
 *    stderr and exits 2.
 */
import type { Command, Option } from 'commander';
import { UsageError } from '../errors.js';

/** "error: unknown option '--x'" → "fedage: unknown option '--x'". */
export function prefixParserError(text: string): string {
  return text.replace(/^error: /, 'fedage: ');
}

/** Must run before subcommands are added: they copy the output configuration when created. */
export function configureErrorOutput(program: Command): void {
  program.configureOutput({ outputError: (text, write) => write(prefixParserError(text)) });
}

export const isRepeatable = (o: Option): boolean => /\brepeatable\b/.test(o.description ?? '');

/**
 * The options given more than once in `args` (the arguments after the command's name), by flag;
 * values of options that take one are skipped, and nothing after `--` counts.
 */
export function repeatedOptions(cmd: Command, args: readonly string[]): string[] {
  const options = [...cmd.options, ...(cmd.parent ? cmd.parent.options : [])];
  const byFlag = new Map<string, Option>();
  for (const o of options) {
    if (o.long) byFlag.set(o.long, o);
    if (o.short) byFlag.set(o.short, o);
  }
  const counts = new Map<Option, number>();
  for (let k = 0; k < args.length; k++) {
    const token = args[k];
    if (token === '--') break;
    if (!token.startsWith('-') || token === '-') continue;
    const [flag, inline] = token.startsWith('--') ? [token.split('=')[0], token.includes('=')] : [token.slice(0, 2), token.length > 2];
    const o = byFlag.get(flag);
    if (!o) continue;
    counts.set(o, (counts.get(o) ?? 0) + 1);
    if (o.required && !inline) k++;
  }
  return [...counts].filter(([o, n]) => n > 1 && !isRepeatable(o)).map(([o]) => o.long ?? o.short ?? o.flags);
}

/** A preAction hook: refuses a repeated flag before the command runs. */
export function refuseRepeatedFlags(program: Command): void {
  program.hook('preAction', (_root, action) => {
    const raw = (program as unknown as { rawArgs?: string[] }).rawArgs ?? [];
    const path: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) path.unshift(c.name());
    // The arguments after the last command name of the path (`fedage privacy noise ...`).
    let at = 2;
    for (const name of path) {
      const i = raw.indexOf(name, at);
      if (i >= 0) at = i + 1;
    }
    const repeated = repeatedOptions(action, raw.slice(at));
    if (repeated.length > 0) {
      throw new UsageError(`${repeated.join(', ')}: given more than once; give ${repeated.length === 1 ? 'it' : 'each'} once (only flags marked "repeatable" in --help may repeat)`);
    }
  });
}

/** Help on stderr and exit 2 for a command that did nothing (no subcommand given). */
export function missingSubcommand(cmd: Command, expected: string): never {
  process.stderr.write(cmd.helpInformation());
  const name = cmd.parent ? `${cmd.name()}: ` : '';
  throw new UsageError(`${name}expected a ${expected}, found none (see fedage${cmd.parent ? ` ${cmd.name()}` : ''} --help)`);
}
