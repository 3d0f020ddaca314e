/**
 * The plot specs: every plot has a title and a description, every quantitative axis a title
 * naming its unit, colors only from the color-blind-safe palette (or grays), and every spec
 * renders offline to an SVG with marks and without a Vega warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { narrowSpec, reportFigures, byteUnit, type Figure, type VlSpec } from '../../src/report/figures.js';
import { renderSvg } from '../../src/report/render-svg.js';
import { OKABE_ITO, REFERENCE_GRAY } from '../../src/report/palette.js';
import { textWidth } from '../../src/report/text-metrics.js';
import type { ReportResult } from '../../src/report/extensions.js';
import { smallBench, withDp } from './helpers.js';

function allFigures(r: ReportResult): Figure[] {
  return Object.values(reportFigures(r)).flat();
}

/** Every (channel, encoding) pair anywhere in a spec (layers, concat panels). */
function encodings(spec: unknown, out: [string, Record<string, unknown>][] = []): [string, Record<string, unknown>][] {
  if (Array.isArray(spec)) for (const s of spec) encodings(s, out);
  else if (spec && typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    if (o.encoding && typeof o.encoding === 'object') for (const [ch, e] of Object.entries(o.encoding as object)) out.push([ch, e as Record<string, unknown>]);
    for (const k of ['layer', 'concat', 'vconcat', 'hconcat']) if (o[k]) encodings(o[k], out);
  }
  return out;
}

