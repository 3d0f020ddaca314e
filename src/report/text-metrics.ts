/**
 * Text widths for Vega's layout in Node. Without a canvas Vega estimates a string as
 * 0.8 × length × font size, about 1.5 times too wide for ordinary labels: axes then reserve
 * blank space and long labels are cut with "…". The plots use Helvetica's metrics (Arial and
 * Liberation Sans are metric-compatible with it, so the browser draws what was laid out), and
 * Vega is given those widths through its documented hook for a user-defined text measure
 * (`textMetrics.width`, as vl-convert does).
 *
 * Widths are the Adobe Font Metrics of Helvetica and Helvetica-Bold (units of 1/1000 em) for
 * ASCII 32–126; other characters take 600 (wider than most), so a label is never underestimated
 * by much.
 */
import * as vega from 'vega';

/** The font stack of every plot: Helvetica metrics on every platform. */
export const PLOT_FONT = 'Helvetica, Arial, "Liberation Sans", "Nimbus Sans", sans-serif';

// prettier-ignore
const REGULAR = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space … /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 … ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ … O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P … _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` … o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p … ~
];

// prettier-ignore
const BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
  611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/** Common non-ASCII characters of the plots' text. */
const OTHER: Record<string, number> = { '–': 556, '—': 1000, '−': 584, '×': 584, '±': 584, '’': 222, '‘': 222, '…': 1000, 'ε': 500, 'δ': 556, 'σ': 600, '·': 278, ' ': 278 };

/** Room for rendering differences between fonts that share these metrics. */
const SAFETY = 1.03;

export function textWidth(text: string, fontSize: number, bold: boolean): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? table[code - 32] : (OTHER[ch] ?? 600);
  }
  return (units / 1000) * fontSize * SAFETY;
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  text?: unknown;
}

function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined) return false;
  if (typeof weight === 'number') return weight >= 600;
  return weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
}

/**
 * The width of `text` (a line) or the item's own text. Not truncated: Vega's own truncation
 * calls this for every candidate prefix, so it must measure exactly what it is given.
 */
function measure(item: TextItem, text?: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const line = (text == null ? (Array.isArray(item.text) ? '' : String(item.text ?? '')) : String(text)).trim();
  return textWidth(line, size, isBold(item.fontWeight));
}

let installed = false;

/** Points Vega's text measure at the Helvetica metrics (once per process; idempotent). */
export function useHelveticaMetrics(): void {
  if (installed) return;
  (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics.width = measure;
  installed = true;
}
