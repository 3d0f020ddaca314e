/**
 * The report's only stylesheet, inlined. Mobile first: one column, tables and code scroll inside
 * their own boxes so the page never scrolls sideways; plots scale down to the column width.
 * Print: no navigation, figures kept on one page, table fallbacks printed open.
 */
export const REPORT_CSS = `
:root { --fg: #1a1a1a; --muted: #4d4d4d; --line: #d0d0d0; --soft: #f4f5f7; --pass: #006b3c; --fail: #b00020; --warn: #8a5300; --accent: #0072B2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; overflow-wrap: anywhere; }
header, main, footer, nav { max-width: 62rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin: 2.25rem 0 .6rem; padding-top: .6rem; border-top: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p, ul, ol, dl { margin: .5rem 0; }
.lede { font-size: 1.05rem; }
.muted { color: var(--muted); }
code, pre, kbd { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; }
code { background: var(--soft); padding: 0 .2em; border-radius: 3px; }
pre { background: var(--soft); padding: .75rem; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.status { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: .75rem 0; }
.status li { border: 1px solid var(--line); border-radius: 4px; padding: .2rem .6rem; background: var(--soft); }
.status .pass { border-color: var(--pass); color: var(--pass); }
.status .fail { border-color: var(--fail); color: var(--fail); font-weight: 600; }
.status .warn { border-color: var(--warn); color: var(--warn); }
.callout { border-left: 4px solid var(--accent); background: var(--soft); padding: .6rem .9rem; margin: .9rem 0; }
.callout.fail { border-left-color: var(--fail); }
.callout.warn { border-left-color: var(--warn); }
nav ol { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; list-style: none; margin: .5rem 0 0; }
a { color: #005a8c; }
figure { margin: 1.25rem 0; padding: .75rem; border: 1px solid var(--line); border-radius: 6px; break-inside: avoid; page-break-inside: avoid; }
figure .plot { max-width: 100%; overflow: hidden; }
figure .plot.narrow { display: none; }
table.headline td.num { white-space: nowrap; }
.ci { color: var(--muted); font-size: .85em; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .4rem; }
details { margin: .5rem 0; }
summary { cursor: pointer; color: #005a8c; }
.table-wrap { max-width: 100%; overflow-x: auto; margin: .5rem 0; }
table { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; caption-side: top; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; vertical-align: top; overflow-wrap: normal; }
td.num { text-align: right; white-space: nowrap; }
thead th { border-bottom: 2px solid var(--fg); }
tr.derived th, tr.derived td { font-style: italic; color: var(--muted); }
.pass-cell { color: var(--pass); font-weight: 600; }
.fail-cell { color: var(--fail); font-weight: 600; }
dl.facts { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
@media (max-width: 40rem) {
  figure .plot.wide { display: none; }
  figure .plot.narrow { display: block; }
}
@media (max-width: 34rem) {
  body { font-size: 15px; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
  figure { padding: .4rem; margin: 1rem 0; }
}
@media print {
  @page { margin: 14mm; }
  body { font-size: 10.5pt; }
  nav { display: none; }
  figure .plot.wide { display: block; }
  figure .plot.narrow { display: none; }
  header, main, footer { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure { border: none; padding: 0; }
  details > * { display: block; }
  details::details-content { display: block; content-visibility: visible; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
