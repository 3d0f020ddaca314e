/** Shared by the export tests: a small generated Arrow directory and its values read back by Arrow JS. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, type Field } from 'apache-arrow';
import { readArrowBatches } from '../../../src/data/arrow-io.js';
import { writeSyntheticDataset } from '../../../src/data/write-dataset.js';
import { parseScenario } from '../../../src/scenario/parse.js';

/** Two sites with different units (one SI, kg) and enough missingness to exercise nulls. */
export const EXPORT_SCENARIO = `consortium:
  name: export-test
  seed: 5
sites:
  - id: alpha
    patients: 300
    missingness: { labs: 0.3, apoe: 0.2 }
  - id: beta
    patients: 200
    coding: { labUnits: SI, weightUnit: kg, icdSystem: WHO-ICD-10, switchDate: null }
`;

export function freshRoot(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Generates EXPORT_SCENARIO into `dir` with small batches (several batches per file). */
export async function generateSmall(dir: string): Promise<void> {
  await writeSyntheticDataset(parseScenario(EXPORT_SCENARIO, 'export-test.yaml'), { outDir: dir, batchSize: 128 });
}

/** A cell as a plain value: null, number, string; dates as YYYY-MM-DD. */
export type Cell = null | number | string;

/** Every row of an Arrow file as plain cells, and its fields. */
export async function arrowRows(path: string): Promise<{ fields: Field[]; rows: Cell[][] }> {
  const rows: Cell[][] = [];
  let fields: Field[] = [];
  for await (const batch of readArrowBatches(path)) {
    fields = batch.schema.fields;
    const cols = fields.map((_, k) => batch.getChildAt(k)!);
    for (let i = 0; i < batch.numRows; i++) {
      rows.push(
        fields.map((f, k) => {
          const v = cols[k].get(i) as unknown;
          if (v === null || v === undefined) return null;
          if (DataType.isDate(f.type)) return new Date(v instanceof Date ? v.getTime() : (v as number)).toISOString().slice(0, 10);
          return typeof v === 'bigint' ? Number(v) : (v as number | string);
        }),
      );
    }
  }
  return { fields, rows };
}
