/**
 * The report's plots as Vega-Lite specs, each with its title, a text description (the SVG's
 * accessible name) and a table of exactly the plotted numbers (the fallback for screen readers,
 * narrow windows and anyone who wants the figures). Every quantitative axis title names its
 * unit; series differ by color (Okabe–Ito) and by shape or dash.
 *
 * Size: over 400 lines on purpose: one Vega-Lite spec builder per figure of the report, each
 * short, sharing the axis and palette helpers above them; splitting them into files would scatter
 * the common style.
 */
import { armPrivacy, type ReportResult } from './extensions.js';
import { PLOT_FONT } from './text-metrics.js';
import { FAMILY_COLORS, REFERENCE_GRAY, colorWord, dashesFor, paletteFor, shapesFor } from './palette.js';
import {
  communicationRows,
  convergenceRows,
  featureShiftRows,
  headlineReferences,
  headlineRows,
  labelPrevalenceRows,
  privacyRows,
  siteAucRows,
  topShiftDistributions,
  bytesVsAucRows,
  CHANCE_AUC,
  CHANCE_REFERENCE,
} from './plot-data.js';

/** A Vega-Lite spec (kept loose here; vega-lite checks it when compiling). */
export type VlSpec = Record<string, unknown>;

export type CellFormat = 'text' | 'metric' | 'smd' | 'percent' | 'bytes' | 'integer' | 'number' | 'boolean';

export interface TableColumn {
  key: string;
  label: string;
  format: CellFormat;
}

export interface FigureTable {
  columns: TableColumn[];
  rows: Record<string, string | number | boolean | null>[];
}

export interface Figure {
  id: string;
  title: string;
  subtitle: string;
  /** Accessible description of what the plot shows. */
  description: string;
  spec: VlSpec;
  table: FigureTable;
}

export const PLOT_WIDTH = 440;

const CONFIG = {
  font: PLOT_FONT,
  background: 'white',
  padding: 8,
  // Vega measures text in Node by estimate (no canvas), and overestimates: generous limits keep
  // labels from being cut in Node that fit easily in the browser.
  title: { fontSize: 15, fontWeight: 600, anchor: 'start', offset: 10, limit: 1200 },
  axis: { labelFontSize: 12, titleFontSize: 12, labelColor: '#222222', titleColor: '#222222', gridColor: '#e4e4e4', labelLimit: 360, titleFontWeight: 600 },
  // Legends below the plot, one under the other: the figure stays as narrow as the plot.
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    orient: 'bottom',
    direction: 'horizontal',
    columns: 3,
    symbolStrokeWidth: 2,
    labelLimit: 200,
    titleFontWeight: 600,
    layout: { bottom: { direction: 'vertical', anchor: 'start', margin: 8 } },
  },
  view: { stroke: null },
  // The inline <svg> is role="img" with the figure's title and description as its accessible
  // name (the table carries the numbers), so per-mark ARIA labels would only add weight.
  aria: false,
};

/** Plot width of the variant shown in narrow windows (phones, split screens). */
export const NARROW_PLOT_WIDTH = 220;

/** The same plot for a narrow window: a narrower data area, one column of panels, two-column legends. */
export function narrowSpec(wide: VlSpec): VlSpec {
  const s = structuredClone(wide) as VlSpec & { width?: unknown; concat?: VlSpec[]; columns?: number; config?: typeof CONFIG };
  if (typeof s.width === 'number') s.width = NARROW_PLOT_WIDTH;
  if (Array.isArray(s.concat)) {
    s.columns = 1;
    for (const panel of s.concat) if (typeof panel.width === 'number') panel.width = NARROW_PLOT_WIDTH;
  }
  if (s.config) s.config = { ...s.config, legend: { ...s.config.legend, columns: 2 } };
  return s;
}

/** The subtitle goes into the HTML caption, where it wraps in a narrow window; the SVG keeps the title. */
function spec(title: string, description: string, body: VlSpec): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title },
    description,
    config: CONFIG,
    ...body,
  };
}

/** A [0, 1] metric axis domain around the plotted values, in steps of 0.05. */
function metricDomain(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const lo = Math.max(0, Math.floor(Math.min(...finite) * 20 - 1e-9) / 20);
  const hi = Math.min(1, Math.ceil(Math.max(...finite) * 20 + 1e-9) / 20);
  return lo < hi ? [lo, hi] : [Math.max(0, lo - 0.05), Math.min(1, hi + 0.05)];
}

function intervalValues(rows: { mean: number; ciLow: number | null; ciHigh: number | null }[]): number[] {
  return rows.flatMap((r) => [r.mean, r.ciLow ?? r.mean, r.ciHigh ?? r.mean]);
}

