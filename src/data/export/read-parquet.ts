/**
 * Reads back a Parquet file fedage exported, as the Arrow table it came from: parquet-wasm
 * (arrow-rs) restores the embedded Arrow schema (`ARROW:schema`), so types (float32, int8,
 * dictionary-encoded categories, dates) and field metadata (role, unit, …) are those of the
 * source Arrow file. Lets `fedage bench` read its own Parquet exports.
 */
import { readFile } from 'node:fs/promises';
import { tableFromIPC, type Table } from 'apache-arrow';
import { InputError } from '../../errors.js';

export async function readParquetTable(path: string): Promise<Table> {
  const bytes = await readFile(path);
  // Loaded on first use: the WebAssembly module costs ~0.1 s, which no other command should pay.
  const parquet = await import('parquet-wasm');
  let ipc: Uint8Array;
  try {
    ipc = parquet.readParquet(bytes).intoIPCStream();
  } catch (err) {
    throw new InputError([{ file: path, path: '', expected: 'a readable Parquet file', found: String((err as Error)?.message ?? err) }]);
  }
  return tableFromIPC(ipc);
}
