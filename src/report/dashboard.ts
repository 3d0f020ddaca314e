/**
 * The report's consortium-dashboard sections (issue 18), drawn from results.json `fairness`,
 * `contribution` and `drift` (src/analysis/dashboard.ts): a subgroup heatmap with the
 * "does federation narrow or widen the local gaps" answer per arm, a Shapley bar chart with 95 %
 * intervals, and drift timelines (enrollment periods per site; client drift per round).
 * Results without these fields (older files, runs without the dashboard) get no sections.
 */
import type { Dashboard } from '../analysis/dashboard.js';
import type { Figure, VlSpec } from './figures.js';
import { PLOT_WIDTH } from './figures.js';
import { html, type Raw } from './html-util.js';
import { PLOT_FONT } from './text-metrics.js';

export type DashboardResult = Partial<Dashboard>;

const CONFIG = {
  font: PLOT_FONT,
  background: 'white',
  padding: 8,
  title: { fontSize: 15, fontWeight: 600, anchor: 'start', offset: 10, limit: 1200 },
  axis: { labelFontSize: 12, titleFontSize: 12, labelLimit: 360, titleFontWeight: 600 },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', columns: 3, titleFontWeight: 600 },
  view: { stroke: null },
  aria: false,
};

function spec(title: string, description: string, body: VlSpec): VlSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: { text: title }, description, config: CONFIG, ...body };
}

const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));

export function subgroupHeatmap(f: NonNullable<Dashboard['fairness']>): Figure | null {
  const rows: Record<string, string | number | null>[] = [];
  for (const arm of f.arms) {
    for (const [attribute, a] of Object.entries(arm.attributes)) {
      for (const g of a!.groups) rows.push({ arm: arm.arm, group: `${attribute}: ${g.level}`, auc: g.metrics.auc?.mean ?? null, tpr: g.metrics.tpr?.mean ?? null, fpr: g.metrics.fpr?.mean ?? null, oe: g.metrics.observedToExpected?.mean ?? null, n: g.n });
    }
  }
  if (rows.length === 0) return null;
  const description = 'Heatmap of the AUC of every arm (columns) in every subgroup (rows: sex, age band, education band, site, race/ethnicity); darker is higher.';
  return {
    id: 'subgroup-heatmap',
    title: 'Subgroup AUC by arm',
    subtitle: 'mean over seeds on the pooled test rows; blank: a group under 10 rows or with one class',
    description,
    spec: spec('Subgroup AUC by arm', description, {
      data: { values: rows },
      mark: { type: 'rect' },
      width: PLOT_WIDTH,
      encoding: {
        x: { field: 'arm', type: 'nominal', title: 'arm', sort: null },
        y: { field: 'group', type: 'nominal', title: null, sort: null },
        color: { field: 'auc', type: 'quantitative', title: 'AUC', scale: { scheme: 'blues' } },
      },
    }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'group', label: 'subgroup', format: 'text' },
        { key: 'n', label: 'test rows', format: 'integer' },
        { key: 'auc', label: 'AUC', format: 'metric' },
        { key: 'tpr', label: 'TPR', format: 'metric' },
        { key: 'fpr', label: 'FPR', format: 'metric' },
        { key: 'oe', label: 'observed / predicted', format: 'number' },
      ],
      rows,
    },
  };
}

