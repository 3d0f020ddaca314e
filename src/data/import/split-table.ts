/**
 * A fixed train/validation/test assignment read from a CSV keyed by (site id, 1-based source
 * row): how a published protocol's split (e.g. FLamby's per-center 66/34 split) is carried into
 * a data directory. The bench uses it with `split: fixed`.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError, type InputProblem } from '../../errors.js';
import { closestMatch } from '../../scenario/did-you-mean.js';
import type { ResolvedMapping } from './parse-mapping.js';
import { parserMessage, shortList, shortText } from './short-text.js';

export const SPLIT_LEVELS = ['train', 'validation', 'test'] as const;

/** site id → (1-based source row → split code: index into SPLIT_LEVELS). */
export type SplitTable = Map<string, Map<number, number>>;

export async function readSplitTable(spec: NonNullable<ResolvedMapping['split']>, siteIds: readonly string[]): Promise<SplitTable> {
  let text: Buffer;
  try {
    text = await readFile(spec.file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError([{ ...spec.at, expected: 'a readable split table (CSV with a header)', found: `${spec.file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}` }]);
  }
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: true, bom: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new InputError([{ file: spec.file, line: e.lines, path: '', expected: 'a well-formed CSV file with a header', found: parserMessage(e.message) }]);
  }
  const header = records.length > 0 ? Object.keys(records[0].record) : [];
  const problems: InputProblem[] = [];
  for (const key of ['site', 'row', 'value'] as const) {
    const name = spec[key];
    if (!header.includes(name)) {
      // Suggest only short names: a suggestion quotes the file's own header.
      const s = closestMatch(name, header.filter((h) => h.length <= 40));
      problems.push({ ...spec.at, path: `split.${key}`, expected: `a column of ${basename(spec.file)}: ${shortList(header)}`, found: `unknown column \`${name}\`${s ? ` (did you mean \`${s}\`?)` : ''}` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  const table: SplitTable = new Map(siteIds.map((id) => [id, new Map()]));
  for (const { record, info } of records) {
    const at = { file: spec.file, line: info.lines };
    const site = record[spec.site].trim();
    const rowText = record[spec.row].trim();
    const value = record[spec.value].trim().toLowerCase();
    const rows = table.get(site);
    if (!rows) {
      const s = closestMatch(site, siteIds);
      problems.push({ ...at, path: `column ${spec.site}`, expected: `a site id of the mapping: ${siteIds.join(', ')}`, found: `${shortText(site)}${s ? ` (did you mean ${s}?)` : ''}` });
      continue;
    }
    const row = Number(rowText);
    if (!/^\d+$/.test(rowText) || row < 1 || !Number.isSafeInteger(row)) {
      problems.push({ ...at, path: `column ${spec.row}`, expected: 'a 1-based row number', found: shortText(rowText) });
      continue;
    }
    const code = (SPLIT_LEVELS as readonly string[]).indexOf(value);
    if (code < 0) {
      problems.push({ ...at, path: `column ${spec.value}`, expected: 'train, validation or test', found: shortText(record[spec.value]) });
      continue;
    }
    if (rows.has(row)) problems.push({ ...at, path: `column ${spec.row}`, expected: `one entry per row of site ${site}`, found: `row ${row} again` });
    rows.set(row, code);
  }
  if (problems.length > 0) throw new InputError(problems.slice(0, 25));
  return table;
}
