/**
 * `fedage inspect DIR [--json] [--no-verify] [--fidelity [--fidelity-targets FILE]]`: per-site
 * summary and the shift between sites; with --fidelity, the cohort against its citations.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { GateFailed } from '../errors.js';
import { QUIET_FLAG, createProgress } from './progress.js';
import type { FidelityProgress, FidelityReport } from '../data/fidelity/report.js';
import type { FeatureShift, InspectReport, SiteInspection } from '../data/inspect.js';
import type { VerifyResult } from '../data/verify.js';
import { packagePath } from '../package-root.js';

export interface InspectCommandOptions {
  json?: boolean;
  verify?: boolean;
  fidelity?: boolean;
  fidelityTargets?: string;
  quiet?: boolean;
  drift?: boolean;
}

/** The shipped targets file (fidelity/targets.yaml at the package root). */
export const DEFAULT_FIDELITY_TARGETS = packagePath('fidelity', 'targets.yaml');

const cell = (x: number | null, digits: number): string => (x === null ? 'n/a' : x.toFixed(digits));
const digitsOf = (x: number): number => Math.min(3, Math.max(1, (String(x).split('.')[1] ?? '').length));

/** The targets file as the reader knows it: the shipped one by its package path, wherever fedage is installed. */
function targetsName(file: string): string {
  if (file === DEFAULT_FIDELITY_TARGETS) return 'fidelity/targets.yaml, shipped with fedage';
  return relative(process.cwd(), file) || file;
}

/** quantity | group | site | cited | generated | tolerance | source | ok */
export function formatFidelityReport(report: FidelityReport): string {
  const rows = report.rows.map((r) => {
    const d = Math.max(digitsOf(r.cited), digitsOf(r.tolerance));
    return [r.quantity, r.group, r.site ?? 'all', cell(r.cited, d), cell(r.generated, d), `± ${cell(r.tolerance, d)}`, r.source, r.ok ? 'ok' : 'FAIL'];
  });
  const table = formatTable(['quantity', 'group', 'site', 'cited', 'generated', 'tolerance', 'source', 'ok'], rows, ['l', 'l', 'l', 'r', 'r', 'r', 'l', 'l']);
  return `${table}

${report.rows.length - report.failed} of ${report.rows.length} rows within tolerance (targets: ${targetsName(report.targetsFile)})`;
}

type Align = 'l' | 'r';

