/**
 * The experiment plan as text (`fedage bench --dry-run`): one line per arm with its trainer,
 * rounds and steps, and for DP arms σ, q per site, δ and the ε target or budget. Reads the
 * plain-data plan only (bench/arm-plan.ts); nothing here trains.
 */
import { privacyArmNotes } from '../bench/privacy-arm-notes.js';
import type { ArmPlan, SitePlanInput } from '../bench/arm-plan.js';
import type { BenchConfig } from '../bench/config.js';

const num = (v: number): string => (Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString());

function optimizerText(o: { kind: string; learningRate: number; momentum?: number }): string {
  return `${o.kind} lr ${num(o.learningRate)}${o.momentum ? ` momentum ${num(o.momentum)}` : ''}`;
}

function trainerText(plan: ArmPlan): string {
  const t = plan.trainer;
  if (t.kind === 'strategy') {
    const local = t.localSteps !== undefined ? `${t.localSteps} local steps` : `${t.localEpochs} local epoch${t.localEpochs === 1 ? '' : 's'}`;
    const settings = Object.entries(t.strategy)
      .filter(([k]) => k !== 'name')
      .map(([k, v]) => `${k} ${num(v as number)}`);
    const steps = t.clients.map((c) => `${c.id} ${c.stepsPerRound}`).join(', ');
    return [
      `${t.strategy.name}${settings.length > 0 ? ` (${settings.join(', ')})` : ''}: ${t.rounds} rounds × ${local}, batch ${t.batchSize}, ${optimizerText(t.clientOptimizer)}`,
      `${t.clients.length} sites, fraction ${num(t.clientFraction)} per round (${t.clientSampling}); steps per round: ${steps}`,
    ].join('\n    ');
  }
  const data = t.kind === 'pooled' ? `pooled data (${t.rows} rows)` : `site ${t.site} alone (${t.rows} rows)`;
  const budget = t.steps !== undefined ? `${t.steps} steps` : `${t.epochs} epoch${t.epochs === 1 ? '' : 's'}`;
  return `${data}: ${budget} = ${t.plannedSteps} steps, batch ${t.batchSize}, ${optimizerText(t.optimizer)}`;
}

function privacyText(plan: ArmPlan): string | null {
  const p = plan.privacy;
  if (!p) return null;
  const target = p.targetEpsilon !== null ? `ε target ${num(p.targetEpsilon)}` : 'σ fixed';
  const budget = p.budget !== null ? `, budget ε ≤ ${num(p.budget)}` : ', no ε cap';
  const rates = Object.entries(p.sites)
    .map(([id, s]) => `${id} q = ${num(s.sampleRate)} × ${s.plannedSteps} ${p.unit}`)
    .join('; ');
  const stop = p.stepsWithinBudget !== undefined && p.stepsWithinBudget < Object.values(p.sites)[0].plannedSteps ? `; stops after ${p.stepsWithinBudget} steps (budget)` : '';
  const client = p.level === 'client' ? `; expected ${num(p.expectedClientsPerRound ?? 0)} sites per round${p.adaptiveClipping ? ', adaptive clipping' : ''}` : '';
  return `DP ${p.level} level: σ = ${num(p.noiseMultiplier)}, clip ${num(p.clipNorm)}, δ = ${p.delta}, ${target}${budget}; ${rates}${stop}${client}`;
}

function wrapperText(plan: ArmPlan): string[] {
  const out: string[] = [];
  if (plan.compression) out.push(`compression ${plan.compression.spec} (${plan.compression.kind}): each site's update Δ sent as an encoded message`);
  const s = plan.secureAggregation;
  if (s?.kind === 'masking') {
    const graph = s.graph === 'complete' ? 'complete graph (SecAgg)' : `k-regular graph (SecAgg+)${s.numShares !== null ? `, numShares ${num(s.numShares)}` : ''}`;
    out.push(
      `secure aggregation: masking, ${graph}, reconstructionThreshold ${num(s.reconstructionThreshold)}, clippingRange ${num(s.clippingRange)}, quantizationRange 2^${num(Math.log2(s.quantizationRange))}, modulusRange 2^${num(Math.log2(s.modulusRange))}, maxWeight ${num(s.maxWeight)}, dropout probability ${num(s.dropoutProbability)} per round`,
    );
  } else if (s) {
    out.push(`secure aggregation: ckks (node-seal), sum released to ${s.release === 'server' ? 'the server' : 'sites only'}, maxWeight ${num(s.maxWeight)}, dropout probability ${num(s.dropoutProbability)} per round`);
  }
  return out;
}

/** The plan of a run, as `fedage bench --dry-run` prints it. */
export function planText(input: { config: BenchConfig; sites: readonly SitePlanInput[]; plans: readonly ArmPlan[]; name?: string }): string {
  const { config, sites, plans } = input;
  const lines: string[] = [];
  lines.push(`plan${input.name ? ` for "${input.name}"` : ''}: ${plans.length} arms × ${config.seeds.length} seeds (${config.seeds.join(', ')}), model ${config.model.kind}, backend ${config.model.backend}`);
  lines.push(`training rows per site: ${sites.map((s) => `${s.id} ${s.trainRows}`).join(', ')}`);
  if (config.privacy) {
    const p = config.privacy;
    lines.push(`privacy: ${p.level} level, δ = ${p.delta} (${p.deltaRule ?? ''}), ${p.noiseSeed === null ? 'secure noise' : `seeded noise ${p.noiseSeed} (NOT secure)`}`);
    for (const note of privacyArmNotes(config)) lines.push(`note: ${note}`);
    const pre = p.preprocessing;
    if (pre && pre.noiseMultiplier !== null) {
      lines.push(`  preprocessing statistics: Gaussian release, σ = ${num(pre.noiseMultiplier)}${pre.targetEpsilon !== null ? ` (ε ${num(pre.targetEpsilon)} alone)` : ''}, composed into every site's ε`);
    }
  }
  for (const plan of plans) {
    lines.push(`  ${plan.name} [${plan.family}]`);
    lines.push(`    ${trainerText(plan)}`);
    const dp = privacyText(plan);
    if (dp) lines.push(`    ${dp}`);
    for (const w of wrapperText(plan)) lines.push(`    ${w}`);
  }
  lines.push('dry run: nothing was trained');
  return `${lines.join('\n')}\n`;
}
