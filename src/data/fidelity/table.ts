/**
 * A site's generated tables loaded column by column for the fidelity checks: numeric columns as
 * Float64Array with NaN for null, dictionary columns as their string values (null for null).
 * Whole tables are held in memory: the checks run on cohorts of tens of thousands of patients.
 */
import type { Vector } from 'apache-arrow';
import { readArrowBatches } from '../arrow-io.js';

export interface LoadedTable {
  rows: number;
  numeric(name: string): Float64Array;
  text(name: string): (string | null)[];
}

export async function loadTable(path: string, columns: readonly string[]): Promise<LoadedTable> {
  const parts = new Map<string, Vector[]>();
  let rows = 0;
  for await (const batch of readArrowBatches(path)) {
    rows += batch.numRows;
    for (const name of columns) {
      const v = batch.getChild(name);
      if (v) (parts.get(name) ?? parts.set(name, []).get(name)!).push(v);
    }
  }
  const numericCache = new Map<string, Float64Array>();
  const textCache = new Map<string, (string | null)[]>();
  const vectors = (name: string): Vector[] => {
    const v = parts.get(name);
    if (!v) throw new Error(`internal: column ${name} was not loaded from ${path}`);
    return v;
  };
  return {
    rows,
    numeric(name) {
      let out = numericCache.get(name);
      if (!out) {
        out = new Float64Array(rows);
        let r = 0;
        for (const v of vectors(name)) {
          for (let i = 0; i < v.length; i++, r++) {
            const x = v.get(i);
            out[r] = x === null || x === undefined ? NaN : Number(x);
          }
        }
        numericCache.set(name, out);
      }
      return out;
    },
    text(name) {
      let out = textCache.get(name);
      if (!out) {
        out = [];
        for (const v of vectors(name)) for (let i = 0; i < v.length; i++) out.push((v.get(i) as string | null) ?? null);
        textCache.set(name, out);
      }
      return out;
    },
  };
}
