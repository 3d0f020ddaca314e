/**
 * Parquet export read back by an independent reader: DuckDB (its own C++ Parquet reader, not
 * arrow-rs). Every value of every column, nulls included, must equal the Arrow source; the
 * column metadata must be in the Parquet key-value metadata.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DataType } from 'apache-arrow';
import { exportDataset } from '../../../src/data/export/export-dataset.js';
import { PARQUET_METADATA_KEY, writeParquetFile, type ParquetFedageMetadata } from '../../../src/data/export/parquet-file.js';
import { readArrowSchema } from '../../../src/data/arrow-io.js';
import { hashFile } from '../../../src/data/verify.js';
import type { Manifest } from '../../../src/data/manifest.js';
import { arrowRows, freshRoot, generateSmall } from './helpers.js';

const root = freshRoot('fedage-export-parquet-');
const arrowDir = join(root, 'arrow');
const parquetDir = join(root, 'parquet');
let db: DuckDBInstance;
let conn: DuckDBConnection;

before(async () => {
  await generateSmall(arrowDir);
  await exportDataset(arrowDir, { format: 'parquet', outDir: parquetDir });
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
after(() => {
  conn?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** DuckDB's type for each Arrow type we write. */
function duckType(type: DataType): string {
  if (DataType.isFloat(type)) return (type as unknown as { precision: number }).precision === 1 ? 'FLOAT' : 'DOUBLE';
  if (DataType.isInt(type)) return (type as unknown as { bitWidth: number }).bitWidth === 8 ? 'TINYINT' : 'INTEGER';
  if (DataType.isDate(type)) return 'DATE';
  return 'VARCHAR';
}

const arrowFiles = () => readdirSync(arrowDir).filter((f) => f.endsWith('.arrow')).sort();

describe('Parquet export read back by DuckDB', () => {
  test('every value of every file equals the Arrow source, nulls included, in order', async () => {
    let nulls = 0;
    let cells = 0;
    for (const file of arrowFiles()) {
      const { fields, rows } = await arrowRows(join(arrowDir, file));
      const pq = join(parquetDir, file.replace(/\.arrow$/, '.parquet'));
      const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(pq)})`)).getRowObjectsJson();
      assert.deepEqual(
        described.map((d) => [d.column_name, d.column_type]),
        fields.map((f) => [f.name, duckType(f.type)]),
        `${file}: column names and types`,
      );
      const got = (await conn.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(pq)})`)).getRowsJson();
      assert.equal(got.length, rows.length, `${file}: row count`);
      for (let i = 0; i < rows.length; i++) {
        for (let k = 0; k < fields.length; k++) {
          const want = rows[i][k];
          const have = got[i][k];
          if (want === null) nulls++;
          cells++;
          if (want !== have) assert.fail(`${file} row ${i} column ${fields[k].name}: Arrow ${JSON.stringify(want)}, DuckDB ${JSON.stringify(have)}`);
        }
      }
    }
    // The comparison covered missing values, not only complete ones.
    assert.ok(nulls > 100, `only ${nulls} nulls among ${cells} cells`);
  });

  test('the column metadata is in the Parquet key-value metadata (key fedage) and the schema metadata is kept', async () => {
    for (const file of arrowFiles()) {
      const { fields } = await arrowRows(join(arrowDir, file));
      const pq = join(parquetDir, file.replace(/\.arrow$/, '.parquet'));
      const kv = (await conn.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(pq)})`)).getRowObjectsJson();
      const map = new Map(kv.map((r) => [String(r.k), String(r.v)]));
      const meta = JSON.parse(map.get(PARQUET_METADATA_KEY) ?? 'null') as ParquetFedageMetadata;
      const columns = meta.columns;
      assert.equal(columns.length, fields.length);
      fields.forEach((f, k) => {
        assert.equal(columns[k].name, f.name);
        for (const [key, value] of f.metadata) assert.equal(columns[k][key], value, `${file} ${f.name} ${key}`);
      });
      assert.equal(meta.table['fedage.site'], file.split('.')[0]);
      assert.equal(meta.table['fedage.table'], file.includes('.visits.') ? 'visits' : 'patients');
      // Units differ between the sites (mg/dL vs mmol/L): the metadata is per file.
      const glucose = columns.find((c) => c.name === 'glucose');
      if (glucose) assert.equal(glucose['fedage.unit'], file.startsWith('beta') ? 'mmol/L' : 'mg/dL');
    }
  });

  test('the manifest lists every Parquet file with its true size and SHA-256, fileFormat parquet', async () => {
    const m = JSON.parse(readFileSync(join(parquetDir, 'manifest.json'), 'utf8')) as Manifest;
    const source = JSON.parse(readFileSync(join(arrowDir, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(m.fileFormat, 'parquet');
    assert.equal(m.exportedFrom?.manifestSha256, (await hashFile(join(arrowDir, 'manifest.json'))).sha256);
    assert.deepEqual(m.features, source.features);
    for (const [i, site] of m.sites.entries()) {
      for (const table of ['patients', 'visits'] as const) {
        const entry = site.files[table]!;
        assert.equal(entry.rows, source.sites[i].files[table]!.rows);
        const got = await hashFile(join(parquetDir, entry.file));
        assert.deepEqual({ sha256: entry.sha256, bytes: entry.bytes }, got, entry.file);
        const count = (await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(join(parquetDir, entry.file))})`)).getRowObjectsJson();
        assert.equal(count[0].n, entry.rows);
      }
    }
    const dict = await hashFile(join(parquetDir, 'data-dictionary.csv'));
    assert.equal(m.dataDictionary?.sha256, dict.sha256);
    assert.deepEqual(readdirSync(parquetDir).filter((f) => f.includes('.tmp-')), []);
  });

  test('the same source exports to byte-identical Parquet files, again and again in one process', async () => {
    for (let run = 0; run < 3; run++) {
      const again = join(root, `parquet-again-${run}`);
      await exportDataset(arrowDir, { format: 'parquet', outDir: again });
      for (const f of readdirSync(parquetDir)) assert.ok(readFileSync(join(again, f)).equals(readFileSync(join(parquetDir, f))), `run ${run}: ${f}`);
    }
  });

  test('an empty table still gives a valid Parquet file with every column (categories included)', async () => {
    const schema = await readArrowSchema(join(arrowDir, 'alpha.arrow'));
    const path = join(root, 'empty.parquet');
    const written = await writeParquetFile(path, schema, []);
    assert.equal(written.rows, 0);
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`)).getRowObjectsJson();
    assert.deepEqual(described.map((d) => d.column_name), schema.fields.map((f) => f.name));
    const count = (await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(path)})`)).getRowObjectsJson();
    assert.equal(count[0].n, 0);
  });
});