/** Rows with the CI ends filled by the mean (one seed: a zero-length interval). */
function withCiEnds<T extends { mean: number; ciLow: number | null; ciHigh: number | null }>(rows: T[]): (T & { lo: number; hi: number })[] {
  return rows.map((r) => ({ ...r, lo: r.ciLow ?? r.mean, hi: r.ciHigh ?? r.mean }));
}

const METRIC_LABEL = { auc: 'AUC', f1: 'F1' } as const;
const METRIC_UNIT = { auc: 'pooled test set, 0–1', f1: 'pooled test set, 0–1' } as const;

const REFERENCE_DASHES: Record<string, number[]> = { central: [6, 3], 'best local': [2, 3], 'oracle (recorded label)': [1, 0], 'oracle (true event)': [4, 2, 1, 2], [CHANCE_REFERENCE]: [1, 4] };

/** How F1 and accuracy were thresholded in this run (bench.evaluation.threshold), for captions. */
export function thresholdText(result: Pick<ReportResult, 'config'>): string {
  const t = result.config.evaluation.threshold;
  return t === null ? "at the F1-optimal threshold chosen on each model's validation predictions" : `at the fixed threshold ${t} (bench.evaluation.threshold)`;
}

/** A dotted chance line at AUC 0.5 (REFERENCE_GRAY) across a horizontal AUC axis. */
function chanceRule(y: Record<string, unknown>): VlSpec {
  return { data: { values: [{ auc: CHANCE_AUC }] }, mark: { type: 'rule', color: REFERENCE_GRAY, strokeDash: REFERENCE_DASHES[CHANCE_REFERENCE], strokeWidth: 1.2 }, encoding: { y: { ...y, field: 'auc' } } };
}

const GRAY = colorWord(REFERENCE_GRAY);

export function headlineFigure(result: ReportResult, metric: 'auc' | 'f1'): Figure | null {
  const rows = withCiEnds(headlineRows(result, metric));
  if (rows.length === 0) return null;
  const refs = headlineReferences(result, metric);
  const seeds = result.config.seeds.length;
  const label = METRIC_LABEL[metric];
  const xTitle = `${label} (${METRIC_UNIT[metric]})`;
  const domain = metricDomain([...intervalValues(rows), ...refs.map((r) => r.value)]);
  const groups = [...new Set(rows.map((r) => r.group))];
  const armOrder = rows.map((r) => r.arm);
  const y = { field: 'arm', type: 'nominal', sort: armOrder, title: 'arm' };
  const x = { type: 'quantitative', title: xTitle, scale: { domain, zero: false } };
  const color = { field: 'group', type: 'nominal', title: 'arm family', scale: { domain: groups, range: groups.map((g) => FAMILY_COLORS[g] ?? '#0072B2') } };
  const shape = { field: 'group', type: 'nominal', title: 'arm family', scale: { domain: groups, range: shapesFor(groups.length) } };
  const title = `${label} per arm`;
  const subtitle = `mean and 95% CI over ${seeds} seed${seeds === 1 ? '' : 's'}${metric === 'f1' ? ` ${thresholdText(result)}` : ''}; ${GRAY} vertical lines: ${refs.map((r) => r.reference).join(', ') || 'none'}`;
  const description = `${label} of each arm on the pooled test set with 95% confidence intervals over seeds${refs.length ? `, with reference lines for ${refs.map((r) => `${r.reference} (${r.value.toFixed(3)})`).join(', ')}` : ''}.`;
  const layers: VlSpec[] = [
    { data: { values: rows }, mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' }, color } },
    { data: { values: rows }, mark: { type: 'point', filled: true, size: 80, opacity: 1 }, encoding: { y, x: { ...x, field: 'mean' }, color, shape } },
  ];
  if (refs.length > 0) {
    layers.push({
      data: { values: refs },
      mark: { type: 'rule', strokeWidth: 1.5, color: REFERENCE_GRAY },
      encoding: {
        x: { ...x, field: 'value' },
        strokeDash: { field: 'reference', type: 'nominal', title: 'reference line', scale: { domain: refs.map((r) => r.reference), range: refs.map((r) => REFERENCE_DASHES[r.reference]) } },
      },
    });
  }
  return {
    id: `headline-${metric}`,
    title,
    subtitle,
    description,
    spec: spec(title, description, { width: PLOT_WIDTH, height: { step: 24 }, layer: layers, resolve: { scale: { color: 'shared' } } }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'group', label: 'family', format: 'text' },
        { key: 'mean', label: `${label} mean`, format: 'metric' },
        { key: 'ciLow', label: '95% CI low', format: 'metric' },
        { key: 'ciHigh', label: '95% CI high', format: 'metric' },
        { key: 'seeds', label: 'seeds', format: 'integer' },
      ],
      rows: [
        ...rows.map((r) => ({ arm: r.arm, group: r.group, mean: r.mean, ciLow: r.ciLow, ciHigh: r.ciHigh, seeds: r.seeds })),
        ...refs.map((r) => ({ arm: `reference: ${r.reference}`, group: 'reference', mean: r.value, ciLow: null, ciHigh: null, seeds: null })),
      ],
    },
  };
}

