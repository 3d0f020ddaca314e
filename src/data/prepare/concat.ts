import type { LabeledData } from '../../model/types.js';

/** Row-wise concatenation of labeled matrices (the pooled data only the central arm may see). */
export function concatData(parts: readonly LabeledData[]): LabeledData {
  const d = parts[0]?.d ?? 0;
  const n = parts.reduce((a, p) => a + p.n, 0);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  let row = 0;
  for (const p of parts) {
    x.set(p.x, row * d);
    y.set(p.y, row);
    row += p.n;
  }
  return { n, d, x, y };
}
