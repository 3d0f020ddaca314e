/** `fedage validate <scenario>`: check a scenario and print a one-line summary. */
import type { Command } from 'commander';

export interface ValidateSummary {
  file: string;
  name: string;
  sites: number;
  patients: number;
}

/** Loads the scenario; an invalid one throws InputError, which main.ts reports with exit 2. */
export async function validateCommand(scenarioPath: string): Promise<ValidateSummary> {
  // Loaded on use: start-up pays only for the command that runs (issue 19).
  const { loadScenario } = await import('../scenario/parse.js');
  const scenario = await loadScenario(scenarioPath);
  return {
    file: scenarioPath,
    name: scenario.name,
    sites: scenario.sites.length,
    patients: scenario.sites.reduce((total, site) => total + site.patients, 0),
  };
}

export function formatValidateSummary(summary: ValidateSummary): string {
  const sites = `${summary.sites} site${summary.sites === 1 ? '' : 's'}`;
  return `${summary.file}: valid scenario "${summary.name}": ${sites}, ${summary.patients} patients`;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a scenario file (schema, defaults, cross-field rules) and report every problem with file:line:column')
    .argument('<scenario>', 'scenario YAML file')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage validate fixtures/valid/overrides.yaml',
        '  fixtures/valid/overrides.yaml: valid scenario "Two memory clinics": 2 sites, 1400 patients',
        '',
        'Exit codes: 0 valid, 2 invalid or unreadable (each problem is listed on stderr).',
      ].join('\n'),
    )
    .action(async (scenarioPath: string) => {
      const summary = await validateCommand(scenarioPath);
      process.stdout.write(`${formatValidateSummary(summary)}\n`);
    });
}
