/**
 * The Markdown summary (stdout and results.md): arms as rows, AUC and F1 with 95% CIs, paired
 * gaps to central and gains over the best local model, for CI logs and pull requests.
 */
import type { Summary } from '../metrics/summarize.js';
import type { ArmSummary, BenchResult } from '../bench/results.js';
import { armPrivacy, type ReportResult } from './extensions.js';
import { ledgerMarkdown, privacyLedger } from './privacy-ledger.js';
import { privacyScopeMarkdown } from './privacy-scope.js';
import { readerWarnings, untrainedReason } from './reader-warnings.js';
import { transportLines } from './transport.js';

function fmt(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '–' : value.toFixed(digits);
}

function withCi(s: Summary | null | undefined, digits = 3, signed = false): string {
  if (!s) return 'n/a';
  const sign = (v: number) => (signed && v > 0 ? '+' : '');
  const mean = `${sign(s.mean)}${s.mean.toFixed(digits)}`;
  return s.ci95 ? `${mean} [${s.ci95[0].toFixed(digits)}, ${s.ci95[1].toFixed(digits)}]` : mean;
}

export interface HeadlineTable {
  header: string[];
  /** One row per summary arm; `cells[0]` is the arm name; derived rows (best/worst local) are marked. */
  rows: { arm: string; derived: boolean; cells: string[] }[];
}

/**
 * The headline table: arms as rows, AUC and F1 with 95% CIs, gaps, worst site, rounds to target,
 * and ε spent when an arm is differentially private. results.md, stdout and report.html all
 * show this one table.
 */
export function headlineTable(result: BenchResult | ReportResult): HeadlineTable {
  const reportable = result as ReportResult;
  const privacy = new Map(reportable.summary.map((s) => [s.arm, armPrivacy(reportable, s.arm)]));
  const withDp = [...privacy.values()].some((p) => p !== null);
  const header = ['arm', 'AUC', 'F1', 'gap to central (AUC)', 'gain over best local (AUC)', 'worst-site AUC', 'rounds to target', ...(withDp ? ['ε spent (max over sites), δ'] : [])];
  const rows = reportable.summary.map((s) => {
    const p = privacy.get(s.arm);
    const spent = p ? Object.values(p.epsilonSpentPerSite).filter(Number.isFinite) : [];
    // An arm that never trained scores every patient alike: its 0.500 would read as a measurement.
    const why = untrainedReason(reportable, s.arm);
    if (why) return { arm: s.arm, derived: s.family === 'derived', cells: [s.arm, `n/a (${why})`, 'n/a', '', '', 'n/a', '', ...(withDp ? ['no DP'] : [])] };
    const cells = [
      s.arm,
      withCi(s.metrics.auc),
      withCi(s.metrics.f1),
      s.gapToCentral ? withCi(s.gapToCentral.auc, 3, true) : '',
      s.gainOverBestLocal ? withCi(s.gainOverBestLocal.auc, 3, true) : '',
      withCi(s.metrics.worst_site_auc),
      s.roundsToTarget === undefined ? '' : s.roundsToTarget === null ? 'not reached' : fmt(s.roundsToTarget.mean, 1),
      ...(withDp ? [p ? `${spent.length > 0 ? fmtEpsilon(Math.max(...spent)) : '–'}, δ = ${p.delta.toExponential(0)}` : 'no DP'] : []),
    ];
    return { arm: s.arm, derived: s.family === 'derived', cells };
  });
  return { header, rows };
}

/**
 * The site-mean table (evaluation.summary: site-mean, FLamby's way of reporting): each site's
 * test set counts once. Null when the run did not ask for it. results.md and report.html share it.
 */
export function siteMeanTable(result: BenchResult | ReportResult): (HeadlineTable & { caption: string }) | null {
  const rows = (result.summary as ArmSummary[]).filter((s) => s.siteMean);
  if (rows.length === 0) return null;
  const t = result.config.evaluation.threshold;
  const meanSd = (s: Summary | null | undefined) => (s ? `${s.mean.toFixed(4)}${s.sd !== null ? ` ± ${s.sd.toFixed(4)}` : ''}` : 'n/a');
  return {
    caption: `Site-mean metrics (each site's test set counts once): accuracy${t !== null ? ` at threshold ${t}` : ''} mean ± SD over seeds, then accuracy per site.`,
    header: ['arm', 'site-mean accuracy', 'site-mean AUC', ...result.data.sites],
    rows: rows.map((s) => ({
      arm: s.arm,
      derived: s.family === 'derived',
      cells: [s.arm, meanSd(s.siteMean!.accuracy), meanSd(s.siteMean!.auc), ...result.data.sites.map((id) => fmt(s.siteAccuracy?.[id]?.mean, 4))],
    })),
  };
}

function fmtEpsilon(eps: number): string {
  return eps >= 10 ? eps.toFixed(1) : eps.toPrecision(3);
}