export function convergenceFigure(result: ReportResult): Figure | null {
  const rows = convergenceRows(result);
  if (rows.length === 0) return null;
  const arms = [...new Set(rows.map((r) => r.arm))];
  const central = result.summary.find((s) => s.arm === 'central')?.metrics.auc?.mean;
  const refs: { reference: string; value: number }[] = [];
  if (central !== undefined && Number.isFinite(central)) {
    refs.push({ reference: `central ${central.toFixed(3)}`, value: central });
    refs.push({ reference: `target ${result.config.convergenceFraction} × central`, value: result.config.convergenceFraction * central });
  }
  const rounds = Math.max(...rows.map((r) => r.round));
  const domain = metricDomain([...rows.map((r) => r.auc), ...refs.map((r) => r.value), CHANCE_AUC]);
  const x = { field: 'round', type: 'quantitative', title: `federated round (1–${rounds})`, scale: { domain: [0, rounds], nice: false }, axis: { tickMinStep: 1 } };
  const yTitle = 'pooled test AUC (0–1)';
  const color = { field: 'arm', type: 'nominal', title: 'federated arm', sort: arms, scale: { domain: arms, range: paletteFor(arms.length) } };
  const strokeDash = { field: 'arm', type: 'nominal', title: 'federated arm', sort: arms, scale: { domain: arms, range: dashesFor(arms.length) } };
  const title = 'Convergence: pooled AUC per round';
  const subtitle = `each federated arm's global model on the pooled test set after every round, mean over seeds; ${[...(refs.length > 0 ? [`${GRAY} dashed: ${refs.map((r) => r.reference.replace(/ [\d.]+$/, '')).join(', ')}`] : []), `${GRAY} sparse dots: ${CHANCE_REFERENCE}`].join('; ')}`;
  const description = `Pooled test AUC after each of ${rounds} rounds for ${arms.length} federated arm${arms.length === 1 ? '' : 's'} (${arms.join(', ')}), averaged over seeds.`;
  const layers: VlSpec[] = [
    { data: { values: rows }, mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' }, encoding: { x, y: { field: 'auc', type: 'quantitative', title: yTitle, scale: { domain, zero: false } }, color, strokeDash } },
  ];
  layers.push(chanceRule({ type: 'quantitative', title: yTitle }));
  if (refs.length > 0) {
    layers.push(
      { data: { values: refs }, mark: { type: 'rule', color: REFERENCE_GRAY, strokeWidth: 1.2, strokeDash: [4, 3] }, encoding: { y: { field: 'value', type: 'quantitative', title: yTitle } } },
      {
        data: { values: refs },
        // At the left end, where the curves start low, the labels stay clear of them.
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 2, dy: -2, color: REFERENCE_GRAY, fontSize: 11 },
        encoding: { y: { field: 'value', type: 'quantitative', title: yTitle }, x: { datum: 0, type: 'quantitative', title: x.title, scale: x.scale }, text: { field: 'reference' } },
      },
    );
  }
  return {
    id: 'convergence',
    title,
    subtitle,
    description,
    spec: spec(title, description, { width: PLOT_WIDTH, height: 260, layer: layers }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'round', label: 'round', format: 'integer' },
        { key: 'auc', label: 'pooled AUC (mean)', format: 'metric' },
        { key: 'seeds', label: 'seeds', format: 'integer' },
      ],
      rows: rows.map((r) => ({ ...r })),
    },
  };
}

function formatDelta(delta: number): string {
  return delta.toExponential(0).replace('e-', 'e−');
}

