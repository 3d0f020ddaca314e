/**
 * The privacy ledger: one row per DP arm and data holder, with the mechanism that holder's data
 * went through — σ, q and steps of the SAME holder's record — the ε it composes to and δ, and
 * the `fedage privacy epsilon` command that reproduces that ε exactly (same accountant, same
 * orders). A holder is a site at sample level (each site its own accountant, DP-SGD on its
 * records) and the federation at client level (one accountant over rounds; every site shares it).
 * Over seeds the row shows the seed where the holder spent the most (the guarantee every seed's
 * models meet). Rows come from the per-seed `privacy.sites` records of results.json; files
 * without them (hand-written report inputs) have no ledger.
 */
import type { ArmPrivacy, SitePrivacy } from '../bench/results.js';
import type { ReportResult } from './extensions.js';
import { html, shellQuote, type Raw } from './html-util.js';

export interface LedgerRow {
  arm: string;
  level: 'sample' | 'client';
  /** A site id, or 'federation' (client level). */
  holder: string;
  /** The sites this row covers (one at sample level; every site at client level). */
  sites: string[];
  seed: number;
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
  /** σ of the DP preprocessing release composed into ε, when on. */
  preprocessingNoiseMultiplier: number | null;
  epsilon: number;
  delta: number;
  targetEpsilon: number | null;
  /** The command line (after `fedage`) that reproduces `epsilon`; null when nothing was composed. */
  command: string[] | null;
}

const isBenchPrivacy = (p: unknown): p is ArmPrivacy => typeof p === 'object' && p !== null && 'sites' in p && 'maxEpsilon' in p;

/** The `fedage privacy epsilon` arguments for one holder's mechanisms (exact doubles: String(x) round-trips). */
export function epsilonCommand(s: Pick<SitePrivacy, 'noiseMultiplier' | 'sampleRate' | 'steps' | 'preprocessingNoiseMultiplier'>, delta: number): string[] | null {
  if (s.steps === 0 && s.preprocessingNoiseMultiplier === undefined) return null;
  return [
    'privacy',
    'epsilon',
    '--sample-rate',
    String(s.sampleRate),
    '--noise-multiplier',
    String(s.noiseMultiplier),
    '--steps',
    String(s.steps),
    '--delta',
    String(delta),
    '--orders',
    'bench',
    ...(s.preprocessingNoiseMultiplier !== undefined ? ['--preprocessing-noise-multiplier', String(s.preprocessingNoiseMultiplier)] : []),
  ];
}

/** Every DP arm's ledger rows, arms in the order of the run. */
export function privacyLedger(result: ReportResult): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const arms = [...new Set(result.perSeed.filter((r) => isBenchPrivacy(r.privacy)).map((r) => r.arm))];
  for (const arm of arms) {
    const records = result.perSeed.filter((r) => r.arm === arm && isBenchPrivacy(r.privacy)) as (ReportResult['perSeed'][number] & { privacy: ArmPrivacy })[];
    const level = records[0].privacy.level;
    const holders: [string, string[]][] =
      level === 'client' ? [['federation', Object.keys(records[0].privacy.sites)]] : [...new Set(records.flatMap((r) => Object.keys(r.privacy.sites)))].map((id) => [id, [id]]);
    for (const [holder, sites] of holders) {
      // The seed where this holder spent the most; at client level every site's entry is the federation's.
      let best: { seed: number; s: SitePrivacy; p: ArmPrivacy } | null = null;
      for (const r of records) {
        const s = r.privacy.sites[sites[0]];
        if (s && (best === null || s.epsilon > best.s.epsilon)) best = { seed: r.seed, s, p: r.privacy };
      }
      if (!best) continue;
      const { s, p } = best;
      rows.push({
        arm,
        level,
        holder,
        sites,
        seed: best.seed,
        noiseMultiplier: s.noiseMultiplier,
        sampleRate: s.sampleRate,
        steps: s.steps,
        preprocessingNoiseMultiplier: s.preprocessingNoiseMultiplier ?? null,
        epsilon: s.epsilon,
        delta: p.delta,
        targetEpsilon: p.targetEpsilon,
        command: epsilonCommand(s, p.delta),
      });
    }
  }
  return rows;
}

/** ε as printed: rounded UP (a printed guarantee is never smaller than the exact one). */
export function epsilonText(eps: number): string {
  if (!Number.isFinite(eps) || eps === 0) return String(eps);
  const e = Math.floor(Math.log10(Math.abs(eps)));
  const scale = 10 ** (3 - e);
  return String(Number((Math.ceil(eps * scale - 1e-9) / scale).toPrecision(4)));
}

/** The ledger as a Markdown table plus how to check a row (results.md). */
export function ledgerMarkdown(rows: readonly LedgerRow[]): string[] {
  if (rows.length === 0) return [];
  const pre = rows.some((r) => r.preprocessingNoiseMultiplier !== null);
  const lines = [
    '',
    'Privacy ledger: each data holder\'s own mechanism (σ, q and steps of the same holder, exact values; the seed where it spent the most). ' +
      '`fedage privacy epsilon --sample-rate q --noise-multiplier σ --steps T --delta δ --orders bench' +
      (pre ? ' --preprocessing-noise-multiplier σ_pre' : '') +
      ' --json` gives exactly this ε (printed rounded up here; results.json holds it exactly).',
    '',
    `| arm | holder | seed | σ | q | steps |${pre ? ' σ_pre (preprocessing) |' : ''} ε | δ |`,
    `|---|---|---|---|---|---|${pre ? '---|' : ''}---|---|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.arm} | ${r.holder === 'federation' ? `federation (${r.sites.length} sites, client level)` : r.holder} | ${r.seed} | ${r.noiseMultiplier} | ${r.sampleRate} | ${r.steps} |${pre ? ` ${r.preprocessingNoiseMultiplier === null ? '–' : r.preprocessingNoiseMultiplier} |` : ''} ${epsilonText(r.epsilon)} | ${r.delta} |`,
    );
  }
  return lines;
}

/** The ledger in report.html: one row per holder, with its reproducing command. */
export function ledgerHtml(result: ReportResult): Raw {
  const rows = privacyLedger(result);
  if (rows.length === 0) return html``;
  const pre = rows.some((r) => r.preprocessingNoiseMultiplier !== null);
  const head = ['arm', 'data holder', 'seed', 'σ', 'q', 'steps', ...(pre ? ['σ preprocessing'] : []), 'ε (rounded up)', 'δ', 'reproduce with'];
  const body = rows.map(
    (r) =>
      html`<tr><th scope="row">${r.arm}</th><td>${r.holder === 'federation' ? `federation (client level: ${r.sites.join(', ')})` : r.holder}</td><td class="num">${r.seed}</td><td class="num">${String(r.noiseMultiplier)}</td><td class="num">${String(r.sampleRate)}</td><td class="num">${r.steps}</td>${pre ? html`<td class="num">${r.preprocessingNoiseMultiplier === null ? '–' : String(r.preprocessingNoiseMultiplier)}</td>` : html``}<td class="num" data-value="${String(r.epsilon)}">${epsilonText(r.epsilon)}</td><td class="num">${String(r.delta)}</td><td>${r.command ? html`<code>fedage ${r.command.map(shellQuote).join(' ')}</code>` : 'no mechanism step: ε = 0'}</td></tr>`,
  );
  return html`<div class="table-wrap"><table id="privacy-ledger"><caption>Privacy ledger: each data holder's own mechanism (σ, q and steps of the same holder), the ε it composes to, and the command that reproduces it exactly</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${body}</tbody></table></div>`;
}
