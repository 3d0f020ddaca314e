/** The audit as Markdown (stdout of `fedage audit`, results.md of its --out directory). */
import type { AuditResult } from '../audit/types.js';

const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '—' : Number.isFinite(x) ? x.toFixed(digits) : '∞');

export function auditMarkdown(r: AuditResult): string {
  const lines: string[] = [];
  lines.push(`# Privacy audit: ${r.scenarioName} (seed ${r.seed})`, '');
  lines.push(`Canaries per audited site: ${r.config.canaries} drawn (${Math.round(r.config.mislabelledFraction * 100)} % mislabelled) plus crafted ones, each included with probability ½. ε̂: one-run lower bound (Steinke, Nasr & Jagielski 2023, Theorem 3) at ${Math.round((1 - r.config.pValue) * 100)} % confidence from the primary test (crafted canaries, the strongest view the guarantee covers; two guess rules, Bonferroni); exploratory: the max over every other rule, a separate ${Math.round((1 - r.config.pValue) * 100)} % family.`, '');
  lines.push('| arm | site | accountant ε | δ | audited ε̂ | primary test | exploratory ε̂ | violation |', '|---|---|---|---|---|---|---|---|');
  for (const a of r.arms) {
    const b = a.best;
    lines.push(`| ${a.arm} | ${a.site} | ${a.accountantEpsilon === null ? 'no DP' : num(a.accountantEpsilon)} | ${a.delta} | ${num(a.epsilonLowerBound)} | ${b ? `${b.kind}, ${b.score}: ${b.correct}/${b.guesses} right of ${b.canaries}` : '—'} | ${num(a.exploratoryEpsilonLowerBound)} | ${a.violation ? '**YES**' : 'no'} |`);
  }
  lines.push('', '## Membership inference (all canaries)', '', '| arm | site | attack | AUC | TPR @ 0.1 % FPR [95 % CI] | TPR @ 1 % FPR [95 % CI] |', '|---|---|---|---|---|---|');
  for (const a of r.arms) {
    for (const at of a.attacks.filter((x) => x.kind === 'all')) {
      const t = at.metrics.tprAtFpr.map((x) => `${num(x.tpr.estimate)} [${num(x.tpr.lower)}, ${num(x.tpr.upper)}]`);
      lines.push(`| ${a.arm} | ${a.site} | ${at.score} | ${num(at.metrics.auc)} | ${t[0] ?? '—'} | ${t[1] ?? '—'} |`);
    }
  }
  const multi = r.arms.filter((a) => a.multiRun);
  if (multi.length > 0) {
    lines.push('', '## Multi-run audit (Jagielski et al. 2020)', '', '| arm | runs | FP/out | FN/in | ε lower bound |', '|---|---|---|---|---|');
    for (const a of multi) {
      const m = a.multiRun!;
      lines.push(`| ${a.arm} | ${m.runs} | ${m.falsePositives}/${m.outRuns} | ${m.falseNegatives}/${m.inRuns} | ${num(m.epsilonLowerBound)} |`);
    }
  }
  for (const rec of r.reconstruction) {
    lines.push('', `## Reconstruction from one update at ${rec.site} (tolerance ${rec.tolerance} SD)`, '', '| batch | local steps | view | method | features within tolerance | records recovered |', '|---|---|---|---|---|---|');
    for (const c of rec.cells) lines.push(`| ${c.batchSize} | ${c.localSteps} | ${c.view} | ${c.method} | ${(c.fractionWithinTolerance * 100).toFixed(1)} % | ${c.recordsRecovered}/${c.records} |`);
  }
  lines.push('', '## Reading', '', ...r.reading.map((p) => `${p}\n`));
  if (r.violations.length > 0) lines.push('## Violations', '', ...r.violations.map((v) => `- ${v.message}`), '');
  if (r.gates.length > 0) lines.push('## Gates', '', ...r.gates.map((g) => `- ${g.message}`), '');
  if (r.warnings.length > 0) lines.push('## Warnings', '', ...r.warnings.map((w) => `- ${w}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}
