/**
 * report.html: self-contained (no external resource, no script), one SVG per plot and variant,
 * table fallbacks whose numbers are exactly the results', the headline table of results.md,
 * the privacy text with and without DP, escaping, old results files, determinism.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/report/html.js';
import { markdownSummary } from '../../src/report/markdown.js';
import type { ReportResult } from '../../src/report/extensions.js';
import { smallBench, withDp } from './helpers.js';

/** The HTML of each <figure data-figure="id">…</figure>. */
function figures(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<figure id="fig-[^"]+" data-figure="([^"]+)">([\s\S]*?)<\/figure>/g)].map((m) => [m[1], m[2]]));
}

/** Rows of a figure's fallback table: row header → { data-key: data-value }. */
function tableValues(figureHtml: string): Map<string, Record<string, number>[]> {
  const rows = new Map<string, Record<string, number>[]>();
  for (const tr of figureHtml.matchAll(/<tr><th scope="row">([^<]*)<\/th>([\s\S]*?)<\/tr>/g)) {
    const values: Record<string, number> = {};
    for (const td of tr[2].matchAll(/data-key="([^"]+)" data-value="([^"]+)">([^<]*)</g)) values[td[1]] = Number(td[2]);
    rows.set(tr[1], [...(rows.get(tr[1]) ?? []), values]);
  }
  return rows;
}

// Rendering a report takes a second or two: the plain and the DP report are rendered once.
let plainReport: ReturnType<typeof renderReport> | null = null;
let dpReport: ReturnType<typeof renderReport> | null = null;
const plain = async () => (plainReport ??= smallBench().then((r) => renderReport(r as ReportResult, { resultsPath: 'out dir/results.json' })));
const dp = async () => (dpReport ??= smallBench().then((r) => renderReport(withDp(r))));

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