export function privacyUtilityFigure(result: ReportResult): Figure | null {
  const { rows, baselines } = privacyRows(result);
  if (rows.length === 0) return null;
  const data = withCiEnds(rows);
  const series = [...new Set(rows.map((r) => r.series))];
  const deltas = [...new Set(rows.map((r) => r.delta))];
  const deltaText = deltas.length === 1 ? `δ = ${formatDelta(deltas[0])}` : 'δ per arm in the table';
  const central = result.summary.find((s) => s.arm === 'central' && !armPrivacy(result, 'central'))?.metrics.auc?.mean;
  const eps = rows.map((r) => r.epsilon);
  const xDomain = [Math.min(...eps) / 1.5, Math.max(...eps) * 1.5];
  const yDomain = metricDomain([...intervalValues(rows), ...baselines.map((b) => b.auc), ...(central !== undefined ? [central] : []), CHANCE_AUC]);
  const x = { field: 'epsilon', type: 'quantitative', title: `privacy budget ε per site (log scale; ${deltaText})`, scale: { type: 'log', domain: xDomain, nice: false } };
  const yTitle = 'pooled test AUC (0–1)';
  const y = { type: 'quantitative', title: yTitle, scale: { domain: yDomain, zero: false } };
  const color = { field: 'series', type: 'nominal', title: 'strategy', sort: series, scale: { domain: series, range: paletteFor(series.length) } };
  const shape = { field: 'series', type: 'nominal', title: 'strategy', sort: series, scale: { domain: series, range: shapesFor(series.length) } };
  const title = 'Privacy–utility: AUC against ε';
  const subtitle = `mean and 95% CI over seeds; dashed, in the strategy's color: the same strategy without DP${central !== undefined && Number.isFinite(central) ? `; ${GRAY} dotted: central without DP` : ''}; ${GRAY} sparse dots: ${CHANCE_REFERENCE}`;
  const description = `Pooled test AUC of the differentially private arms against their ε budget on a log scale (${deltaText}), one line per strategy, with each strategy's non-private AUC as a dashed line.`;
  const layers: VlSpec[] = [
    { data: { values: data }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { ...y, field: 'mean' }, color } },
    { data: { values: data }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
    { data: { values: data }, mark: { type: 'point', filled: true, size: 70, opacity: 1 }, encoding: { x, y: { ...y, field: 'mean' }, color, shape } },
  ];
  if (baselines.length > 0) {
    layers.push({ data: { values: baselines }, mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y: { ...y, field: 'auc' }, color } });
  }
  layers.push(chanceRule(y));
  if (central !== undefined && Number.isFinite(central)) {
    layers.push(
      { data: { values: [{ auc: central }] }, mark: { type: 'rule', color: REFERENCE_GRAY, strokeDash: [2, 3], strokeWidth: 1.5 }, encoding: { y: { ...y, field: 'auc' } } },
      {
        data: { values: [{ auc: central, label: `central, no DP ${central.toFixed(3)}` }] },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dy: -2, dx: 2, color: REFERENCE_GRAY, fontSize: 11 },
        encoding: { y: { ...y, field: 'auc' }, x: { datum: xDomain[0], type: 'quantitative', title: x.title, scale: x.scale }, text: { field: 'label' } },
      },
    );
  }
  return {
    id: 'privacy-utility',
    title,
    subtitle,
    description,
    spec: spec(title, description, { width: PLOT_WIDTH, height: 260, layer: layers }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'series', label: 'strategy', format: 'text' },
        { key: 'epsilon', label: 'ε budget', format: 'number' },
        { key: 'epsilonSpentMax', label: 'ε spent (max over sites)', format: 'number' },
        { key: 'delta', label: 'δ', format: 'number' },
        { key: 'mean', label: 'AUC mean', format: 'metric' },
        { key: 'ciLow', label: '95% CI low', format: 'metric' },
        { key: 'ciHigh', label: '95% CI high', format: 'metric' },
      ],
      rows: [
        ...rows.map((r) => ({ arm: r.arm, series: r.series, epsilon: r.epsilon, epsilonSpentMax: r.epsilonSpentMax, delta: r.delta, mean: r.mean, ciLow: r.ciLow, ciHigh: r.ciHigh })),
        ...baselines.map((b) => ({ arm: `${b.arm} (no DP)`, series: b.series, epsilon: null, epsilonSpentMax: null, delta: null, mean: b.auc, ciLow: null, ciHigh: null })),
      ],
    },
  };
}

