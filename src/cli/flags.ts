/** Flag parsers shared by several commands, so a flag means and checks the same everywhere. */
import { UsageError } from '../errors.js';

/** The largest --scale: 10,000 × a shipped scenario is already tens of millions of patients. */
export const MAX_SCALE = 10_000;

/** `--scale f`: multiplies every site's patient count; 0 < f ≤ MAX_SCALE. */
export function parseScale(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const scale = /^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new UsageError(`--scale: expected a number > 0 and at most ${MAX_SCALE} (e.g. 0.1 or 10), found "${text}"`);
  }
  return scale;
}

/** The one description of --force, and its short form -f, for every command that overwrites. */
export const FORCE_FLAG = ['-f, --force', 'overwrite existing output (files in a non-empty output directory, or an existing file)'] as const;

/** `--hidden-units 64` or `64,32`: MLP hidden layer widths, 1-2 layers of 1..4096 units (as bench.model.hiddenUnits). */
export function parseHiddenUnits(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((t) => t.trim());
  const ok = parts.length >= 1 && parts.length <= 2 && parts.every((p) => /^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= 4096);
  if (!ok) throw new UsageError(`--hidden-units: expected one or two layer widths between 1 and 4096 (e.g. 32 or 64,32), found "${text}"`);
  return parts.map(Number);
}

/** --workers: worker threads, an integer in 1..64 (undefined when not given). */
export function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < 1 || v > 64) throw new UsageError(`--workers: expected an integer between 1 and 64, found "${text}"`);
  return v;
}
