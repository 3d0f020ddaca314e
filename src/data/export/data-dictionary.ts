/**
 * The data dictionary written beside an export (`data-dictionary.csv`): one row per table and
 * column with its type, role, unit and description, so that R, Stata or a spreadsheet user has
 * what the Arrow field metadata carries. Units can differ between sites (mg/dL vs mmol/L, kg vs
 * lb): `unit` is the unit when every site agrees, else "varies by site", and one `unit.<site>`
 * column per site gives each site's own.
 */
import { DataType, type Field, type RecordBatch } from 'apache-arrow';
import {
  DEFINES_TARGET_METADATA_KEY,
  DESCRIPTION_METADATA_KEY,
  FEATURE_TYPE_METADATA_KEY,
  REFERENCE_LEVEL_METADATA_KEY,
  ROLE_METADATA_KEY,
  UNIT_METADATA_KEY,
} from '../arrow-io.js';
import { csvString } from './csv-file.js';

export const DATA_DICTIONARY_FILE = 'data-dictionary.csv';

export const VARIES_BY_SITE = 'varies by site';

/** A column's type as the dictionary names it (portable words, not Arrow's). */
export function dictionaryType(type: DataType): string {
  if (DataType.isFloat(type)) return (type as unknown as { precision: number }).precision === 1 ? 'float32' : 'float64';
  if (DataType.isInt(type)) return `int${(type as unknown as { bitWidth: number }).bitWidth}`;
  if (DataType.isDate(type)) return 'date (YYYY-MM-DD)';
  if (DataType.isDictionary(type)) return 'category';
  if (DataType.isUtf8(type)) return 'string';
  if (DataType.isBool(type)) return 'boolean';
  return String(type);
}

interface ColumnEntry {
  table: string;
  column: string;
  type: string;
  role: string;
  featureType: string;
  definesTarget: string;
  referenceLevel: string;
  levels: string[];
  description: string;
  unitBySite: Map<string, string>;
}

/** Collects the columns of every (site, table) seen, in first-seen order. */
export class DataDictionaryBuilder {
  private readonly entries = new Map<string, ColumnEntry>();
  private readonly sites: string[] = [];

  /** Records a table's fields for one site; `firstBatch` (if any) gives category levels. */
  add(siteId: string, table: string, fields: Field[], firstBatch?: RecordBatch): void {
    if (!this.sites.includes(siteId)) this.sites.push(siteId);
    fields.forEach((f, k) => {
      const key = `${table}\u0000${f.name}`;
      let e = this.entries.get(key);
      if (!e) {
        e = {
          table,
          column: f.name,
          type: dictionaryType(f.type),
          role: f.metadata.get(ROLE_METADATA_KEY) ?? '',
          featureType: f.metadata.get(FEATURE_TYPE_METADATA_KEY) ?? '',
          definesTarget: f.metadata.get(DEFINES_TARGET_METADATA_KEY) ?? '',
          referenceLevel: f.metadata.get(REFERENCE_LEVEL_METADATA_KEY) ?? '',
          levels: [],
          description: f.metadata.get(DESCRIPTION_METADATA_KEY) ?? '',
          unitBySite: new Map(),
        };
        this.entries.set(key, e);
      }
      // Category levels: the union over sites, in first-seen order (a site's dictionary may
      // hold only its own levels, e.g. the site column).
      const dictionary = DataType.isDictionary(f.type) ? firstBatch?.getChildAt(k)?.data[0]?.dictionary : undefined;
      for (const level of dictionary ? [...dictionary].map(String) : []) if (!e.levels.includes(level)) e.levels.push(level);
      e.unitBySite.set(siteId, f.metadata.get(UNIT_METADATA_KEY) ?? '');
    });
  }

  /** The dictionary as CSV text and its row count. */
  toCsv(): { text: string; rows: number } {
    const header = ['table', 'column', 'type', 'role', 'feature_type', 'defines_target', 'reference_level', 'levels', 'unit', ...this.sites.map((s) => `unit.${s}`), 'description'];
    const lines = [header.map(csvString).join(',')];
    for (const e of this.entries.values()) {
      const perSite = this.sites.map((s) => e.unitBySite.get(s) ?? '');
      const distinct = new Set(perSite.filter((u, i) => e.unitBySite.has(this.sites[i])));
      const unit = distinct.size <= 1 ? ([...distinct][0] ?? '') : VARIES_BY_SITE;
      const row = [e.table, e.column, e.type, e.role, e.featureType, e.definesTarget, e.referenceLevel, e.levels.join('|'), unit, ...perSite, e.description];
      lines.push(row.map((v) => (v === '' ? '' : csvString(v))).join(','));
    }
    return { text: `${lines.join('\n')}\n`, rows: this.entries.size };
  }
}
