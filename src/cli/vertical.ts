/** `fedage vertical <scenario>`: private set intersection, then vertical federated training and the label-leakage attacks. */
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { FORCE_FLAG, MAX_SCALE, parseScale } from './flags.js';
import { QUIET_FLAG, createProgress } from './progress.js';
import { UsageError } from '../errors.js';
import { resolveScenarioInput } from '../scenario/resolve-scenario.js';

export interface VerticalCommandOptions {
  out?: string;
  force?: boolean;
  seed?: string;
  scale?: string;
  epochs?: string;
  encryption?: string;
  keyBits?: string;
  json?: boolean;
  quiet?: boolean;
}

function intIn(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`${flag}: expected an integer between ${min} and ${max}, found "${text}"`);
  return v;
}

export async function verticalCommand(input: string, o: VerticalCommandOptions, argv?: string[]): Promise<void> {
  const [{ loadScenario }, { runVertical }, { beginVerticalOutput, verticalResultsJson, writeVerticalOutputs }, { verticalMarkdown }] = await Promise.all([
    import('../scenario/parse.js'),
    import('../vertical/run-vertical.js'),
    import('../report/vertical-outputs.js'),
    import('../report/vertical-text.js'),
  ]);
  const seed = intIn('--seed', o.seed, 0, 2 ** 32 - 1);
  const scale = parseScale(o.scale);
  const epochs = intIn('--epochs', o.epochs, 1, 10_000);
  const keyBits = intIn('--key-bits', o.keyBits, 512, 8192);
  if (keyBits !== undefined && keyBits % 256 !== 0) throw new UsageError(`--key-bits: expected a multiple of 256, found "${o.keyBits}"`);
  if (o.encryption !== undefined && o.encryption !== 'paillier' && o.encryption !== 'masked') throw new UsageError(`--encryption: expected paillier or masked, found "${o.encryption}"`);
  const { isVerticalDirectory } = await import('../vertical/load-vertical.js');
  const { DEFAULT_VERTICAL_TRAINING } = await import('../scenario/vertical-schema.js');
  const isDir = existsSync(input) && statSync(input).isDirectory();
  if (isDir && !(await isVerticalDirectory(input))) {
    throw new UsageError(`${input}: expected a vertical data directory (\`fedage generate\` of a vertical scenario) or a vertical scenario, found a directory without a vertical manifest`);
  }
  if (isDir && scale !== undefined) throw new UsageError('--scale applies to a scenario, not to a data directory (its size is fixed)');
  const scenario = isDir ? null : await loadScenario(input);
  if (scenario && !scenario.vertical) {
    throw new UsageError(`${resolveScenarioInput(input)} has no \`vertical:\` section: it describes hospitals holding different patients (horizontal); run it with \`fedage bench ${input}\``);
  }
  // Lock, writability probe and staging directory before any work.
  const tx = o.out ? beginVerticalOutput(o.out, o.force ?? false) : undefined;
  const progress = createProgress('vertical', { quiet: o.quiet });
  const started = performance.now();
  let run;
  try {
    run = await runVertical(scenario ?? { directory: input, training: DEFAULT_VERTICAL_TRAINING }, {
      seed,
      scale,
      epochs,
      keyBits,
      encryption: o.encryption as 'paillier' | 'masked' | undefined,
      onProgress: (e) => progress.update({ done: e.done ?? 0, total: e.total ?? 0, detail: e.detail, phase: e.phase === 'train' ? e.detail.replace(/ epoch \d+$/, '') : e.detail, counted: false }),
    });
  } catch (error) {
    tx?.abort();
    throw error;
  } finally {
    progress.stop();
  }
  const { result, timings } = run;
  if (argv) result.argv = argv;
  if (tx) {
    try {
      writeVerticalOutputs(tx.dir, result);
      tx.commit();
    } catch (error) {
      tx.abort();
      throw error;
    }
  }
  process.stdout.write(o.json ? verticalResultsJson(result) : verticalMarkdown(result));
  if (!o.quiet) {
    const s = (ms: number) => (ms / 1000).toFixed(1);
    const train = Object.values(timings.armsMs).reduce((a, b) => a + b, 0);
    process.stderr.write(
      `vertical: generate ${s(timings.generateMs)} s, PSI ${s(timings.psiMs)} s, training ${s(train)} s, total ${s(performance.now() - started)} s${o.out ? `; wrote ${o.out}/results.json, results.md, report.html` : ''}\n`,
    );
  }
}

function userArgs(cmd: Command): string[] | undefined {
  const raw = (cmd.parent as unknown as { rawArgs?: unknown } | null)?.rawArgs;
  return Array.isArray(raw) && raw.length >= 2 ? raw.slice(2).map(String) : undefined;
}

export function registerVertical(program: Command): void {
  program
    .command('vertical')
    .description('vertical federated learning on a scenario with a `vertical:` section: private set intersection, split learning, vertical logistic regression, label leakage')
    .argument('<scenario>', 'scenario YAML file (or shipped scenario name) with a `vertical:` section, or a vertical data directory from `fedage generate`')
    .option('-o, --out <dir>', 'write results.json, results.md and report.html into this directory')
    .option(...FORCE_FLAG)
    .option('--seed <n>', 'override the scenario seed (integer 0..4294967295)')
    .option('--scale <f>', `multiply the population size by f, at most ${MAX_SCALE}`)
    .option('--epochs <n>', 'training epochs (default: vertical.training.epochs, 10)')
    .option('--encryption <kind>', 'vertical logistic regression: paillier or masked (default: vertical.training.encryption)')
    .option('--key-bits <n>', 'Paillier modulus bits, a multiple of 256 (default: vertical.training.keyBits, 2048)')
    .option('--json', 'print results.json instead of the Markdown summary')
    .option(...QUIET_FLAG)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage vertical vertical-4party --scale 0.2 --encryption masked',
        '  $ fedage vertical scenarios/vertical-4party.yaml --out results/ --force',
        '  $ fedage generate vertical-4party --out parties/ && fedage vertical parties/ --encryption masked',
        '',
        'Steps: generate the parties\' tables (as `fedage generate` writes them), align them by ECDH private set',
        'intersection with X25519 (only the label holder learns the intersection), preprocess each party\'s',
        'columns on its own training rows, train central / label-holder / split-learning / vertical-LR arms,',
        'and attack split learning\'s returned gradients for the labels (Li et al. 2022), with a noise defence.',
        'Exit codes: 0 ok, 2 invalid input or existing output without --force.',
      ].join('\n'),
    )
    .action(async (input: string, options: VerticalCommandOptions, cmd: Command) => {
      await verticalCommand(input, options, userArgs(cmd));
    });
}