export function siteAucFigure(result: ReportResult): Figure | null {
  const rows = withCiEnds(siteAucRows(result));
  if (rows.length === 0) return null;
  const sites = result.data.sites.filter((s) => rows.some((r) => r.site === s));
  const armOrder = [...new Set(rows.map((r) => r.arm))];
  const domain = metricDomain([...intervalValues(rows), CHANCE_AUC]);
  const y = { field: 'arm', type: 'nominal', sort: armOrder, title: 'arm' };
  const yOffset = { field: 'site', type: 'nominal', sort: sites, scale: { domain: sites, paddingInner: 0.15 } };
  const x = { type: 'quantitative', title: 'AUC at the site (its test patients, 0–1)', scale: { domain, zero: false } };
  const color = { field: 'site', type: 'nominal', title: 'site', sort: sites, scale: { domain: sites, range: paletteFor(sites.length) } };
  const shape = { field: 'site', type: 'nominal', title: 'site', sort: sites, scale: { domain: sites, range: shapesFor(sites.length) } };
  const title = 'AUC per site for each arm';
  const subtitle = `mean and 95% CI over seeds; ringed in ${colorWord('#000000')}: the arm’s worst site (lowest mean AUC); ${GRAY} dotted line: ${CHANCE_REFERENCE}`;
  const worst = rows.filter((r) => r.worst);
  const description = `AUC on each site's own test patients for every arm, with 95% CIs; the worst site of each arm is ringed (${worst.map((w) => `${w.arm}: ${w.site}`).join('; ')}).`;
  const layers: VlSpec[] = [
    { data: { values: rows }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y, yOffset, x: { ...x, field: 'lo' }, x2: { field: 'hi' }, color } },
    { data: { values: rows }, mark: { type: 'point', filled: true, size: 45, opacity: 1 }, encoding: { y, yOffset, x: { ...x, field: 'mean' }, color, shape } },
    { data: { values: worst }, mark: { type: 'point', filled: false, size: 240, strokeWidth: 1.6, color: '#000000', shape: 'circle' }, encoding: { y, yOffset, x: { ...x, field: 'mean' } } },
    { data: { values: [{ auc: CHANCE_AUC }] }, mark: { type: 'rule', color: REFERENCE_GRAY, strokeDash: REFERENCE_DASHES[CHANCE_REFERENCE], strokeWidth: 1.2 }, encoding: { x: { ...x, field: 'auc' } } },
  ];
  return {
    id: 'site-auc',
    title,
    subtitle,
    description,
    // With an offset channel the step sizes one site's slot inside an arm's band.
    spec: spec(title, description, { width: PLOT_WIDTH, height: { step: 11, for: 'offset' }, layer: layers }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'site', label: 'site', format: 'text' },
        { key: 'mean', label: 'AUC mean', format: 'metric' },
        { key: 'ciLow', label: '95% CI low', format: 'metric' },
        { key: 'ciHigh', label: '95% CI high', format: 'metric' },
        { key: 'worst', label: 'worst site of the arm', format: 'boolean' },
      ],
      rows: rows.map((r) => ({ arm: r.arm, site: r.site, mean: r.mean, ciLow: r.ciLow, ciHigh: r.ciHigh, worst: r.worst })),
    },
  };
}

const BYTE_UNITS = [
  { unit: 'B', divisor: 1 },
  { unit: 'KiB', divisor: 1024 },
  { unit: 'MiB', divisor: 1024 ** 2 },
  { unit: 'GiB', divisor: 1024 ** 3 },
];

/** The largest binary unit in which `max` is at least 1. */
export function byteUnit(max: number): { unit: string; divisor: number } {
  let chosen = BYTE_UNITS[0];
  for (const u of BYTE_UNITS) if (max >= u.divisor) chosen = u;
  return chosen;
}