export function shapleyChart(c: NonNullable<Dashboard['contribution']>): Figure | null {
  const rows: Record<string, string | number | null>[] = [];
  for (const arm of c.arms) {
    arm.sites.forEach((site, i) => {
      const s = arm.shapley[i];
      rows.push({ arm: arm.arm, site, shapley: s?.mean ?? null, lo: s?.ci95?.[0] ?? s?.mean ?? null, hi: s?.ci95?.[1] ?? s?.mean ?? null, loo: arm.leaveOneOut[i]?.mean ?? null });
    });
  }
  if (rows.length === 0) return null;
  const description = 'Bar chart of each site\'s Shapley value (validation log-loss it removes, summed over rounds) per federated arm, with 95 % intervals over seeds.';
  return {
    id: 'shapley',
    title: 'Site contribution (Shapley value)',
    subtitle: `${c.utility}; bars: mean over seeds, lines: 95 % interval`,
    description,
    spec: spec('Site contribution (Shapley value)', description, {
      data: { values: rows },
      width: PLOT_WIDTH,
      encoding: { y: { field: 'site', type: 'nominal', title: null }, yOffset: { field: 'arm' }, color: { field: 'arm', type: 'nominal', title: 'arm' } },
      layer: [
        { mark: { type: 'bar' }, encoding: { x: { field: 'shapley', type: 'quantitative', title: 'Shapley value (validation loss removed)' } } },
        { mark: { type: 'rule', color: '#222222' }, encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
      ],
    }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'site', label: 'site', format: 'text' },
        { key: 'shapley', label: 'Shapley', format: 'number' },
        { key: 'lo', label: '95 % lower', format: 'number' },
        { key: 'hi', label: '95 % upper', format: 'number' },
        { key: 'loo', label: 'leave-one-out', format: 'number' },
      ],
      rows,
    },
  };
}

export function driftTimeline(d: NonNullable<Dashboard['drift']>): Figure | null {
  const rows: Record<string, string | number | boolean | null>[] = [];
  for (const s of d.enrollment) {
    s.periods.forEach((p, k) => {
      const psis = s.shifts.filter((x) => x.period === p.label && x.psi !== null).map((x) => x.psi as number);
      rows.push({ site: s.site, period: p.label, rows: p.rows, labelRate: p.labelRate, maxPsi: k === 0 ? 0 : psis.length ? Math.max(...psis) : null, codeChange: s.codeChangePoint?.alarm === true && s.codeChangePoint.periodIndex === k });
    });
  }
  if (rows.length === 0) return null;
  const description = 'Per site and enrollment period: the largest feature PSI against the first period (lines) and the period a code-system change point was found (points).';
  return {
    id: 'drift-timeline',
    title: 'Drift over enrollment time',
    subtitle: 'largest feature PSI vs the first period (0.25: major shift); filled points: code change point found',
    description,
    spec: spec('Drift over enrollment time', description, {
      data: { values: rows },
      width: PLOT_WIDTH,
      encoding: { x: { field: 'period', type: 'ordinal', title: 'enrollment period', sort: null }, color: { field: 'site', type: 'nominal', title: 'site' } },
      layer: [
        { mark: { type: 'line' }, encoding: { y: { field: 'maxPsi', type: 'quantitative', title: 'largest PSI' } } },
        { transform: [{ filter: 'datum.codeChange' }], mark: { type: 'point', filled: true, size: 90 }, encoding: { y: { field: 'maxPsi', type: 'quantitative' } } },
      ],
    }),
    table: {
      columns: [
        { key: 'site', label: 'site', format: 'text' },
        { key: 'period', label: 'period', format: 'text' },
        { key: 'rows', label: 'rows', format: 'integer' },
        { key: 'labelRate', label: 'label rate', format: 'percent' },
        { key: 'maxPsi', label: 'largest PSI', format: 'number' },
        { key: 'codeChange', label: 'code change point', format: 'boolean' },
      ],
      rows,
    },
  };
}

export function clientDriftChart(d: NonNullable<Dashboard['drift']>): Figure | null {
  const rows = d.clientDrift.flatMap((a) => a.rounds.map((r) => ({ arm: a.arm, round: r.round, cosine: r.meanCosine, norm: r.meanNorm })));
  if (rows.length === 0) return null;
  const description = 'Per federated arm and round: mean cosine between each site\'s update and the aggregate update (1: all sites pull the same way).';
  return {
    id: 'client-drift',
    title: 'Client drift over rounds',
    subtitle: 'mean cosine of site updates to the aggregate update, over sites and seeds',
    description,
    spec: spec('Client drift over rounds', description, {
      data: { values: rows },
      width: PLOT_WIDTH,
      mark: { type: 'line' },
      encoding: {
        x: { field: 'round', type: 'quantitative', title: 'round' },
        y: { field: 'cosine', type: 'quantitative', title: 'mean cosine to aggregate' },
        color: { field: 'arm', type: 'nominal', title: 'arm' },
      },
    }),
    table: {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'round', label: 'round', format: 'integer' },
        { key: 'cosine', label: 'mean cosine', format: 'number' },
        { key: 'norm', label: 'mean update norm', format: 'number' },
      ],
      rows,
    },
  };
}

