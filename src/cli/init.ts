/** `fedage init [--from NAME] FILE`: a commented starter scenario for one's own consortium. */
import type { Command } from 'commander';
import { FORCE_FLAG } from './flags.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented starter scenario for your own consortium (a two-site template, or a copy of a shipped scenario)')
    .argument('<file>', 'scenario YAML file to write')
    .option('--from <name>', 'start from a shipped scenario (see `fedage scenarios`)')
    .option(...FORCE_FLAG)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage init my-consortium.yaml',
        '  $ fedage init --from alzheimers-3site my-consortium.yaml',
        '',
        'The file written is a valid scenario (it is checked before writing). Exit codes: 0 ok, 2 file exists (without --force) or unknown --from name.',
      ].join('\n'),
    )
    .action(async (file: string, o: { from?: string; force?: boolean }) => {
      // Loaded on use: start-up pays only for the command that runs (issue 19).
      const { initScenario } = await import('../scenario/init-scenario.js');
      const r = await initScenario(file, { from: o.from, force: o.force });
      const s = r.scenario;
      const patients = s.sites.reduce((a, site) => a + site.patients, 0);
      process.stdout.write(
        `wrote ${file}: scenario "${s.name}"${r.from ? ` (from ${r.from})` : ''}, ${s.sites.length} site${s.sites.length === 1 ? '' : 's'}, ${patients} patients; next: fedage validate ${file}\n`,
      );
    });
}
