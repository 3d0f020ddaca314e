/** The one rule for site (and vertical party) ids: they become file names. */
import { z } from 'zod';

/**
 * Site ids become file names: keep them to a portable, safe subset. The one rule for scenarios
 * and import mappings (data/import/mapping-schema.ts uses this schema and rules.ts checkSiteIds).
 */
export const SITE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const siteIdSchema = z
  .string()
  .regex(SITE_ID_PATTERN, 'a safe file name: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit')
  .refine((s) => !s.includes('..'), { message: 'a safe file name without ".."' });