export function markdownSummary(result: BenchResult | ReportResult): string {
  const seeds = result.config.seeds.length;
  const lines: string[] = [];
  lines.push(`## fedage bench: ${result.data.scenarioName}`);
  lines.push('');
  lines.push(
    `Target \`${result.data.target}\`, ${result.data.sites.length} sites (${result.data.sites.join(', ')}), model ${result.config.model.kind}` +
      `, ${seeds} seed${seeds === 1 ? '' : 's'}, ${result.config.federated.rounds} rounds, backend ${result.backend.name}.`,
  );
  lines.push('Pooled test metrics: mean [95% CI over seeds]; gaps are paired per-seed differences.');
  lines.push('');
  const table = headlineTable(result);
  lines.push(`| ${table.header.join(' | ')} |`);
  lines.push(`|${table.header.map(() => '---').join('|')}|`);
  for (const row of table.rows) lines.push(`| ${(row.derived ? [`_${row.arm}_`, ...row.cells.slice(1)] : row.cells).join(' | ')} |`);
  const siteMean = siteMeanTable(result);
  if (siteMean) {
    lines.push('');
    lines.push(siteMean.caption);
    lines.push('');
    lines.push(`| ${siteMean.header.join(' | ')} |`);
    lines.push(`|${siteMean.header.map(() => '---|').join('')}`);
    for (const row of siteMean.rows) lines.push(`| ${(row.derived ? [`_${row.arm}_`, ...row.cells.slice(1)] : row.cells).join(' | ')} |`);
  }
  if (result.oracle) {
    lines.push('');
    // The ceiling is the label oracle P(recorded label = 1 | latent state); the true-event oracle
    // is blind to coding, dropout and label noise, so a trained model can beat it.
    if (result.oracle.labelPooledAuc) lines.push(`Oracle AUC (recorded label, the ceiling): ${withCi(result.oracle.labelPooledAuc)}. Oracle AUC (true event): ${withCi(result.oracle.pooledAuc)}.`);
    else lines.push(`Oracle AUC (true event): ${withCi(result.oracle.pooledAuc)}.`);
  }
  const fed = result.summary.filter((s) => s.family === 'federated' && s.communication);
  if (fed.length > 0) {
    lines.push('');
    lines.push(
      `Communication per run (up + down; float32 payloads, encoded messages for compression and secure aggregation): ${fed.map((s) => `${s.arm} ${formatBytes(s.communication!.meanTotalBytes)}`).join(', ')}. ` +
        `Rounds to target: first round at ${result.config.convergenceFraction} × central AUC.`,
    );
  }
  const dpArms = (result.summary as ArmSummary[]).filter((s) => s.privacy && 'maxEpsilonSpent' in s.privacy);
  if (result.privacy && dpArms.length > 0) {
    const p = result.privacy;
    lines.push('');
    lines.push(
      `Differential privacy (${p.level === 'sample' ? 'sample level: DP-SGD at each site' : 'client level: DP-FedAvg'}), δ = ${p.delta} (${p.deltaRule}), ` +
        `RDP accountant, noise ${p.secureNoise ? 'from node:crypto' : 'from a seeded generator: NOT secure'}:`,
    );
    lines.push('');
    lines.push('| arm | target ε | max ε spent (any site, any seed) | σ | AUC | gap to central (AUC) |');
    lines.push('|---|---|---|---|---|---|');
    for (const s of dpArms) {
      const q = s.privacy!;
      const sigma = q.noiseMultiplier.min === q.noiseMultiplier.max ? fmt(q.noiseMultiplier.min, 3) : `${fmt(q.noiseMultiplier.min, 3)}–${fmt(q.noiseMultiplier.max, 3)}`;
      lines.push(
        `| ${s.arm} | ${q.targetEpsilon ?? '–'} | ${fmt(q.maxEpsilonSpent, 3)}${q.stoppedAtBudget ? ` (stopped at budget in ${q.stoppedAtBudget} seed${q.stoppedAtBudget === 1 ? '' : 's'})` : ''} | ${sigma} | ${withCi(s.metrics.auc)} | ${s.gapToCentral ? withCi(s.gapToCentral.auc, 3, true) : ''} |`,
      );
    }
    for (const stop of p.budgetStops) lines.push(`- BUDGET ${stop}`);
    lines.push(...ledgerMarkdown(privacyLedger(result)));
    lines.push(...privacyScopeMarkdown(result));
  }
  if (result.gates.length > 0) {
    lines.push('');
    lines.push('Gates:');
    for (const g of result.gates) lines.push(`- ${g.message}`);
  }
  // The reader's warnings first (small test sets, untrained arms, selection on the test set), then the run's.
  const warnings = [...readerWarnings(result), ...result.warnings];
  lines.push('');
  if (warnings.length === 0) lines.push('Warnings: none.');
  else {
    lines.push(`Warnings (${warnings.length}):`);
    for (const w of warnings.slice(0, 20)) lines.push(`- ${w}`);
    if (warnings.length > 20) lines.push(`- … ${warnings.length - 20} more in results.json and report.html`);
  }
  if ('transport' in result && result.transport) lines.push(...transportLines(result.transport));
  return `${lines.join('\n')}\n`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(2)} MiB`;
}
