/**
 * The "Privacy audit" report: theoretical ε vs audited ε̂ per arm (plot and table), TPR at low
 * FPR with Clopper–Pearson intervals, ROC curves on log axes (Carlini et al. 2022 ask for them),
 * the reconstruction table and the plain-language reading. Self-contained HTML, plots as inline
 * SVG (render-svg.ts).
 */
import type { AuditResult } from '../audit/types.js';
import { dataTable, html, raw, type Raw } from './html-util.js';
import type { VlSpec } from './figures.js';
import { renderSvg } from './render-svg.js';
import { REPORT_CSS } from './style.js';

function epsilonSpec(r: AuditResult): VlSpec {
  const rows = r.arms.flatMap((a) => [
    { arm: `${a.arm} @ ${a.site}`, what: 'audited ε̂ (lower bound)', epsilon: a.epsilonLowerBound },
    ...(a.accountantEpsilon !== null ? [{ arm: `${a.arm} @ ${a.site}`, what: "accountant's ε", epsilon: a.accountantEpsilon }] : []),
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 480,
    height: { step: 28 },
    data: { values: rows },
    layer: [
      { mark: { type: 'rule', color: '#999' }, encoding: { y: { field: 'arm', type: 'nominal', title: null }, x: { aggregate: 'min', field: 'epsilon', type: 'quantitative' }, x2: { aggregate: 'max', field: 'epsilon' } } },
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          y: { field: 'arm', type: 'nominal', title: null },
          x: { field: 'epsilon', type: 'quantitative', title: 'ε' },
          shape: { field: 'what', type: 'nominal', title: null },
          color: { field: 'what', type: 'nominal', title: null, scale: { range: ['#1f77b4', '#d62728'] } },
        },
      },
    ],
  };
}

function rocSpec(r: AuditResult): VlSpec {
  const floor = 1e-3;
  const rows = r.arms.flatMap((a) =>
    a.attacks
      .filter((x) => x.kind === 'all')
      .flatMap((x) => x.metrics.roc.map((p) => ({ curve: `${a.arm} @ ${a.site}: ${x.score}`, fpr: Math.max(p.fpr, floor), tpr: Math.max(p.tpr, floor) }))),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 420,
    height: 320,
    data: { values: rows },
    layer: [
      { data: { values: [{ a: floor, b: floor }, { a: 1, b: 1 }] }, mark: { type: 'line', strokeDash: [4, 4], color: '#999' }, encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } },
      {
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', scale: { type: 'log', domain: [floor, 1] }, title: 'false-positive rate (log)' },
          y: { field: 'tpr', type: 'quantitative', scale: { type: 'log', domain: [floor, 1] }, title: 'true-positive rate (log)' },
          color: { field: 'curve', type: 'nominal', title: null },
        },
      },
    ],
  };
}

const pct = (x: number | null) => (x === null ? null : Math.round(x * 10000) / 100);

