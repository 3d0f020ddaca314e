/**
 * The import mapping (`fedage import <mapping.yaml>`): how a consortium's own per-site CSV or
 * Arrow extracts become a fedage data directory. One zod schema is the single source of truth;
 * parse-mapping.ts locates every problem in the YAML, cross-field rules live there too.
 */
import { z } from 'zod';
import { siteIdSchema } from '../../scenario/schema.js';

/** A site id: a file name stem, by the same rule as a scenario's sites (scenario/schema.ts). */
const siteId = siteIdSchema;
const columnName = z.string().min(1).max(200);
const scalar = z.union([z.string(), z.number()]);

/** How a text file is laid out; every key optional, per-site `format` overrides the dataset's. */
export const fileFormatSchema = z.strictObject({
  header: z.boolean().optional().describe('true (default): the first row names the columns; false: `columns` names them'),
  columns: z.array(columnName).min(1).optional().describe('column names in file order (required without a header)'),
  delimiter: z.string().min(1).max(4).optional().describe('field separator (default ",")'),
  comment: z.string().length(1).optional().describe('lines starting with this character are skipped'),
  encoding: z.enum(['utf8', 'latin1']).optional().describe('text encoding (default utf8)'),
});

export const missingPolicySchema = z.union([
  z.enum(['drop-row', 'keep']),
  z.strictObject({ value: z.number() }).describe('impute this constant'),
]);

const featureTypeSchema = z.enum(['numeric', 'binary', 'categorical']);

export const featureSpecSchema = z.strictObject({
  type: featureTypeSchema.describe('numeric, binary (0/1) or categorical'),
  /** Output column name (default: the source column name). */
  name: columnName.optional(),
  unit: z.string().min(1).max(40).optional().describe('unit of a numeric column (written to the manifest and Arrow metadata)'),
  description: z.string().max(500).optional(),
  /** Categorical: the levels allowed (default: every level seen, sorted). */
  levels: z.array(scalar).min(1).max(127).optional(),
  /** Categorical: the level left out of the one-hot encoding (the model's baseline). */
  reference: scalar.optional(),
  /** Binary: source values that mean 1 (default: the column must hold 0/1). */
  positive: z.array(scalar).min(1).optional(),
  /** Missing values in this column: overrides the dataset's `missing.policy`. */
  missing: missingPolicySchema.optional(),
});

/** A comparison on a numeric label: "> 0", ">= 2", "== 1". */
export const THRESHOLD_PATTERN = /^\s*(>=|<=|>|<|==)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

export const labelSchema = z.strictObject({
  column: columnName.describe('the source column holding the outcome'),
  positive: z.array(scalar).min(1).optional().describe('source values that mean "positive" (1); every other observed value is 0'),
  threshold: z
    .string()
    .regex(THRESHOLD_PATTERN, { message: 'a comparison such as "> 0" or ">= 2"' })
    .optional()
    .describe('a numeric comparison meaning "positive", e.g. "> 0"'),
  /** The manifest's target name (default "target"). */
  name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: 'a target name of lowercase letters, digits and "_"' }).optional(),
  description: z.string().max(500).optional(),
});

export const splitTableSchema = z.strictObject({
  file: z.string().min(1).describe('a CSV (with a header) assigning each source row to train/validation/test'),
  site: columnName.describe('its column holding the site id'),
  row: columnName.describe('its column holding the 1-based data row of the source file (header excluded)'),
  value: columnName.describe('its column holding train, validation or test'),
});

export const siteSpecSchema = z.strictObject({
  id: siteId,
  name: z.string().min(1).max(200).optional(),
  country: z.string().max(100).optional(),
  path: z.string().min(1).describe('the site file (.csv, .tsv, .txt, .data or .arrow), relative to the mapping file'),
  format: fileFormatSchema.optional(),
});

export const importMappingSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).max(200).describe('dataset name (the manifest scenario name)'),
  description: z.string().max(2000).optional(),
  sites: z.array(siteSpecSchema).min(1).max(1000),
  format: fileFormatSchema.optional(),
  /** Source column holding a patient id (default: `<site>-<row>`). */
  id: columnName.optional(),
  label: labelSchema,
  features: z.record(columnName, z.union([featureTypeSchema, featureSpecSchema])).refine((f) => Object.keys(f).length > 0, { message: 'at least one feature' }),
  drop: z.array(columnName).optional().describe('source columns that are neither features nor the label (each must exist)'),
  missing: z
    .strictObject({
      markers: z.array(z.string()).optional().describe('cell texts meaning "missing" (default: "", "NA", "?")'),
      policy: missingPolicySchema.optional().describe('drop-row (default), keep (null; the bench imputes from training statistics) or { value: x }'),
    })
    .optional(),
  split: splitTableSchema.optional().describe('a fixed train/test assignment (the bench uses it with `split: fixed`)'),
});

export type ImportMapping = z.infer<typeof importMappingSchema>;
export type FeatureSpecInput = z.infer<typeof featureSpecSchema>;
export type MissingPolicy = z.infer<typeof missingPolicySchema>;
export type FileFormat = z.infer<typeof fileFormatSchema>;

export const DEFAULT_MISSING_MARKERS = ['', 'NA', '?'];
