/**
 * CSV export: read back with csv-parse (an independent RFC 4180 parser) and compared value by
 * value with the Arrow source; the number and string forms checked as invariants (fast-check).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { DataType } from 'apache-arrow';
import { csvString, float32Text } from '../../../src/data/export/csv-file.js';
import { exportDataset } from '../../../src/data/export/export-dataset.js';
import { hashFile } from '../../../src/data/verify.js';
import type { Manifest } from '../../../src/data/manifest.js';
import { arrowRows, freshRoot, generateSmall } from './helpers.js';

const root = freshRoot('fedage-export-csv-');
const arrowDir = join(root, 'arrow');
const csvDir = join(root, 'csv');
before(async () => {
  await generateSmall(arrowDir);
  await exportDataset(arrowDir, { format: 'csv', outDir: csvDir });
});
after(() => rmSync(root, { recursive: true, force: true }));

interface ParsedCell {
  text: string;
  quoted: boolean;
}

/** Parses CSV keeping, per field, whether it was quoted (an unquoted empty field is a null). */
function parseCsv(text: string): ParsedCell[][] {
  return parse(text, {
    cast: (value: string, ctx: { quoting: boolean }) => ({ text: value, quoted: ctx.quoting }),
    relax_column_count: false,
  }) as unknown as ParsedCell[][];
}

describe('CSV export', () => {
  test('every value reads back equal to the Arrow source (floats to the same float32), nulls as empty fields', async () => {
    let nulls = 0;
    for (const file of readdirSync(arrowDir).filter((f) => f.endsWith('.arrow'))) {
      const { fields, rows } = await arrowRows(join(arrowDir, file));
      const parsed = parseCsv(readFileSync(join(csvDir, file.replace(/\.arrow$/, '.csv')), 'utf8'));
      assert.deepEqual(
        parsed[0].map((c) => c.text),
        fields.map((f) => f.name),
        `${file}: header`,
      );
      assert.equal(parsed.length - 1, rows.length, `${file}: rows`);
      for (let i = 0; i < rows.length; i++) {
        for (let k = 0; k < fields.length; k++) {
          const want = rows[i][k];
          const cell = parsed[i + 1][k];
          const where = `${file} row ${i} ${fields[k].name}`;
          if (want === null) {
            nulls++;
            assert.deepEqual(cell, { text: '', quoted: false }, where);
            continue;
          }
          const type = fields[k].type;
          if (DataType.isFloat(type) && (type as unknown as { precision: number }).precision === 1) {
            assert.equal(Math.fround(Number(cell.text)), want, where);
          } else if (typeof want === 'number') {
            assert.equal(Number(cell.text), want, where);
          } else {
            assert.equal(cell.text, want, where);
          }
        }
      }
    }
    assert.ok(nulls > 100, `only ${nulls} nulls compared`);
  });

  test('the data dictionary has one row per table and column, with each site\'s unit', async () => {
    const dict = parse(readFileSync(join(csvDir, 'data-dictionary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const { fields: pFields } = await arrowRows(join(arrowDir, 'alpha.arrow'));
    const { fields: vFields } = await arrowRows(join(arrowDir, 'alpha.visits.arrow'));
    assert.deepEqual(
      dict.map((r) => `${r.table}.${r.column}`),
      [...pFields.map((f) => `patients.${f.name}`), ...vFields.map((f) => `visits.${f.name}`)],
    );
    const glucose = dict.find((r) => r.table === 'patients' && r.column === 'glucose')!;
    assert.deepEqual([glucose['unit.alpha'], glucose['unit.beta'], glucose.unit], ['mg/dL', 'mmol/L', 'varies by site']);
    const age = dict.find((r) => r.column === 'age_years')!;
    assert.deepEqual([age.unit, age.type, age.role], ['years', 'float32', 'feature']);
    for (const f of pFields) {
      const row = dict.find((r) => r.table === 'patients' && r.column === f.name)!;
      assert.equal(row.role, f.metadata.get('fedage.role'), f.name);
      assert.equal(row.description, f.metadata.get('fedage.description'), f.name);
    }
    const site = dict.find((r) => r.column === 'site' && r.table === 'patients')!;
    assert.equal(site.levels, 'alpha|beta');
  });

  test('the manifest lists the CSV files with true sizes and hashes; the export is deterministic', async () => {
    const m = JSON.parse(readFileSync(join(csvDir, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(m.fileFormat, 'csv');
    for (const site of m.sites) {
      for (const entry of [site.files.patients, site.files.visits!]) {
        assert.deepEqual({ sha256: entry.sha256, bytes: entry.bytes }, await hashFile(join(csvDir, entry.file)));
      }
    }
    const again = join(root, 'csv-again');
    await exportDataset(arrowDir, { format: 'csv', outDir: again });
    for (const f of readdirSync(csvDir)) assert.ok(readFileSync(join(again, f)).equals(readFileSync(join(csvDir, f))), f);
  });

  test('refuses a non-empty --out without force and an export of an export', async () => {
    await assert.rejects(exportDataset(arrowDir, { format: 'csv', outDir: csvDir }), /not empty; use --force/);
    await assert.rejects(exportDataset(csvDir, { format: 'parquet', outDir: join(root, 'x') }), /reads Arrow data directories, and this is a CSV export/);
  });
});

describe('CSV value forms', () => {
  test('float32Text: reads back to the same float32, and no shorter decimal does', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = float32Text(x);
        assert.equal(Math.fround(Number(text)), x);
        // The shortest: one significant digit fewer does not read back to x.
        const sig = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
        if (sig > 1) assert.notEqual(Math.fround(Number(x.toPrecision(sig - 1))), x, `${x} -> ${text}`);
      }),
      { numRuns: 2000 },
    );
    assert.equal(float32Text(Math.fround(76.6)), '76.6');
  });

  test('csvString: any string survives a csv-parse round trip, in a row with other fields', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 4 }), (cells) => {
        const line = `${cells.map(csvString).join(',')}\n`;
        const back = parse(line, { relax_quotes: false }) as string[][];
        assert.deepEqual(back, [cells]);
      }),
      { numRuns: 1000 },
    );
  });
});
