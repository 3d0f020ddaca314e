/** `fedage audit <scenario | data-dir>`: membership inference and reconstruction against planned arms, ε̂ beside the accountant's ε. */
import type { Command } from 'commander';
import { GateFailed, UsageError } from '../errors.js';
import { resolveScenarioInput } from '../scenario/resolve-scenario.js';
import { evaluateAuditGates, parseAuditGate } from '../audit/audit-gate.js';
import type { AuditResult } from '../audit/types.js';
import type { AuditOverrides } from '../audit/config.js';
import { auditMarkdown } from '../report/audit-markdown.js';
import { benchOverrides, type BenchCommandOptions } from './bench.js';

export interface AuditCommandOptions extends BenchCommandOptions {
  canaries?: string;
  crafted?: string;
  sites?: string;
  runs?: string;
  shadowModels?: string;
}

function count(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < min || v > max) throw new UsageError(`${flag}: expected an integer between ${min} and ${max}, found "${text}"`);
  return v;
}

/** Arm names as planned (fedavg+dp(eps=1), local:site-a) → the bench arm kinds that plan them. */
export function armKinds(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.split('+')[0].split(':')[0]))];
}

export function auditOverrides(o: AuditCommandOptions): AuditOverrides {
  const list = (t: string | undefined) => t?.split(',').map((s) => s.trim()).filter(Boolean);
  const out: AuditOverrides = {
    arms: list(o.arms),
    canaries: count('--canaries', o.canaries, 4, 100_000),
    craftedCanaries: count('--crafted', o.crafted, 0, 10_000),
    sites: list(o.sites),
    multiRun: count('--runs', o.runs, 0, 100_000),
    shadowModels: count('--shadow-models', o.shadowModels, 2, 256),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as AuditOverrides;
}

/** Exit 3 on a violated guarantee or a failed gate; the message names the arm, both ε and the canary counts. */
export function auditFailure(result: AuditResult): GateFailed | null {
  const failed = result.gates.filter((g) => !g.passed);
  if (result.violations.length === 0 && failed.length === 0) return null;
  const parts: string[] = [];
  if (result.violations.length > 0) parts.push(`privacy audit: ${result.violations.length} arm${result.violations.length === 1 ? '' : 's'} with an audited ε̂ above the accountant's ε:\n${result.violations.map((v) => `  ${v.message}`).join('\n')}`);
  if (failed.length > 0) parts.push(`${failed.length} of ${result.gates.length} audit gate${result.gates.length === 1 ? '' : 's'} failed:\n${failed.map((g) => `  ${g.message}`).join('\n')}`);
  return new GateFailed(parts.join('\n'));
}

export async function auditCommand(input: string, o: AuditCommandOptions): Promise<void> {
  const gates = (o.gate ?? []).map(parseAuditGate);
  const audit = auditOverrides(o);
  // --arms names audited arms; the bench plans the kinds they come from.
  const overrides = benchOverrides({ ...o, arms: audit.arms ? armKinds(audit.arms).join(',') : undefined, gate: undefined });
  // Loaded on use: the audit pulls in the whole bench (~0.9 s of CPU at start-up otherwise, issue 19).
  const [{ loadBenchConfig }, { runAudit }, { auditJson, beginAuditOutput, writeAuditOutputs }] = await Promise.all([
    import('../scenario/parse.js'),
    import('../audit/run-audit.js'),
    import('../report/audit-outputs.js'),
  ]);
  const settings = o.config ? await loadBenchConfig(o.config) : undefined;
  const tx = o.out ? beginAuditOutput(o.out, o.force ?? false) : undefined;
  const started = performance.now();
  let result: AuditResult;
  try {
    result = await runAudit(resolveScenarioInput(input), { settings, overrides, audit });
    result.gates = evaluateAuditGates(gates, result);
    if (tx) {
      await writeAuditOutputs(tx.dir, result);
      tx.commit();
    }
  } catch (error) {
    tx?.abort();
    throw error;
  }
  process.stdout.write(o.json ? auditJson(result) : auditMarkdown(result));
  process.stderr.write(`audit: ${result.arms.length} arm audits in ${((performance.now() - started) / 1000).toFixed(1)} s${o.out ? `; wrote ${o.out}/results.json, results.md, report.html` : ''}\n`);
  const failure = auditFailure(result);
  if (failure) throw failure;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("privacy audit: canaries, membership inference (loss, LiRA, white-box), record reconstruction; the empirical ε lower bound beside the accountant's ε (exit 3 when it is exceeded)")
    .argument('<input>', 'a scenario YAML or a data directory')
    .option('-o, --out <dir>', 'write results.json, results.md and report.html here')
    .option('-f, --force', 'overwrite existing output files')
    .option('-c, --config <file>', 'settings YAML with `bench:` (and its `audit:`) and `privacy:` sections')
    .option('--arms <list>', 'arms to audit: planned names (fedavg,fedavg+dp(eps=1)) or prefixes (fedavg: fedavg and its DP twins)')
    .option('--canaries <n>', 'natural + mislabelled canaries per audited site (default 1000)')
    .option('--crafted <n>', 'crafted (ClipBKD-style) canaries, at most the feature count (default: the feature count)')
    .option('--sites <list>', 'sites that receive canaries (default: the site with the fewest training rows)')
    .option('--runs <n>', 'training runs of the multi-run audit per arm (default 0: off)')
    .option('--shadow-models <n>', 'offline LiRA shadow models (default 8)')
    .option('--seeds <n|list>', 'the audit trains on the first seed')
    .option('--model <kind>', 'logistic or mlp')
    .option('--rounds <n>', 'federated rounds')
    .option('--local-epochs <n>', 'local epochs per round')
    .option('--local-steps <n>', 'local minibatch steps per round')
    .option('--batch-size <n>', 'minibatch size')
    .option('--lr <x>', 'learning rate of every arm')
    .option('--dp-level <level>', 'add DP arms: sample or client')
    .option('--epsilons <list>', 'target ε per DP arm, e.g. 1,5')
    .option('--noise-multiplier <sigma>', 'fixed σ instead of calibrating')
    .option('--delta <d>', 'δ')
    .option('--clip-norm <c>', 'clip norm')
    .option('--noise-seed <n>', 'seeded, NOT secure DP noise (reproducible audits)')
    .option('--secure-aggregation <kind>', 'add secure-aggregation twins (masking or ckks)')
    .option('--gate <expr>', 'fail (exit 3) unless e.g. "audit.violations == 0"; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'print results.json to stdout instead of the Markdown summary')
    .addHelpText('after', '\nExamples:\n  fedage audit scenarios/alzheimers-3site.yaml --arms fedavg --dp-level sample --epsilons 1,5\n  fedage audit data/ --canaries 200 --out audit-out --gate "audit.violations == 0"')
    .action(async (input: string, o: AuditCommandOptions) => auditCommand(input, o));
}
