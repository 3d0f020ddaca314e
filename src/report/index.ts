/** The report layer: a BenchResult (or a saved results.json) → report.html with plots. */
export { renderReport, type ReportOptions, type RenderedReport } from './html.js';
export { readResultsFile, parseResults } from './read-results.js';
export { reportFigures, type Figure, type FigureTable, type TableColumn, type VlSpec } from './figures.js';
export { renderSvg } from './render-svg.js';
export { writeReport, REPORT_FILE } from './write-report.js';
export * from './extensions.js';
export { OKABE_ITO } from './palette.js';