export async function auditSection(r: AuditResult, warnings: string[] = []): Promise<Raw> {
  const epsSvg = await renderSvg(epsilonSpec(r), 'audit-eps', warnings);
  const rocSvg = await renderSvg(rocSpec(r), 'audit-roc', warnings);
  const epsTable = dataTable(
    {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'site', label: 'site', format: 'text' },
        { key: 'accountant', label: "accountant's ε", format: 'number' },
        { key: 'audited', label: `audited ε̂ (${Math.round((1 - r.config.pValue) * 100)} % lower bound)`, format: 'number' },
        { key: 'test', label: 'best test', format: 'text' },
        { key: 'violation', label: 'violation', format: 'boolean' },
      ],
      rows: r.arms.map((a) => ({
        arm: a.arm,
        site: a.site,
        accountant: a.accountantEpsilon,
        audited: a.epsilonLowerBound,
        test: a.best ? `${a.best.kind}, ${a.best.score}: ${a.best.correct}/${a.best.guesses} of ${a.best.canaries}` : '—',
        violation: a.violation,
      })),
    },
    "Theoretical ε (the accountant's, for the canary site) and audited ε̂ per arm",
  );
  const tprTable = dataTable(
    {
      columns: [
        { key: 'arm', label: 'arm', format: 'text' },
        { key: 'site', label: 'site', format: 'text' },
        { key: 'attack', label: 'attack', format: 'text' },
        { key: 'kind', label: 'canaries', format: 'text' },
        { key: 'auc', label: 'AUC', format: 'metric' },
        { key: 'tpr01', label: 'TPR @ 0.1 % FPR (%)', format: 'number' },
        { key: 'ci01', label: '95 % CI', format: 'text' },
        { key: 'tpr1', label: 'TPR @ 1 % FPR (%)', format: 'number' },
        { key: 'ci1', label: '95 % CI', format: 'text' },
      ],
      rows: r.arms.flatMap((a) =>
        a.attacks.map((x) => {
          const [t01, t1] = x.metrics.tprAtFpr;
          const ci = (t: typeof t01) => (t ? `${pct(t.tpr.lower)}–${pct(t.tpr.upper)}` : '—');
          return { arm: a.arm, site: a.site, attack: x.score === 'loss' ? 'loss threshold (Yeom 2018)' : x.score === 'lira' ? 'offline LiRA (Carlini 2022)' : 'white-box gradient alignment (Nasr 2023)', kind: x.kind, auc: x.metrics.auc, tpr01: pct(t01?.tpr.estimate ?? null), ci01: ci(t01), tpr1: pct(t1?.tpr.estimate ?? null), ci1: ci(t1) };
        }),
      ),
    },
    'Membership inference: TPR at low FPR with exact (Clopper–Pearson) intervals',
  );
  const recTables = r.reconstruction.map((rec) =>
    dataTable(
      {
        columns: [
          { key: 'batch', label: 'batch size', format: 'integer' },
          { key: 'steps', label: 'local steps', format: 'integer' },
          { key: 'view', label: 'what the server sees', format: 'text' },
          { key: 'method', label: 'attack', format: 'text' },
          { key: 'fraction', label: 'feature values within tolerance', format: 'percent' },
          { key: 'records', label: 'records recovered', format: 'text' },
        ],
        rows: rec.cells.map((c) => ({ batch: c.batchSize, steps: c.localSteps, view: c.view, method: c.method, fraction: c.fractionWithinTolerance, records: `${c.recordsRecovered}/${c.records}` })),
      },
      `Record reconstruction from one update at ${rec.site} (tolerance ${rec.tolerance} standard deviations; DP view σ = ${rec.noiseMultiplier.toFixed(3)}, clip ${rec.clipNorm})`,
    ),
  );
  return html`<section id="privacy-audit"><h2>Privacy audit</h2>
${r.reading.map((p) => html`<p>${p}</p>`)}
${r.violations.length > 0 ? html`<div class="warning"><strong>Audit failed:</strong><ul>${r.violations.map((v) => html`<li>${v.message}</li>`)}</ul></div>` : ''}
<figure><figcaption>Theoretical ε vs audited ε̂ (a lower bound: the true ε lies at or above it)</figcaption>${raw(epsSvg)}</figure>
${epsTable}
<figure><figcaption>ROC curves of the attacks, log axes (the low-FPR end is what matters)</figcaption>${raw(rocSvg)}</figure>
${tprTable}
${recTables}
</section>`;
}

export async function renderAuditReport(r: AuditResult): Promise<string> {
  const warnings: string[] = [];
  const section = await auditSection(r, warnings);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fedage privacy audit: ${r.scenarioName}</title>
<style>${raw(REPORT_CSS)}</style></head>
<body><main><h1>fedage privacy audit: ${r.scenarioName}</h1>
<p>fedage ${r.fedageVersion}, seed ${r.seed}.</p>
${section}
${warnings.length > 0 ? html`<h2>Rendering warnings</h2><ul>${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}
</main></body></html>
`.html;
}