/** Plain-text table: columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function formatTable(header: string[], rows: string[][], align: Align[]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, k) => (align[k] === 'r' ? c.padStart(widths[k]) : c.padEnd(widths[k])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(digits)}%`);
const fixed = (x: number | null | undefined, digits: number): string => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));

function formatSmd(smd: number | null | undefined, threshold: number): string {
  if (smd === null || smd === undefined) return 'n/a';
  const text = `${smd >= 0 ? '+' : ''}${smd.toFixed(2)}`;
  return Math.abs(smd) > threshold ? `${text}*` : `${text} `;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function siteUnit(report: InspectReport, column: string): string {
  const units = new Set(report.sites.map((s) => (s.features[column] && 'unit' in s.features[column] ? s.features[column].unit : null)));
  return [...units].filter((u) => u !== null).join(' | ');
}

function sitesTable(report: InspectReport): string {
  const ageUnit = siteUnit(report, 'age_years') || 'years';
  const rows = report.sites.map((s: SiteInspection) => [
    s.id,
    String(s.n),
    String(s.targetEligible),
    pct(s.targetPrevalence),
    s.age ? `${fixed(s.age.mean, 1)} ± ${fixed(s.age.sd, 1)}` : 'n/a',
    s.apoeE4 ? `${pct(s.apoeE4.carrierRate)} of ${s.apoeE4.n}` : 'n/a',
    s.maxAbsSmd ? `${formatSmd(s.maxAbsSmd.smd, report.smdThreshold).trimEnd()} ${s.maxAbsSmd.feature}` : 'n/a',
    String(s.flaggedFeatures.length),
  ]);
  return formatTable(
    ['site', 'patients', 'target eligible', 'target prevalence', `age, ${ageUnit} (mean ± sd)`, 'APOE e4 carriers (of genotyped)', 'max |SMD| feature', `features |SMD| > ${report.smdThreshold}`],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
  );
}

function missingnessTable(report: InspectReport): string {
  const columns = Object.keys(report.sites[0]?.missingness ?? {});
  for (const s of report.sites) for (const c of Object.keys(s.missingness)) if (!columns.includes(c)) columns.push(c);
  const rows = columns
    .filter((c) => report.sites.some((s) => (s.missingness[c] ?? 0) > 0))
    .map((c) => [c, ...report.sites.map((s) => (c in s.missingness ? pct(s.missingness[c]) : 'absent'))]);
  if (rows.length === 0) return '(no column has missing values)';
  return formatTable(['column', ...report.sites.map((s) => s.id)], rows, ['l', ...report.sites.map((): Align => 'r')]);
}

function shiftRow(report: InspectReport, f: FeatureShift): string[] {
  const units = [...new Set(report.sites.map((s) => f.units[s.id]).filter((u): u is string => u !== null && u !== undefined))];
  const unitText = f.type === 'categorical' ? '(categories)' : f.type === 'binary' ? '(0/1)' : units.join(' | ') || '-';
  const cells = report.sites.map((s) => {
    const text = formatSmd(f.smd[s.id], report.smdThreshold);
    const category = f.smdCategory?.[s.id];
    return category ? `${text} ${category}` : text;
  });
  return [f.feature, `${unitText}${f.unitsDiffer ? ' !' : ''}`, ...cells];
}

function shiftTable(report: InspectReport): string {
  const rows = report.shift.map((f) => shiftRow(report, f));
  return formatTable(['feature', 'unit', ...report.sites.map((s) => s.id)], rows, ['l', 'l', ...report.sites.map((): Align => 'r')]);
}

function groundTruthTable(report: InspectReport): string {
  const gt = report.groundTruth;
  const dx = gt.columns.find((c) => gt.sites.some((s) => s.columns[c]?.type === 'categorical'));
  const rows = report.sites.map((s, k) => {
    const g = gt.sites[k];
    const mix = dx ? g.columns[dx] : undefined;
    const mixText =
      mix && mix.type === 'categorical'
        ? Object.entries(mix.proportions)
            .map(([label, p]) => `${label} ${pct(p, 0)}`)
            .join(' / ')
        : 'n/a';
    return [s.id, pct(s.targetPrevalence), pct(g.oraclePrevalence), pct(g.trueEventRateAmongEligible), mixText];
  });
  return formatTable(
    ['site', 'recorded target', 'oracle prevalence (mean true_risk)', 'true event rate', dx ? `${dx} mix (all patients)` : 'diagnosis mix'],
    rows,
    ['l', 'r', 'r', 'r', 'l'],
  );
}

/** The human-readable report: aligned plain-text tables. */
export function formatInspectReport(report: InspectReport, verified?: VerifyResult): string {
  const t = report.smdThreshold;
  const mixed = report.shift.filter((f) => f.unitsDiffer).map((f) => f.feature);
  const parts = [
    `dataset ${report.dir}: "${report.scenario.name}" (${report.source}, seed ${report.seed ?? 'n/a'}, scale ${report.scale}), target ${report.target}, ${report.sites.length} site${report.sites.length === 1 ? '' : 's'}, ${report.patients} patients`,
  ];
  if (verified) parts.push(`verified: ${verified.files.length} files (${formatBytes(verified.totalBytes)}) match the SHA-256 checksums in manifest.json`);
  parts.push(
    '',
    'Sites',
    sitesTable(report),
    '',
    'Missingness (share of rows missing; columns with any missing value)',
    missingnessTable(report),
    '',
    `Shift: standardized mean difference of each site against the pooled data (* |SMD| > ${t}, Austin 2009)`,
    'categorical: the category indicator with the largest |SMD| at that site',
    shiftTable(report),
  );
  if (mixed.length > 0) {
    parts.push(`! units differ between sites (${mixed.join(', ')}): that SMD is a coding shift; convert units before pooling`);
  }
  parts.push(
    '',
    'Ground truth (synthetic only: not observable at a real site, never a feature; rates among target-eligible patients)',
    groundTruthTable(report),
  );
  return parts.join('\n');
}

/** Runs inspect (after verify with --verify); returns what goes to stdout. */
export async function inspectCommand(dir: string, options: InspectCommandOptions): Promise<string> {
  return (await inspectWithStatus(dir, options)).out;
}

