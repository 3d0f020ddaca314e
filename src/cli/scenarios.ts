/** `fedage scenarios`: the shipped scenarios, one line each; any command accepts their names. */
import type { Command } from 'commander';
import type { ShippedScenario } from '../scenario/shipped-scenarios.js';

export function formatScenarioList(list: ShippedScenario[]): string {
  const header = ['NAME', 'SITES', 'PATIENTS', 'TARGET', 'DESCRIPTION'];
  const rows = list.map((s) => [s.name, String(s.sites), String(s.patients), s.target, s.description]);
  const width = (k: number) => Math.max(header[k].length, ...rows.map((r) => r[k].length));
  const line = (r: string[]) =>
    [r[0].padEnd(width(0)), r[1].padStart(width(1)), r[2].padStart(width(2)), r[3].padEnd(width(3)), r[4]].join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function registerScenarios(program: Command): void {
  program
    .command('scenarios')
    .description('list the shipped scenarios (name, sites, patients, target, description); every command accepts a name where it takes a scenario path')
    .option('--json', 'print the list as JSON')
    .addHelpText(
      'after',
      ['', 'Examples:', '  $ fedage scenarios', '  $ fedage bench alzheimers-3site', '  $ fedage init --from frailty-dp my-consortium.yaml'].join('\n'),
    )
    .action(async (o: { json?: boolean }) => {
      // Loaded on use: start-up pays only for the command that runs (issue 19).
      const { listShippedScenarios } = await import('../scenario/shipped-scenarios.js');
      const list = await listShippedScenarios();
      process.stdout.write(o.json ? `${JSON.stringify(list, null, 2)}\n` : `${formatScenarioList(list)}\n`);
    });
}
