/**
 * Colors that survive color-blindness: the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal
 * Design"; recommended by Wong 2011, Nature Methods 8:441). Yellow comes last: it has the least
 * contrast on white. Every plot also separates series by shape or dash, so no reading depends on
 * color alone.
 */
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

/** Dash patterns paired with colors (cycled beyond eight series). */
export const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];

/** Vega point shapes paired with colors. */
export const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'wedge', 'stroke'] as const;

/** Colors of arm families in the headline plots. */
export const FAMILY_COLORS: Record<string, string> = {
  central: '#000000',
  local: '#E69F00',
  federated: '#0072B2',
  'central + DP': '#CC79A7',
  'local + DP': '#D55E00',
  'federated + DP': '#D55E00',
};

/** Reference-line gray (contrast ≥ 4.5:1 on white). */
export const REFERENCE_GRAY = '#595959';

/** n colors, cycling the palette. */
export function paletteFor(n: number): string[] {
  return Array.from({ length: n }, (_, i) => OKABE_ITO[i % OKABE_ITO.length]);
}

export function dashesFor(n: number): number[][] {
  // Beyond eight series the colors repeat: the dash pattern changes with each cycle so the pair stays unique up to 32.
  return Array.from({ length: n }, (_, i) => DASHES[(i + Math.floor(i / OKABE_ITO.length)) % DASHES.length]);
}

export function shapesFor(n: number): string[] {
  return Array.from({ length: n }, (_, i) => SHAPES[(i + Math.floor(i / OKABE_ITO.length)) % SHAPES.length]);
}

/** The plain name of each color the plots use, so captions name the color actually drawn. */
const COLOR_WORDS: Record<string, string> = {
  '#0072B2': 'blue',
  '#D55E00': 'vermillion',
  '#009E73': 'green',
  '#CC79A7': 'pink',
  '#E69F00': 'orange',
  '#56B4E9': 'sky blue',
  '#000000': 'black',
  '#F0E442': 'yellow',
  [REFERENCE_GRAY]: 'gray',
};

export const COLOR_WORD_LIST = [...new Set(Object.values(COLOR_WORDS))];

export function colorWord(hex: string): string {
  const word = COLOR_WORDS[hex.toUpperCase()];
  if (!word) throw new Error(`internal: no name for plot color ${hex}`);
  return word;
}