/** What goes to stdout, and how many fidelity rows failed (the CLI exits 3 when any did). */
export async function inspectWithStatus(dir: string, options: InspectCommandOptions): Promise<{ out: string; fidelityFailed: number }> {
  // Checksums are verified by default: statistics of a file with flipped bytes would look valid
  // (exit 0); --no-verify skips the hashing for a quick look at a trusted directory.
  // Modules are loaded on use: start-up pays only for the command that runs (issue 19).
  const verified = options.verify !== false ? await (await import('../data/verify.js')).verifyDataset(dir) : undefined;
  if (options.fidelity) {
    const { fidelityReport } = await import('../data/fidelity/report.js');
    const progress = createProgress('inspect', { quiet: options.quiet });
    const onProgress = (p: FidelityProgress) =>
      progress.update({ done: p.done, total: p.total, detail: p.stage === 'load' ? `loading site ${p.done + 1}/${p.total} ${p.item}` : `fidelity row ${p.done + 1}/${p.total}: ${p.item}`, phase: p.stage, counted: false });
    let report: FidelityReport;
    try {
      report = await fidelityReport(dir, options.fidelityTargets ?? DEFAULT_FIDELITY_TARGETS, { onProgress });
    } finally {
      progress.stop();
    }
    const out = options.json ? JSON.stringify(verified ? { verified, ...report } : report, null, 2) : formatFidelityReport(report);
    return { out, fidelityFailed: report.failed };
  }
  if (options.drift) {
    const [{ enrollmentDriftOf }, { loadBenchDataset }, { enrollmentDriftText }] = await Promise.all([
      import('../analysis/dashboard.js'),
      import('../data/load.js'),
      import('../report/drift-text.js'),
    ]);
    const drift = enrollmentDriftOf(await loadBenchDataset(dir));
    return { out: options.json ? JSON.stringify(verified ? { verified, drift } : { drift }, null, 2) : enrollmentDriftText(drift), fidelityFailed: 0 };
  }
  return { out: await inspectReportText(dir, options, verified), fidelityFailed: 0 };
}

async function inspectReportText(dir: string, options: InspectCommandOptions, verified: VerifyResult | undefined): Promise<string> {
  const { inspectDataset } = await import('../data/inspect.js');
  const report = await inspectDataset(dir);
  if (options.json) return JSON.stringify(verified ? { verified, ...report } : report, null, 2);
  return formatInspectReport(report, verified);
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('summarize a data directory: per-site table, missingness, and the shift between sites')
    .argument('<dir>', 'data directory written by `fedage generate` (with a manifest.json)')
    .option('--json', 'print the report as JSON instead of tables')
    .option('--verify', 'check every file against the SHA-256 checksums in the manifest first (the default)')
    .option('--no-verify', 'skip the checksum check (a trusted directory, a quick look)')
    .option('--fidelity', 'compare the cohort with its cited figures: quantity | cited | generated | ok (exit 3 if a row is out of tolerance)')
    .option('--drift', 'drift over enrollment time per site: PSI / KS per feature and period, label rate, a change point in the diagnosis codes (a code-system switch), and the population shift of each site against the pooled other sites')
    .option('--fidelity-targets <file>', 'targets file for --fidelity (default: the shipped fidelity/targets.yaml)')
    .option(...QUIET_FLAG)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ fedage inspect data/',
        '  $ fedage inspect data/ --no-verify        (skip the SHA-256 check)',
        '  $ fedage inspect data/ --json > inspect.json',
        '  $ fedage inspect data/ --fidelity',
        '',
        'Shift is the standardized mean difference (SMD) of each site against the pooled data,',
        'pooled from per-site sufficient statistics; |SMD| > 0.1 is flagged with *.',
        'Ground-truth columns (synthetic only) are reported apart and never count as features.',
        '--fidelity computes each row of the targets file (quantity, group, site, cited value, source,',
        'tolerance) on the data; the shipped file describes scenarios/alzheimers-3site.yaml.',
        'Exit codes: 0 ok, 2 missing or invalid data directory or targets file, or a checksum mismatch,',
        '3 a fidelity row out of tolerance (the table is printed first).',
      ].join('\n'),
    )
    .action(async (dir: string, options: InspectCommandOptions) => {
      const { out, fidelityFailed } = await inspectWithStatus(dir, options);
      process.stdout.write(`${out}\n`);
      if (fidelityFailed > 0) throw new GateFailed(`fidelity: ${fidelityFailed} row${fidelityFailed === 1 ? '' : 's'} out of tolerance`);
    });
}