export function communicationFigures(result: ReportResult): Figure[] {
  const rows = communicationRows(result);
  if (rows.length === 0) return [];
  const arms = [...new Set(rows.map((r) => r.arm))];
  const rounds = Math.max(...rows.map((r) => r.round));
  const withSecagg = rows.some((r) => r.secureAggregationBytes !== null);
  const color = { field: 'arm', type: 'nominal', title: 'federated arm', sort: arms, scale: { domain: arms, range: paletteFor(arms.length) } };
  const strokeDash = { field: 'arm', type: 'nominal', title: 'federated arm', sort: arms, scale: { domain: arms, range: dashesFor(arms.length) } };
  const x = { field: 'round', type: 'quantitative', title: `federated round (1–${rounds})`, scale: { domain: [1, Math.max(2, rounds)], nice: false }, axis: { tickMinStep: 1 } };
  const columns: TableColumn[] = [
    { key: 'arm', label: 'arm', format: 'text' },
    { key: 'round', label: 'round', format: 'integer' },
    { key: 'bytes', label: 'bytes this round (up + down)', format: 'bytes' },
    { key: 'cumulativeBytes', label: 'cumulative bytes', format: 'bytes' },
    ...(withSecagg ? [{ key: 'secureAggregationBytes', label: 'of which secure aggregation', format: 'bytes' as const }] : []),
    { key: 'seeds', label: 'seeds', format: 'integer' },
  ];
  const table: FigureTable = {
    columns,
    rows: rows.map((r) => ({ arm: r.arm, round: r.round, bytes: r.bytes, cumulativeBytes: r.cumulativeBytes, ...(withSecagg ? { secureAggregationBytes: r.secureAggregationBytes } : {}), seeds: r.seeds })),
  };
  const secaggNote = withSecagg ? 'including secure-aggregation traffic' : 'model payload (float32); no secure aggregation in this run';
  // Arms with the same traffic draw the same line: say so, or a reader looks for a missing one.
  const bySeries = new Map<string, string[]>();
  for (const arm of arms) {
    const key = rows.filter((r) => r.arm === arm).map((r) => r.bytes).join(',');
    bySeries.set(key, [...(bySeries.get(key) ?? []), arm]);
  }
  const coincide = [...bySeries.values()].filter((g) => g.length > 1);
  const coincideNote = coincide.map((g) => `; the lines of ${g.join(', ')} coincide (same bytes)`).join('');
  const make = (kind: 'round' | 'cumulative'): Figure => {
    const field = kind === 'round' ? 'bytes' : 'cumulativeBytes';
    const { unit, divisor } = byteUnit(Math.max(...rows.map((r) => r[field])));
    const data = rows.map((r) => ({ arm: r.arm, round: r.round, value: r[field] / divisor }));
    const yTitle = kind === 'round' ? `bytes per round, up + down (${unit})` : `cumulative bytes, up + down (${unit})`;
    const title = kind === 'round' ? 'Communication per round' : 'Cumulative communication';
    const subtitle = `all participating sites together, mean over seeds; ${secaggNote}${coincideNote}`;
    const description = `${kind === 'round' ? 'Bytes exchanged in each round' : 'Bytes exchanged up to each round'} by ${arms.join(', ')}, in ${unit}, ${secaggNote}.`;
    return {
      id: kind === 'round' ? 'communication-round' : 'communication-cumulative',
      title,
      subtitle,
      description,
      spec: spec(title, description, {
        width: PLOT_WIDTH,
        height: 220,
        data: { values: data },
        mark: { type: 'line', strokeWidth: 2, point: kind === 'round' && rounds <= 12 },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: true } }, color, strokeDash },
      }),
      table,
    };
  };
  return [make('round'), make('cumulative')];
}

/**
 * Communication against accuracy: every federated arm's total bytes (up + down, log scale) and
 * pooled AUC, so a wrapper's bytes saved (compression) or spent (secure aggregation) sit next to
 * what it did to the model.
 */
export function bytesVsAucFigure(result: ReportResult): Figure | null {
  const rows = bytesVsAucRows(result);
  if (!rows.some((r) => r.wrapped)) return null;
  const arms = rows.map((r) => r.arm);
  const title = 'Communication vs AUC';
  const description = `Total bytes exchanged per run (up + down, mean over seeds, log scale) against pooled test AUC for ${arms.join(', ')}; wrapped arms (compression, secure aggregation) are filled.`;
  return {
    id: 'communication-auc',
    title,
    subtitle: 'one point per federated arm, mean over seeds; filled: compression or secure aggregation',
    description,
    spec: spec(title, description, {
      width: PLOT_WIDTH,
      height: 240,
      data: { values: rows.map((r) => ({ arm: r.arm, bytes: r.bytes, auc: r.auc, wrapper: r.wrapped ? 'wrapped' : 'plaintext' })) },
      layer: [
        {
          mark: { type: 'point', size: 80, strokeWidth: 2 },
          encoding: {
            x: { field: 'bytes', type: 'quantitative', title: 'total bytes per run, up + down (log scale)', scale: { type: 'log' } },
            y: { field: 'auc', type: 'quantitative', title: 'AUC (pooled test set, 0–1)', scale: { domain: metricDomain(rows.map((r) => r.auc)) } },
            color: { field: 'arm', type: 'nominal', title: 'federated arm', sort: arms, scale: { domain: arms, range: paletteFor(arms.length) } },
            fill: { condition: { test: "datum.wrapper === 'wrapped'", field: 'arm', type: 'nominal', sort: arms, scale: { domain: arms, range: paletteFor(arms.length) }, legend: null }, value: 'white' },
            shape: { field: 'wrapper', type: 'nominal', title: 'aggregation', scale: { domain: ['plaintext', 'wrapped'], range: ['circle', 'square'] } },
          },
        },
      ],
    }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'bytes', label: 'total bytes per run (up + down)', format: 'bytes' },
        { key: 'auc', label: 'AUC', format: 'metric' },
        { key: 'wrapped', label: 'compression or secure aggregation', format: 'boolean' },
      ],
      rows: rows.map((r) => ({ arm: r.arm, bytes: r.bytes, auc: r.auc, wrapped: r.wrapped })),
    },
  };
}

