/**
 * `fidelityReport(dir, targetsFile)`: the generated cohort against its citations. A targets file
 * (fidelity/targets.yaml) lists rows of quantity, group, site (optional: all sites pooled),
 * the cited value, its source key and a tolerance; each row is computed from the data directory
 * and is ok when |generated - cited| <= tolerance.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { readManifest } from '../manifest.js';
import { manifestFilePath } from '../inspect.js';
import { PATIENT_COLUMNS_USED, QUANTITIES, type SiteTables, VISIT_COLUMNS_USED } from './quantities.js';
import { loadTable } from './table.js';

const targetRow = z.strictObject({
  quantity: z.string(),
  group: z.string(),
  site: z.string().optional(),
  cited: z.number(),
  source: z.string().min(1),
  tolerance: z.number().min(0),
  note: z.string().optional(),
});
export const fidelityTargetsSchema = z.strictObject({
  description: z.string().optional(),
  scenario: z.string().describe('the scenario whose site ids the rows name'),
  rows: z.array(targetRow).min(1),
});
export type FidelityTarget = z.infer<typeof targetRow>;
export type FidelityTargets = z.infer<typeof fidelityTargetsSchema>;

export interface FidelityRow extends FidelityTarget {
  generated: number | null;
  ok: boolean;
}

export interface FidelityReport {
  targetsFile: string;
  rows: FidelityRow[];
  failed: number;
}

export async function readFidelityTargets(file: string): Promise<FidelityTargets> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError([{ file, path: '', expected: 'a fidelity targets YAML file', found: 'no such file' }]);
  }
  const parsed = fidelityTargetsSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => ({ file, path: i.path.join('.'), expected: i.message, found: 'see the file' })));
  }
  const unknown = parsed.data.rows.flatMap((r, k) => (QUANTITIES[r.quantity] ? [] : [{ file, path: `rows.${k}.quantity`, expected: `one of ${Object.keys(QUANTITIES).join(', ')}`, found: r.quantity }]));
  if (unknown.length) throw new InputError(unknown);
  return parsed.data;
}

/** Progress of a fidelity report: sites' tables loaded, then target rows computed. */
export interface FidelityProgress {
  stage: 'load' | 'compute';
  done: number;
  total: number;
  /** The site loaded or the quantity computed. */
  item: string;
}

export async function fidelityReport(dir: string, targetsFile: string, opts: { onProgress?: (p: FidelityProgress) => void } = {}): Promise<FidelityReport> {
  const targets = await readFidelityTargets(targetsFile);
  const manifest = await readManifest(dir);
  const tables: SiteTables[] = [];
  for (const [k, site] of manifest.sites.entries()) {
    opts.onProgress?.({ stage: 'load', done: k, total: manifest.sites.length, item: site.id });
    const patients = await loadTable(manifestFilePath(dir, site.files.patients.file, `sites[${k}].files.patients.file`), PATIENT_COLUMNS_USED);
    const visits = site.files.visits ? await loadTable(manifestFilePath(dir, site.files.visits.file, `sites[${k}].files.visits.file`), VISIT_COLUMNS_USED) : null;
    tables.push({ id: site.id, patients, visits });
  }
  const rows = targets.rows.map((t, k): FidelityRow => {
    const chosen = t.site === undefined ? tables : tables.filter((s) => s.id === t.site);
    if (t.site !== undefined && chosen.length === 0) {
      throw new InputError([{ file: targetsFile, path: `rows.${k}.site`, expected: `a site of ${dir} (${tables.map((s) => s.id).join(', ')})`, found: t.site }]);
    }
    opts.onProgress?.({ stage: 'compute', done: k, total: targets.rows.length, item: `${t.quantity} (${t.group}${t.site ? `, ${t.site}` : ''})` });
    const generated = QUANTITIES[t.quantity].compute(chosen, t.group);
    return { ...t, generated, ok: generated !== null && Math.abs(generated - t.cited) <= t.tolerance };
  });
  return { targetsFile, rows, failed: rows.filter((r) => !r.ok).length };
}
