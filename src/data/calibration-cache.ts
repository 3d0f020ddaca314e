/**
 * The site-model calibration cache (issue 19): calibrating a site (synth/site-model.ts
 * calibrateSite, ~0.35 s) was half of a small `generate` and a quarter of a bench from YAML. Its
 * result depends only on the seed, the site's settings and the calibration code, so it is kept on
 * disk under the SHA-256 of exactly those, and a hit returns the same numbers bit for bit (JSON
 * numbers round-trip doubles exactly; the liability sample is stored as its raw bytes): the
 * generated files are byte-identical with or without the cache.
 *
 * Where: $FEDAGE_CACHE_DIR, else the OS cache directory ($XDG_CACHE_HOME or ~/.cache on Linux,
 * ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows) under fedage/calibration/.
 * FEDAGE_CACHE_DIR=off turns it off. The cache is an optimization only: a missing, unreadable,
 * corrupt or foreign entry is recomputed (and rewritten), and a cache that cannot be written
 * (read-only home, full disk) is skipped silently.
 *
 * Invalidation: the key hashes the generator version (synth/version.ts), this file's format
 * number and the bytes of the compiled calibration modules, so a changed model never reads an
 * old entry. Concurrency: an entry is written to a uniquely named temp file and renamed into
 * place (atomic on one file system): two processes writing the same key at once each rename a
 * complete file of the same content, and a reader sees a whole entry or none.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness, homedir, platform } from 'node:os';
import { join } from 'node:path';
import type { ResolvedSite } from '../scenario/schema.js';
import { CALIBRATION_SAMPLE, calibrateSite, type SiteCalibration } from '../synth/site-model.js';
import { GENERATOR } from '../synth/version.js';
import { canonicalJson, sha256Hex } from './manifest.js';
import { packagePath } from '../package-root.js';

/** Bumped when the entry's layout changes. */
export const CALIBRATION_CACHE_FORMAT = 1;

/** The modules whose code decides a calibration (their compiled bytes are part of the key). */
const CALIBRATION_MODULES = ['synth/site-model.js', 'synth/frailty-model.js', 'random/normal.js', 'random/rng.js'];

let codeHash: string | null = null;
function calibrationCodeHash(): string {
  if (codeHash === null) {
    const parts = CALIBRATION_MODULES.map((m) => {
      try {
        return sha256Hex(readFileSync(packagePath('dist', 'src', m)));
      } catch {
        return 'unreadable';
      }
    });
    codeHash = sha256Hex(parts.join('\n'));
  }
  return codeHash;
}

/** The cache directory (fedage/calibration inside the OS cache directory), or null when off. */
export function calibrationCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const override = env.FEDAGE_CACHE_DIR;
  if (override !== undefined && override !== '') return override === 'off' ? null : join(override, 'calibration');
  const home = homedir();
  const base =
    platform() === 'win32'
      ? (env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'))
      : platform() === 'darwin'
        ? join(home, 'Library', 'Caches')
        : (env.XDG_CACHE_HOME || join(home, '.cache'));
  return join(base, 'fedage', 'calibration');
}

/**
 * The cache key of a site's calibration: everything calibrateSite reads (the seed and the
 * site's settings; not its patient count or name, which it never reads), the generator version
 * and the calibration code.
 */
export function calibrationKey(site: ResolvedSite, seed: number): string {
  const { patients: _patients, name: _name, ...settings } = site;
  return sha256Hex(
    canonicalJson({ format: CALIBRATION_CACHE_FORMAT, generator: GENERATOR, code: calibrationCodeHash(), endianness: endianness(), seed, site: settings }),
  );
}

/** A cache file: the calibration with its sample as base64, under its format and key. */
type Entry = { format: number; key: string; liabilitySampleBase64: string } & Omit<SiteCalibration, 'liabilitySample'>;

const SCALARS = ['frailtyOffset', 'hazardCnToMci', 'hazardMciToAd', 'cognitionRefAge', 'cognitionRefEducation', 'mocaEducationPointRate'] as const;

