/**
 * Vega-Lite spec → inline SVG, offline in Node: vega-lite compiles the spec to Vega, a headless
 * Vega view (renderer "none": no canvas, no DOM) renders it to an SVG string. Specs carry their
 * data inline, so no loader is ever asked for a URL.
 *
 * Warnings from vega-lite and vega are collected, not printed (the library never prints): the
 * report lists them, and tests assert a normal result renders without any.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { VlSpec } from './figures.js';
import { useHelveticaMetrics } from './text-metrics.js';

function collectingLogger(sink: string[]) {
  return vega.logger(vega.Warn, undefined, (method, _level, args) => {
    if (method === 'log') return;
    sink.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  });
}

/**
 * Renders a spec to SVG markup for inlining into HTML. `idPrefix` makes the few ids Vega emits
 * (clip paths, gradients) unique within the page; the XML namespace declarations are dropped,
 * since an HTML parser puts inline <svg> in the SVG namespace itself.
 */
export async function renderSvg(spec: VlSpec, idPrefix: string, warnings: string[] = []): Promise<string> {
  useHelveticaMetrics();
  const logger = collectingLogger(warnings);
  const compiled = compile(spec as unknown as TopLevelSpec, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    return scopeIds(svg, idPrefix).replace(/\s+xmlns(?::\w+)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}

/** Prefixes every id="…" and its references (url(#…), href="#…") with `prefix-`. */
export function scopeIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  if (ids.length === 0) return svg;
  const known = new Set(ids);
  const scoped = (id: string) => (known.has(id) ? `${prefix}-${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${scoped(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${scoped(id)})`)
    .replace(/((?:xlink:)?href=")#([^"]+)"/g, (_, head: string, id: string) => `${head}#${scoped(id)}"`);
}