export function labelPrevalenceFigure(result: ReportResult): Figure | null {
  const { rows, pooledTrainPercent } = labelPrevalenceRows(result);
  if (rows.length === 0) return null;
  const sites = result.data.sites.filter((s) => rows.some((r) => r.site === s));
  const splits = ['train', 'test'];
  const max = Math.max(...rows.map((r) => r.prevalencePercent), pooledTrainPercent ?? 0);
  const x = { type: 'quantitative', title: 'label prevalence (% of labeled patients)', scale: { domain: [0, Math.min(100, Math.ceil((max * 1.15) / 5) * 5 || 5)] } };
  const y = { field: 'site', type: 'nominal', sort: sites, title: 'site' };
  const color = { field: 'split', type: 'nominal', title: 'split', scale: { domain: splits, range: ['#0072B2', '#D55E00'] } };
  const shape = { field: 'split', type: 'nominal', title: 'split', scale: { domain: splits, range: ['circle', 'diamond'] } };
  const title = 'Label prevalence per site';
  const subtitle = `patients with ${result.data.target} among those with a label, mean over seeds${pooledTrainPercent !== null ? `; ${GRAY} dashed line: all sites’ training rows together (${pooledTrainPercent.toFixed(1)} %)` : ''}`;
  const description = `Share of labeled patients with ${result.data.target} at each site, in the training and test splits.`;
  const layers: VlSpec[] = [
    { data: { values: rows }, mark: { type: 'point', filled: true, size: 90, opacity: 1 }, encoding: { y, x: { ...x, field: 'prevalencePercent' }, color, shape, yOffset: { field: 'split', type: 'nominal', sort: splits } } },
  ];
  if (pooledTrainPercent !== null) layers.push({ data: { values: [{ pooled: pooledTrainPercent }] }, mark: { type: 'rule', color: REFERENCE_GRAY, strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { ...x, field: 'pooled' } } });
  return {
    id: 'label-prevalence',
    title,
    subtitle,
    description,
    spec: spec(title, description, { width: PLOT_WIDTH, height: { step: 14, for: 'offset' }, layer: layers }),
    table: {
      columns: [
        { key: 'site', label: 'site', format: 'text' },
        { key: 'split', label: 'split', format: 'text' },
        { key: 'prevalencePercent', label: 'prevalence (%)', format: 'percent' },
        { key: 'patients', label: 'labeled patients (mean over seeds)', format: 'number' },
      ],
      rows: [...rows.map((r) => ({ ...r })), ...(pooledTrainPercent !== null ? [{ site: 'all sites', split: 'train', prevalencePercent: pooledTrainPercent, patients: null }] : [])],
    },
  };
}

/** At most this many features in the standardized-difference plot (the most shifted first). */
export const MAX_SHIFT_FEATURES = 40;