export function encodeCalibration(key: string, c: SiteCalibration): string {
  const sample = Buffer.from(c.liabilitySample.buffer, c.liabilitySample.byteOffset, c.liabilitySample.byteLength);
  const entry: Entry = {
    format: CALIBRATION_CACHE_FORMAT,
    key,
    thresholds: c.thresholds,
    liabilitySampleBase64: sample.toString('base64'),
    frailtyOffset: c.frailtyOffset,
    hazardCnToMci: c.hazardCnToMci,
    hazardMciToAd: c.hazardMciToAd,
    cognitionRefAge: c.cognitionRefAge,
    cognitionRefEducation: c.cognitionRefEducation,
    mocaEducationPointRate: c.mocaEducationPointRate,
  };
  return JSON.stringify(entry);
}

/** The calibration in an entry's text, or null when it is not a complete entry for `key`. */
export function decodeCalibration(key: string, text: string): SiteCalibration | null {
  let e: Partial<Entry>;
  try {
    e = JSON.parse(text) as Partial<Entry>;
  } catch {
    return null;
  }
  if (e === null || typeof e !== 'object' || e.format !== CALIBRATION_CACHE_FORMAT || e.key !== key) return null;
  if (!Array.isArray(e.thresholds) || e.thresholds.length !== 2 || !e.thresholds.every((t) => typeof t === 'number')) return null;
  if (!SCALARS.every((k) => typeof e[k] === 'number' && Number.isFinite(e[k]))) return null;
  if (typeof e.liabilitySampleBase64 !== 'string') return null;
  const bytes = Buffer.from(e.liabilitySampleBase64, 'base64');
  if (bytes.byteLength !== CALIBRATION_SAMPLE * 8) return null;
  // A copy into its own (aligned) buffer: a Buffer may sit at any offset of a shared pool.
  const sample = new Float64Array(CALIBRATION_SAMPLE);
  new Uint8Array(sample.buffer).set(bytes);
  for (let i = 1; i < sample.length; i++) if (!(sample[i - 1] <= sample[i])) return null;
  return {
    thresholds: [e.thresholds[0], e.thresholds[1]],
    liabilitySample: sample,
    frailtyOffset: e.frailtyOffset as number,
    hazardCnToMci: e.hazardCnToMci as number,
    hazardMciToAd: e.hazardMciToAd as number,
    cognitionRefAge: e.cognitionRefAge as number,
    cognitionRefEducation: e.cognitionRefEducation as number,
    mocaEducationPointRate: e.mocaEducationPointRate as number,
  };
}

/** Writes an entry atomically (temp file + rename); any failure leaves no entry and is ignored. */
export function storeCalibration(dir: string, key: string, calibration: SiteCalibration): void {
  writeEntry(dir, key, encodeCalibration(key, calibration));
}

function writeEntry(dir: string, key: string, text: string): void {
  const path = join(dir, `${key}.json`);
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // no temp file could be made either
    }
  }
}

export interface CalibrationLookup {
  calibration: SiteCalibration;
  /** 'hit': read from the cache; 'miss': computed (and stored, if the cache is writable); 'off': computed, no cache. */
  source: 'hit' | 'miss' | 'off';
}

/** The site's calibration from the cache, or calibrated (and cached). */
export function cachedCalibration(site: ResolvedSite, seed: number, dir: string | null = calibrationCacheDir()): CalibrationLookup {
  if (dir === null) return { calibration: calibrateSite(site, seed), source: 'off' };
  const key = calibrationKey(site, seed);
  let text: string | null = null;
  try {
    text = readFileSync(join(dir, `${key}.json`), 'utf8');
  } catch {
    text = null;
  }
  const hit = text === null ? null : decodeCalibration(key, text);
  if (hit) return { calibration: hit, source: 'hit' };
  const calibration = calibrateSite(site, seed);
  storeCalibration(dir, key, calibration);
  return { calibration, source: 'miss' };
}