/** The dashboard sections: [id, heading, body]; none when the run carries no dashboard. */
export async function dashboardSections(result: DashboardResult, render: (f: Figure) => Promise<Raw>): Promise<[string, string, Raw][]> {
  const out: [string, string, Raw][] = [];
  const one = async (f: Figure | null) => (f ? render(f) : html``);
  if (result.fairness) {
    const f = result.fairness;
    const answers = f.federationVsLocal.map((a) => html`<li><strong>${a.arm}</strong>: ${a.answer}</li>`);
    out.push([
      'subgroups',
      'Subgroup fairness',
      html`<p>Does federation narrow or widen the gaps local models have? Per arm, the seed-paired change of the equalized-odds gap against each site using its own local model:</p><ul>${answers.length ? answers : html`<li>no local reference in this run (needs the local arms)</li>`}</ul>${await one(subgroupHeatmap(f))}<p class="muted">${f.note}</p>`,
    ]);
  }
  if (result.contribution) {
    const c = result.contribution;
    const checks = c.arms
      .filter((a) => a.retrained)
      .map((a) => html`<li>${a.arm}: exact retraining of every coalition (seed ${a.retrained!.seed}) vs the reconstruction: Spearman ${fmt(a.retrained!.spearman, 2)}, largest difference ${fmt(a.retrained!.maxAbsDifference)}</li>`);
    const ranks = c.arms.map((a) => html`<li>${a.arm}: ${a.ranking.join(' > ')}</li>`);
    out.push(['contribution', 'Site contribution', html`<ul>${ranks}</ul>${checks.length ? html`<ul>${checks}</ul>` : html``}${await one(shapleyChart(c))}<p class="muted">${c.note}</p>`]);
  }
  if (result.drift) {
    const d = result.drift;
    const cps = d.enrollment.map(
      (s) => html`<li>${s.site}: ${s.codeChangePoint?.alarm ? `code change point at ${s.codeChangePoint.period}` : 'no code change point'}${s.plantedSwitch ? ` (planted switch ${s.plantedSwitch.date}: ${s.switchFound ? 'found' : 'MISSED'})` : ''}; ${s.alarms} of ${s.tests} feature-shift tests alarm</li>`,
    );
    // Older results.json files have no siteShift.
    const shiftRows = (d.siteShift ?? []).map((s) => {
      const shifted = s.shiftedFeatures.map((f) => s.shifts.find((x) => x.feature === f)!).map((x) => `${x.feature} (PSI ${fmt(x.psi as number, 2)})`);
      return html`<tr><td>${s.site}</td><td>${s.rows}</td><td>${s.alarms} of ${s.tests}</td><td>${shifted.length ? shifted.join(', ') : 'none'}</td></tr>`;
    });
    const shiftTable = shiftRows.length
      ? html`<p>Population shift between sites (each site vs the pooled other sites, numeric features; alarm: PSI >= 0.25 and KS p < 0.01 / features):</p><div class="table-wrap"><table><thead><tr><th>site</th><th>rows</th><th>alarms</th><th>shifted features</th></tr></thead><tbody>${shiftRows}</tbody></table></div>`
      : html``;
    out.push([
      'drift',
      'Drift',
      html`<ul>${cps}</ul><p>Feature-shift alarms over all sites: ${d.falseAlarmRate.alarms} of ${d.falseAlarmRate.tests} tests.</p>${shiftTable}${await one(driftTimeline(d))}${await one(clientDriftChart(d))}<p class="muted">${d.note}</p>`,
    ]);
  }
  return out;
}