export function featureShiftFigure(result: ReportResult): Figure | null {
  const all = featureShiftRows(result);
  if (all.length === 0) return null;
  const features = [...new Set(all.map((r) => r.feature))].slice(0, MAX_SHIFT_FEATURES);
  const rows = all.filter((r) => features.includes(r.feature));
  const sites = result.data.sites.filter((s) => rows.some((r) => r.site === s));
  const extent = Math.max(0.25, ...rows.map((r) => Math.abs(r.smd)));
  const bound = Math.ceil(extent * 4) / 4;
  const x = { type: 'quantitative', title: 'site mean − pooled mean (pooled SDs)', scale: { domain: [-bound, bound] } };
  const y = { field: 'feature', type: 'nominal', sort: features, title: 'feature (training rows)' };
  const color = { field: 'site', type: 'nominal', title: 'site', sort: sites, scale: { domain: sites, range: paletteFor(sites.length) } };
  const shape = { field: 'site', type: 'nominal', title: 'site', sort: sites, scale: { domain: sites, range: shapesFor(sites.length) } };
  const title = 'Feature shift between sites';
  const seed = result.dataSummary?.seed;
  const more = all.length > rows.length ? `; the ${MAX_SHIFT_FEATURES} most shifted of ${new Set(all.map((r) => r.feature)).size} features` : '';
  const subtitle = `standardized difference of each site from all sites together (seed ${seed} training rows); dashed: ±0.1${more}`;
  const description = `Standardized mean differences of ${features.length} features between each site and the pooled training data; the largest is ${all[0].feature} at ${all.reduce((a, r) => (Math.abs(r.smd) > Math.abs(a.smd) ? r : a)).site}.`;
  const layers: VlSpec[] = [
    { data: { values: [{ at: -0.1 }, { at: 0.1 }] }, mark: { type: 'rule', color: REFERENCE_GRAY, strokeDash: [4, 3] }, encoding: { x: { ...x, field: 'at' } } },
    { data: { values: [{ at: 0 }] }, mark: { type: 'rule', color: '#222222', strokeWidth: 1 }, encoding: { x: { ...x, field: 'at' } } },
    { data: { values: rows }, mark: { type: 'point', filled: true, size: 50, opacity: 0.95 }, encoding: { y, x: { ...x, field: 'smd' }, color, shape } },
  ];
  return {
    id: 'feature-shift',
    title,
    subtitle,
    description,
    spec: spec(title, description, { width: PLOT_WIDTH, height: { step: 16 }, layer: layers }),
    table: {
      columns: [
        { key: 'feature', label: 'feature', format: 'text' },
        { key: 'site', label: 'site', format: 'text' },
        { key: 'smd', label: 'standardized difference (pooled SDs)', format: 'smd' },
        { key: 'siteValue', label: 'site mean', format: 'number' },
        { key: 'pooledValue', label: 'pooled mean', format: 'number' },
        { key: 'unit', label: 'unit', format: 'text' },
      ],
      rows: rows.map((r) => ({ ...r })),
    },
  };
}

export function featureDistributionFigure(result: ReportResult): Figure | null {
  const rows = topShiftDistributions(result);
  if (rows.length === 0) return null;
  const features = [...new Set(rows.map((r) => r.feature))];
  const sites = result.data.sites.filter((s) => rows.some((r) => r.site === s));
  const color = { field: 'site', type: 'nominal', title: 'site', sort: sites, scale: { domain: sites, range: paletteFor(sites.length) } };
  const shape = { field: 'site', type: 'nominal', title: 'site', sort: sites, scale: { domain: sites, range: shapesFor(sites.length) } };
  const panels = features.map((feature) => {
    const data = rows.filter((r) => r.feature === feature).map((r) => ({ ...r, lo: r.mean - (r.sd ?? 0), hi: r.mean + (r.sd ?? 0) }));
    const unit = data[0].unit;
    const x = { type: 'quantitative', title: `${feature} (${unit})`, scale: { zero: false } };
    const y = { field: 'site', type: 'nominal', sort: sites, title: null };
    return {
      width: 190,
      height: { step: 18 },
      data: { values: data },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' }, color } },
        { mark: { type: 'point', filled: true, size: 60, opacity: 1 }, encoding: { y, x: { ...x, field: 'mean' }, color, shape } },
      ],
    };
  });
  const title = 'Sites’ distributions of the most shifted features';
  const subtitle = `mean ± 1 SD in each feature’s unit (seed ${result.dataSummary?.seed} training rows)`;
  const description = `Per-site mean and standard deviation of the ${features.length} numeric features that differ most between sites: ${features.join(', ')}.`;
  return {
    id: 'feature-distributions',
    title,
    subtitle,
    description,
    spec: spec(title, description, { concat: panels, columns: 2, spacing: 16 }),
    table: {
      columns: [
        { key: 'feature', label: 'feature', format: 'text' },
        { key: 'unit', label: 'unit', format: 'text' },
        { key: 'site', label: 'site', format: 'text' },
        { key: 'mean', label: 'mean', format: 'number' },
        { key: 'sd', label: 'SD', format: 'number' },
        { key: 'count', label: 'observed training rows', format: 'integer' },
      ],
      rows: rows.map((r) => ({ ...r })),
    },
  };
}

/** Every figure the result has data for, in report order, grouped by section. */
export function reportFigures(result: ReportResult): Record<'headline' | 'convergence' | 'privacy' | 'sites' | 'communication' | 'data', Figure[]> {
  const keep = (...figs: (Figure | null)[]) => figs.filter((f): f is Figure => f !== null);
  return {
    headline: keep(headlineFigure(result, 'auc'), headlineFigure(result, 'f1')),
    convergence: keep(convergenceFigure(result)),
    privacy: keep(privacyUtilityFigure(result)),
    sites: keep(siteAucFigure(result)),
    communication: [...communicationFigures(result), ...keep(bytesVsAucFigure(result))],
    data: keep(labelPrevalenceFigure(result), featureShiftFigure(result), featureDistributionFigure(result)),
  };
}
