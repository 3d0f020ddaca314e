/** Small HTML helpers: escaping (every value from a results file is text, never markup) and number cells. */
import type { CellFormat, FigureTable } from './figures.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Tagged template: interpolated values are escaped unless wrapped with raw(). */
export class Raw {
  constructor(readonly html: string) {}
}

export function raw(html: string): Raw {
  return new Raw(html);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0];
  values.forEach((v, i) => {
    out += toHtml(v) + strings[i + 1];
  });
  return new Raw(out);
}

function toHtml(v: unknown): string {
  if (v instanceof Raw) return v.html;
  if (Array.isArray(v)) return v.map(toHtml).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** A cell's visible text; the exact value goes into data-value. */
export function formatCell(value: string | number | boolean | null | undefined, format: CellFormat): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'boolean') return value ? 'yes' : '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  switch (format) {
    case 'metric':
      return value.toFixed(3);
    case 'smd':
      return value.toFixed(2);
    case 'percent':
      return value.toFixed(1);
    case 'bytes':
    case 'integer':
      return Math.round(value).toLocaleString('en-US');
    case 'number':
    case 'text':
    case 'boolean':
      return formatNumber(value);
  }
}

/** Four significant digits, plain notation for ordinary magnitudes. */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(2);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(4)).toString();
}

/** A data table: numeric cells carry their exact value in data-value (what the plot drew). */
export function dataTable(table: FigureTable, caption: string): Raw {
  const head = table.columns.map((c) => html`<th scope="col">${c.label}</th>`);
  const body = table.rows.map((row) => {
    const cells = table.columns.map((c, k) => {
      const v = row[c.key];
      const text = formatCell(v, c.format);
      const numeric = typeof v === 'number';
      if (k === 0) return html`<th scope="row">${text}</th>`;
      return numeric ? html`<td class="num" data-key="${c.key}" data-value="${String(v)}">${text}</td>` : html`<td data-key="${c.key}">${text}</td>`;
    });
    return html`<tr>${cells}</tr>`;
  });
  return html`<div class="table-wrap"><table><caption>${caption}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** Quotes an argument for a POSIX shell when it needs quoting. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