test('self-contained: no script, no external stylesheet, image, frame or font; no URL inside any tag or style', async () => {
  const { html } = await dp();
  assert.match(html, /^<!doctype html>/);
  assert.ok(!/<script\b/i.test(html), 'no script');
  assert.ok(!/<(link|iframe|img|object|embed|video|audio|source)\b/i.test(html), 'no external element');
  for (const [tag] of html.matchAll(/<[^>]+>/g)) assert.ok(!/(https?:)?\/\/[a-z0-9]/i.test(tag.replace(/content="[^"]*"/, '')), `a URL inside ${tag.slice(0, 80)}`);
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
  assert.ok(!/url\(|@import/i.test(css));
  // The page forbids every fetch, so a mistake could not phone home either.
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
});

test('every plot is an inline SVG (wide and narrow) with marks, a caption and a table fallback', async () => {
  const report = await dp();
  const figs = figures(report.html);
  assert.deepEqual([...figs.keys()], report.figures);
  assert.ok(report.figures.includes('privacy-utility'));
  assert.deepEqual(report.renderWarnings, []);
  for (const [id, body] of figs) {
    const svgs = body.match(/<svg role="img"[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(svgs.length, 2, id);
    for (const svg of svgs) assert.ok((svg.match(/class="mark-(symbol|rule|line|rect)/g) ?? []).length > 0, `${id} has marks`);
    assert.match(body, /<figcaption><strong>[^<]+\.<\/strong> [A-Z]/, id);
    assert.match(body, /<details><summary>Table: the numbers in this plot<\/summary><div class="table-wrap"><table>/, id);
  }
  // Ids are unique within the page (two renderings of each plot).
  const ids = [...report.html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length);
});

test('table fallbacks hold exactly the numbers in results.json', async () => {
  const r = (await smallBench()) as ReportResult;
  const figs = figures((await plain()).html);
  const auc = tableValues(figs.get('headline-auc')!);
  for (const s of r.summary.filter((x) => x.family !== 'derived')) {
    const [row] = auc.get(s.arm)!;
    assert.equal(row.mean, s.metrics.auc!.mean);
    assert.equal(row.ciLow, s.metrics.auc!.ci95![0]);
    assert.equal(row.ciHigh, s.metrics.auc!.ci95![1]);
  }
  assert.equal(auc.get('reference: oracle (true event)')![0].mean, r.oracle!.pooledAuc!.mean);
  if (r.oracle?.labelPooledAuc) assert.equal(auc.get('reference: oracle (recorded label)')![0].mean, r.oracle.labelPooledAuc.mean);
  const f1 = tableValues(figs.get('headline-f1')!);
  assert.equal(f1.get('central')![0].mean, r.summary.find((s) => s.arm === 'central')!.metrics.f1!.mean);
  // The visible text is the rounded value.
  assert.match(figs.get('headline-auc')!, new RegExp(`data-value="${r.summary[0].metrics.auc!.mean}">${r.summary[0].metrics.auc!.mean.toFixed(3)}<`));

  const sites = tableValues(figs.get('site-auc')!);
  const fedavgSites = sites.get('fedavg')!;
  assert.deepEqual(fedavgSites.map((x) => x.mean), r.data.sites.map((site) => r.summary.find((s) => s.arm === 'fedavg')!.siteAuc[site]!.mean));

  const conv = tableValues(figs.get('convergence')!).get('scaffold')!;
  const seeds = r.perSeed.filter((x) => x.arm === 'scaffold');
  conv.forEach((row, i) => {
    const mean = seeds.reduce((a, s) => a + s.convergence![i].pooledAuc!, 0) / seeds.length;
    assert.ok(Math.abs(row.auc - mean) < 1e-15);
    assert.equal(row.round, i + 1);
  });
  const comm = tableValues(figs.get('communication-cumulative')!).get('fedavg')!;
  assert.equal(comm.at(-1)!.cumulativeBytes, r.summary.find((s) => s.arm === 'fedavg')!.communication!.meanTotalBytes);
});

test('the headline table is the one in results.md, cell by cell', async () => {
  const r = (await smallBench()) as ReportResult;
  const { html } = await plain();
  const md = markdownSummary(r);
  const mdRows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| arm')).map((l) => l.slice(2, -2).split(' | ').map((c) => c.trim().replace(/^_(.*)_$/, '$1')));
  const table = /<table class="headline">([\s\S]*?)<\/table>/.exec(html)![1];
  const htmlRows = [...table.matchAll(/<tr class="[^"]*"><th scope="row">([^<]*)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => [
    unescape(m[1]),
    ...[...m[2].matchAll(/<td class="num">([\s\S]*?)<\/td>/g)].map((c) => unescape(c[1].replace(/<br><span class="ci">/, ' ').replace(/<\/span>/, ''))),
  ]);
  assert.equal(htmlRows.length, r.summary.length);
  assert.deepEqual(htmlRows, mdRows);
  const mdHeader = md.split('\n').find((l) => l.startsWith('| arm'))!.slice(2, -2).split(' | ');
  assert.deepEqual([...table.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]), mdHeader);
});

test('without DP the report says so; with DP it lists ε spent per site, δ, the accountant and the noise source', async () => {
  const plainHtml = (await plain()).html;
  assert.match(plainHtml, /No differential privacy in this run/);
  assert.match(plainHtml, /No secure aggregation in this run/);
  assert.ok(!plainHtml.includes('data-figure="privacy-utility"'));

  const dpHtml = (await dp()).html;
  assert.ok(!dpHtml.includes('No differential privacy in this run'));
  assert.match(dpHtml, /Differential privacy: 6 arms, secure noise/);
  const table = /<table><caption>ε spent per site[\s\S]*?<\/table>/.exec(dpHtml)![0];
  assert.match(table, /<th scope="col">δ<\/th>/);
  assert.match(table, /<th scope="col">accountant<\/th>/);
  assert.match(table, /<th scope="row">fedavg\+dp\(eps=1\)<\/th><td>sample<\/td><td class="num">1<\/td>(<td class="num" data-value="[\d.]+">[\d.]+<\/td>){3}<td class="num">1\.0e-5<\/td><td>rdp<\/td><td class="pass-cell">yes<\/td>/);
  // The largest ε spent over seeds at us-academic (0.9 + 0.01 in seed 1).
  assert.match(table, new RegExp(`data-value="${0.9 + 0.01}"`));
  assert.match(dpHtml, /Secure aggregation \(the server sees only the sum of the sites' updates\): <strong>fedavg<\/strong> \(masking \(Bonawitz et al\. 2017\), threshold 2\)/);
  assert.match(dpHtml, /Secure aggregation accounts for \d+\.\d % of the bytes/);
  const headline = /<table class="headline">[\s\S]*?<\/table>/.exec(dpHtml)![0];
  assert.match(headline, /ε spent \(max over sites\), δ/);

  const insecure = (await renderReport(withDp(await smallBench(), { secureNoise: false }))).html;
  assert.match(insecure, /Not a privacy guarantee:/);
  assert.match(insecure, /<td class="fail-cell">NO: seeded<\/td>/);
  assert.match(insecure, /noise NOT secure in 6/);
});

test('gates: pass and fail are written out, not only colored', async () => {
  const r = (await smallBench()) as ReportResult;
  r.gates = [
    { expression: 'fedavg.auc >= central.auc - 0.5', passed: true, left: 0.6, right: 0.1, message: 'passed fedavg.auc >= central.auc - 0.5' },
    { expression: 'fedavg.auc >= 0.99', passed: false, left: 0.6, right: 0.99, message: 'FAILED fedavg.auc >= 0.99: 0.600 < 0.990' },
  ];
  const { html } = await renderReport(r);
  assert.match(html, /Gates: 1 of 2 FAILED/);
  assert.match(html, /<code>fedavg\.auc &gt;= 0\.99<\/code><\/th><td class="num">0\.6000<\/td><td class="num">0\.9900<\/td><td class="fail-cell">FAIL<\/td>/);
  assert.match(html, /<td class="pass-cell">PASS<\/td>/);
});

test('provenance: version, manifest hash and the exact command, shell-quoted', async () => {
  const r = (await smallBench()) as ReportResult;
  const { html } = await plain();
  assert.match(html, new RegExp(`<code>${r.data.manifestSha256}</code>`));
  assert.match(html, new RegExp(`<dt>fedage version</dt><dd>${r.fedageVersion.replace(/\./g, '\\.')} `));
  assert.match(html, /<pre><code>fedage bench scenarios\/alzheimers-3site\.yaml --seeds 2 --rounds 4 --arms central,local,fedavg,scaffold --out &#39;bench out&#39;<\/code><\/pre>/);
  assert.match(html, /fedage report &#39;out dir\/results\.json&#39; --out report\.html --force/);
});

test('text from the results file is escaped, never markup', async () => {
  const r = (await smallBench()) as ReportResult;
  r.data.scenarioName = '<script>alert(1)</script>';
  r.warnings = ['<img src=x onerror=alert(1)>'];
  const { html } = await renderReport(r);
  assert.ok(!html.includes('<script>'));
  assert.ok(!html.includes('<img'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
});

test('an older results.json (no dataSummary, no argv) still renders, saying what is missing', async () => {
  const r = (await smallBench()) as ReportResult;
  delete r.dataSummary;
  delete r.argv;
  const report = await renderReport(r);
  assert.ok(report.figures.includes('label-prevalence'));
  assert.ok(!report.figures.includes('feature-shift'));
  assert.match(report.html, /no per-site feature summary/);
  assert.match(report.html, /The command line was not recorded/);
});

test('a run without federated arms has no convergence or communication plots, and says so', async () => {
  const r = (await smallBench()) as ReportResult;
  r.perSeed = r.perSeed.filter((x) => x.family !== 'federated');
  r.summary = r.summary.filter((x) => x.family !== 'federated');
  const report = await renderReport(r);
  assert.ok(!report.figures.includes('convergence'));
  assert.match(report.html, /No federated arm in this run\./);
  assert.deepEqual(report.renderWarnings, []);
});

test('the same result gives the same bytes (no timestamps)', async () => {
  const again = await renderReport(withDp(await smallBench()));
  assert.equal(again.html, (await dp()).html);
});