/** Every color string in a spec (mark colors, scale ranges). */
function colors(spec: unknown, out: string[] = []): string[] {
  if (typeof spec === 'string' && /^#[0-9a-f]{6}$/i.test(spec)) out.push(spec.toUpperCase());
  else if (Array.isArray(spec)) for (const s of spec) colors(s, out);
  else if (spec && typeof spec === 'object') {
    for (const [k, v] of Object.entries(spec as object)) {
      if (k === 'config') continue; // axis/text grays, checked below
      colors(v, out);
    }
  }
  return out;
}

test('the result of a bench run gives the headline, convergence, per-site, communication and data plots; no privacy plot without DP', async () => {
  const figs = reportFigures((await smallBench()) as ReportResult);
  assert.deepEqual(
    Object.values(figs).flat().map((f) => f.id),
    ['headline-auc', 'headline-f1', 'convergence', 'site-auc', 'communication-round', 'communication-cumulative', 'label-prevalence', 'feature-shift', 'feature-distributions'],
  );
  assert.equal(figs.privacy.length, 0);
  const dp = reportFigures(withDp(await smallBench()));
  assert.deepEqual(dp.privacy.map((f) => f.id), ['privacy-utility']);
});

test('every plot has a title and a description; every quantitative position axis names its unit in parentheses', async () => {
  for (const f of allFigures(withDp(await smallBench()))) {
    assert.ok(f.title.length > 3, f.id);
    assert.ok(f.description.length > 20, f.id);
    assert.equal((f.spec.title as { text: string }).text, f.title);
    const positional = encodings(f.spec).filter(([ch, e]) => ['x', 'y'].includes(ch) && e.type === 'quantitative');
    assert.ok(positional.length > 0, `${f.id} has a quantitative axis`);
    for (const [ch, e] of positional) {
      assert.equal(typeof e.title, 'string', `${f.id} ${ch} has an axis title`);
      assert.match(e.title as string, /\(.+\)/, `${f.id} ${ch} title "${e.title}" names a unit`);
    }
    for (const [ch, e] of encodings(f.spec).filter(([ch, e]) => ['x', 'y'].includes(ch) && e.type === 'nominal')) {
      assert.ok(e.title === null || (typeof e.title === 'string' && e.title.length > 0), `${f.id} ${ch}`);
    }
  }
});

test('colors come from the Okabe–Ito palette or are neutral grays', async () => {
  const allowed = new Set([...OKABE_ITO, REFERENCE_GRAY.toUpperCase(), '#222222']);
  for (const f of allFigures(withDp(await smallBench()))) {
    for (const c of colors(f.spec)) assert.ok(allowed.has(c), `${f.id}: ${c}`);
  }
});

test('series are told apart by shape or dash as well as color', async () => {
  for (const f of allFigures(withDp(await smallBench()))) {
    const enc = encodings(f.spec);
    const colorFields = new Set(enc.filter(([ch]) => ch === 'color').map(([, e]) => e.field));
    for (const field of colorFields) {
      const redundant = enc.some(([ch, e]) => (ch === 'shape' || ch === 'strokeDash') && e.field === field);
      // Interval rules share their point layer's shape; lines carry a dash.
      assert.ok(redundant, `${f.id}: color by ${String(field)} has a shape or dash too`);
    }
  }
});

test('every spec renders offline to SVG with marks, its title and axis titles, and no Vega warning', async () => {
  for (const f of allFigures(withDp(await smallBench()))) {
    for (const [variant, spec] of [['wide', f.spec], ['narrow', narrowSpec(f.spec)]] as [string, VlSpec][]) {
      const warnings: string[] = [];
      const svg = await renderSvg(spec, f.id, warnings);
      assert.deepEqual(warnings, [], `${f.id} ${variant}`);
      assert.match(svg, /^<svg /);
      assert.ok(!/https?:\/\//.test(svg), `${f.id}: no URL in the SVG`);
      const marks = (svg.match(/class="mark-(symbol|rule|line|rect|text)/g) ?? []).length;
      assert.ok(marks > 0, `${f.id} ${variant} has marks`);
      assert.ok(svg.includes(`>${f.title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`), `${f.id} title drawn`);
      for (const [, e] of encodings(spec).filter(([ch, e]) => ['x', 'y'].includes(ch) && e.type === 'quantitative')) {
        assert.ok(svg.includes(`>${(e.title as string).replace(/&/g, '&amp;')}</text>`), `${f.id}: axis title "${e.title}" drawn`);
      }
    }
  }
});

test('the narrow variant is narrower and keeps everything else', async () => {
  const figs = allFigures((await smallBench()) as ReportResult);
  for (const f of figs) {
    const wide = await renderSvg(f.spec, 'w');
    const narrow = await renderSvg(narrowSpec(f.spec), 'n');
    const width = (svg: string) => Number(/width="([\d.]+)"/.exec(svg)![1]);
    assert.ok(width(narrow) < width(wide), `${f.id}: ${width(narrow)} < ${width(wide)}`);
    // A phone's 360–400 px column shows it at 90% or more of its size.
    assert.ok(width(narrow) <= 420, `${f.id}: narrow width ${width(narrow)} fits a phone`);
  }
});

test('rendering is deterministic', async () => {
  const f = allFigures((await smallBench()) as ReportResult)[0];
  assert.equal(await renderSvg(f.spec, 'a'), await renderSvg(f.spec, 'a'));
});

test('axis domains hold every interval and reference line', async () => {
  const r = (await smallBench()) as ReportResult;
  const f = reportFigures(r).headline[0];
  const domain = (encodings(f.spec).find(([ch, e]) => ch === 'x' && e.field === 'mean')![1].scale as { domain: [number, number] }).domain;
  const values = [...f.table.rows.flatMap((row) => [row.mean, row.ciLow, row.ciHigh])].filter((v): v is number => typeof v === 'number');
  for (const v of values) assert.ok(v >= domain[0] && v <= domain[1], `${v} in [${domain}]`);
  assert.ok(domain[0] >= 0 && domain[1] <= 1);
});

test('byte units: the largest binary unit with a value of at least one', () => {
  assert.deepEqual(byteUnit(1023), { unit: 'B', divisor: 1 });
  assert.deepEqual(byteUnit(1024), { unit: 'KiB', divisor: 1024 });
  assert.deepEqual(byteUnit(5 * 1024 ** 2), { unit: 'MiB', divisor: 1024 ** 2 });
});

test('text widths follow Helvetica metrics (AFM: "Hello" = 722+556+222+222+556 units)', () => {
  assert.ok(Math.abs(textWidth('Hello', 10, false) - (2278 / 1000) * 10 * 1.03) < 1e-9);
  // Bold is wider; an unknown character is never narrower than a digit.
  assert.ok(textWidth('fedavg', 12, true) > textWidth('fedavg', 12, false));
  assert.ok(textWidth('漢', 12, false) >= textWidth('0', 12, false));
});
